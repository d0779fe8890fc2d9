import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { blockReader, encodeBlockStream } from './blocks.js';
import { flatReader } from './flat.js';
import { fileTables, RodataWriter, writeModuleBody } from './rodata.js';
import type { EncodedTable, Format, TableReader } from './types.js';

/**
 * The module section `.mod_lineinfo` as the series laid it out before v3, for
 * comparison with v3/v4 (moduleV3Format). Spec section 2 says only "v1/v2
 * used a 16-byte (flat) or 24-byte header"; the field order and the order of
 * the arrays below are OUR READING, not confirmed:
 *
 * - module-v1 (flat): a 16-byte header of four u32 (num_entries, num_files,
 *   filenames_offset, filenames_size; offsets relative to the header), then
 *   addrs[N] u32, file_ids[N] u16, padding to 4, lines[N] u32,
 *   file_offsets[F] u32, filenames. Array offsets follow from the counts.
 * - module-v2 (blocks, zigzag deltas as v1/v2 coded them): a 24-byte header
 *   of six u32 (num_entries, num_blocks, num_files, data_size,
 *   filenames_size, reserved), then block_addrs[nb], block_offsets[nb],
 *   data, padding to 4, file_offsets[F], filenames.
 */

const align4 = (n: number) => Math.ceil(n / 4) * 4;

const V1_HEADER = 16;

function v1Layout(n: number, f: number) {
  const addrs = V1_HEADER;
  const fileIds = addrs + 4 * n;
  const lines = align4(fileIds + 2 * n);
  const fileOffsets = lines + 4 * n;
  const filenames = fileOffsets + 4 * f;
  return { addrs, fileIds, lines, fileOffsets, filenames };
}

export const moduleV1Format: Format = {
  id: 'module-v1',
  description: "a module's .mod_lineinfo section, v1 flat layout (16-byte header; our reading)",

  encode(t: EntryTable, littleEndian: boolean): EncodedTable {
    const ft = fileTables(t.files);
    const L = v1Layout(t.count, t.files.length);
    const w = new RodataWriter(littleEndian);
    w.u32('header.num_entries', 'counts', t.count);
    w.u32('header.num_files', 'counts', t.files.length);
    w.u32('header.filenames_offset', 'counts', L.filenames);
    w.u32('header.filenames_size', 'counts', ft.names.length);
    w.u32Array('addrs', 'data', t.offsets.subarray(0, t.count));
    w.u16Array('file_ids', 'data', t.fileIds.subarray(0, t.count));
    w.u32Array('lines', 'data', t.lines.subarray(0, t.count));
    w.u32Array('file_offsets', 'file_offsets', ft.offsets);
    w.raw('filenames', 'filenames', ft.names);
    const { bytes, parts } = w.result();
    return {
      format: 'module-v1',
      littleEndian,
      entries: t.count,
      files: t.files.length,
      bytes,
      parts,
    };
  },

  open(bytes: Uint8Array, le: boolean): TableReader {
    if (bytes.length < V1_HEADER) throw new FormatError('module-v1: shorter than its header');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = v.getUint32(0, le);
    const f = v.getUint32(4, le);
    const namesAt = v.getUint32(8, le);
    const namesSize = v.getUint32(12, le);
    const L = v1Layout(n, f);
    if (L.filenames !== namesAt || namesAt + namesSize > bytes.length)
      throw new FormatError(
        `module-v1: ${n} entries and ${f} files do not fit ${bytes.length} bytes`,
      );
    return flatReader(bytes, le, 'module-v1', {
      n,
      f,
      addrs: L.addrs,
      fileIds: L.fileIds,
      lines: L.lines,
      fileOffsets: L.fileOffsets,
      namesAt,
      namesSize,
    });
  },
};

const V2_HEADER = 24;

function v2Layout(nb: number, dataSize: number, f: number) {
  const addrsAt = V2_HEADER;
  const offsAt = addrsAt + 4 * nb;
  const dataAt = offsAt + 4 * nb;
  const fileOffAt = align4(dataAt + dataSize);
  const namesAt = fileOffAt + 4 * f;
  return { addrsAt, offsAt, dataAt, fileOffAt, namesAt };
}

export function moduleV2Format(blockSize = 64): Format {
  const id = `module-v2:${blockSize}`;
  return {
    id,
    description: `a module's .mod_lineinfo section, v2 layout (24-byte header, blocks of ${blockSize}, zigzag deltas; our reading)`,

    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const { nb, blockAddrs, blockOffsets, data } = encodeBlockStream(t, blockSize, 'zigzag');
      const ft = fileTables(t.files);
      const w = new RodataWriter(littleEndian);
      w.u32('header.num_entries', 'counts', t.count);
      w.u32('header.num_blocks', 'counts', nb);
      w.u32('header.num_files', 'counts', t.files.length);
      w.u32('header.data_size', 'counts', data.length);
      w.u32('header.filenames_size', 'counts', ft.names.length);
      w.u32('header.reserved', 'padding', 0);
      writeModuleBody(w, blockAddrs, blockOffsets, data, ft);
      const { bytes, parts } = w.result();
      return { format: id, littleEndian, entries: t.count, files: t.files.length, bytes, parts };
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      if (bytes.length < V2_HEADER) throw new FormatError(`${id}: shorter than its header`);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const [n, nb, f, dataSize, namesSize] = [0, 1, 2, 3, 4].map((i) => v.getUint32(4 * i, le));
      if (nb !== Math.ceil(n / blockSize))
        throw new FormatError(`${id}: header counts disagree (${n} entries, ${nb} blocks)`);
      const L = v2Layout(nb, dataSize, f);
      if (L.namesAt + namesSize > bytes.length)
        throw new FormatError(
          `${id}: ${n} entries and ${f} files do not fit ${bytes.length} bytes`,
        );
      return blockReader(bytes, le, id, blockSize, 'zigzag', {
        n,
        f,
        nb,
        addrsAt: L.addrsAt,
        offsAt: L.offsAt,
        dataAt: L.dataAt,
        dataSize,
        fileOffsAt: L.fileOffAt,
        namesAt: L.namesAt,
        namesSize,
      });
    },
  };
}
