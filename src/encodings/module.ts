import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { blockReader, type DeltaCoding, encodeBlockStream } from './blocks.js';
import { fileTables, RodataWriter, writeModuleBody } from './rodata.js';
import type { EncodedTable, Format, TableReader } from './types.js';

const HEADER_WORDS = [
  'num_entries',
  'num_blocks',
  'num_files',
  'blocks_offset',
  'blocks_size',
  'data_offset',
  'data_size',
  'files_offset',
  'files_size',
  'filenames_offset',
  'filenames_size',
  'reserved',
] as const;
const HEADER_SIZE = 4 * HEADER_WORDS.length;

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * A module's `.mod_lineinfo` section as v3/v4 lay it out (spec section 2):
 * a 48-byte header of twelve u32 (offsets relative to the header), then
 * block_addrs, block_offsets, data, padding to 4, file_offsets, filenames.
 */
export function moduleV3Format(blockSize = 64, coding: DeltaCoding = 'sleb'): Format {
  const id = `module-v3:${blockSize}:${coding}`;
  return {
    id,
    description: `a module's .mod_lineinfo section (v3/v4: 48-byte header, blocks of ${blockSize})`,

    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const { nb, blockAddrs, blockOffsets, data } = encodeBlockStream(t, blockSize, coding);
      const ft = fileTables(t.files);
      const blocksOffset = HEADER_SIZE;
      const dataOffset = blocksOffset + 8 * nb;
      const filesOffset = align4(dataOffset + data.length);
      const filenamesOffset = filesOffset + 4 * t.files.length;
      const header = [
        t.count,
        nb,
        t.files.length,
        blocksOffset,
        8 * nb,
        dataOffset,
        data.length,
        filesOffset,
        4 * t.files.length,
        filenamesOffset,
        ft.names.length,
        0,
      ];
      const w = new RodataWriter(littleEndian);
      HEADER_WORDS.forEach((name, i) => {
        w.u32(`header.${name}`, name === 'reserved' ? 'padding' : 'counts', header[i]);
      });
      writeModuleBody(w, blockAddrs, blockOffsets, data, ft);
      const { bytes, parts } = w.result();
      return { format: id, littleEndian, entries: t.count, files: t.files.length, bytes, parts };
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      if (bytes.length < HEADER_SIZE)
        throw new FormatError(`${id}: shorter than its 48-byte header`);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const h = HEADER_WORDS.map((_, i) => v.getUint32(4 * i, le));
      const [
        n,
        nb,
        f,
        blocksOffset,
        blocksSize,
        dataOffset,
        dataSize,
        filesOffset,
        filesSize,
        namesOffset,
        namesSize,
      ] = h;
      if (nb !== Math.ceil(n / blockSize) || blocksSize !== 8 * nb || filesSize !== 4 * f) {
        throw new FormatError(
          `${id}: header counts disagree (${n} entries, ${nb} blocks, ${f} files)`,
        );
      }
      for (const [at, size, what] of [
        [blocksOffset, blocksSize, 'blocks'],
        [dataOffset, dataSize, 'data'],
        [filesOffset, filesSize, 'file offsets'],
        [namesOffset, namesSize, 'file names'],
      ] as const) {
        if (at < HEADER_SIZE || at + size > bytes.length)
          throw new FormatError(`${id}: ${what} run past the section`);
      }
      return blockReader(bytes, le, id, blockSize, coding, {
        n,
        f,
        nb,
        addrsAt: blocksOffset,
        offsAt: blocksOffset + 4 * nb,
        dataAt: dataOffset,
        dataSize,
        fileOffsAt: filesOffset,
        namesAt: namesOffset,
        namesSize,
      });
    },
  };
}
