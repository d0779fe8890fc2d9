import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { blockReader, type DeltaCoding, encodeBlockStream } from './blocks.js';
import { fileTables, RodataWriter, writeModuleBody } from './rodata.js';
import type { EncodedTable, Format, TableReader } from './types.js';

/**
 * The words that begin a blocks table's header, offsets from the header:
 * module-v3 (v3/v4) adds a reserved word, module-v6's per-section table is
 * these eleven.
 */
const BLOCKS_TABLE_HEADER = [
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
] as const;
/** The v3/v4 header's words: the eleven and a reserved one. */
export const V3_HEADER_WORDS = [...BLOCKS_TABLE_HEADER, 'reserved'] as const;
/** The v3/v4 header: the eleven words and a reserved one, 48 bytes. */
export const V3_HEADER_SIZE = 4 * V3_HEADER_WORDS.length;
/** module-v6's per-section header: the eleven words, 44 bytes. */
export const V6_HEADER_SIZE = 4 * BLOCKS_TABLE_HEADER.length;

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * Writes a blocks table from `w`'s offset 0: the header (with the reserved
 * word when `reserved`, counted as padding), block_addrs, block_offsets,
 * data, padding to 4, file_offsets, filenames (`ft`).
 */
export function writeBlocksTable(
  w: RodataWriter,
  t: Pick<EntryTable, 'count' | 'offsets' | 'fileIds' | 'lines'>,
  ft: ReturnType<typeof fileTables>,
  p: { blockSize: number; coding: DeltaCoding; reserved: boolean },
): void {
  const { nb, blockAddrs, blockOffsets, data } = encodeBlockStream(
    { ...t, files: [] },
    p.blockSize,
    p.coding,
  );
  const f = ft.offsets.length;
  const blocksOffset = p.reserved ? V3_HEADER_SIZE : V6_HEADER_SIZE;
  const dataOffset = blocksOffset + 8 * nb;
  const filesOffset = align4(dataOffset + data.length);
  const header = [
    t.count,
    nb,
    f,
    blocksOffset,
    8 * nb,
    dataOffset,
    data.length,
    filesOffset,
    4 * f,
    filesOffset + 4 * f,
    ft.names.length,
  ];
  BLOCKS_TABLE_HEADER.forEach((name, i) => {
    w.u32(`header.${name}`, 'counts', header[i]);
  });
  if (p.reserved) w.u32('header.reserved', 'padding', 0);
  writeModuleBody(w, blockAddrs, blockOffsets, data, ft);
}

/**
 * Reads a blocks table (as `writeBlocksTable` lays it out, `headerSize`
 * bytes of header), bounds-checked against `bytes`; errors name `what`, the
 * header as `p.header` and the bytes as `p.within`.
 */
export function openBlocksTable(
  bytes: Uint8Array,
  le: boolean,
  what: string,
  headerSize: number,
  p: { blockSize: number; coding: DeltaCoding; header: string; within: string },
): TableReader {
  if (bytes.length < headerSize) throw new FormatError(`${what}: shorter than its ${p.header}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = BLOCKS_TABLE_HEADER.map((_, i) => v.getUint32(4 * i, le));
  const [n, nb, f, blocksOffset, blocksSize, dataOffset, dataSize, filesOffset, filesSize] = h;
  const [namesOffset, namesSize] = [h[9], h[10]];
  if (nb !== Math.ceil(n / p.blockSize) || blocksSize !== 8 * nb || filesSize !== 4 * f)
    throw new FormatError(
      `${what}: header counts disagree (${n} entries, ${nb} blocks, ${f} files)`,
    );
  for (const [at, size, part] of [
    [blocksOffset, blocksSize, 'blocks'],
    [dataOffset, dataSize, 'data'],
    [filesOffset, filesSize, 'file offsets'],
    [namesOffset, namesSize, 'file names'],
  ] as const) {
    if (at < headerSize || at + size > bytes.length)
      throw new FormatError(`${what}: ${part} run past the ${p.within}`);
  }
  return blockReader(bytes, le, what, p.blockSize, p.coding, {
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
}

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
      const w = new RodataWriter(littleEndian);
      writeBlocksTable(w, t, fileTables(t.files), { blockSize, coding, reserved: true });
      const { bytes, parts } = w.result();
      return { format: id, littleEndian, entries: t.count, files: t.files.length, bytes, parts };
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      return openBlocksTable(bytes, le, id, V3_HEADER_SIZE, {
        blockSize,
        coding,
        header: '48-byte header',
        within: 'section',
      });
    },
  };
}
