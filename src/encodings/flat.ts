import { FormatError } from '../errors.js';
import { collectEntries, type EntryTable } from '../lineinfo/entries.js';
import { fileTables, lastAtOrBelow, RodataWriter, readFileNames } from './rodata.js';
import type { EncodedTable, Format, LookupHit, TableReader } from './types.js';

// arithmetic, not bit operations: sizes read from corrupt bytes can pass 2^31
const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Where the arrays of a flat table start, from its counts. */
function flatLayout(n: number, f: number) {
  const addrs = 8;
  const fileIds = addrs + 4 * n;
  const lines = align4(fileIds + 2 * n);
  const fileOffsets = lines + 4 * n;
  const filenamesSize = fileOffsets + 4 * f;
  return { addrs, fileIds, lines, fileOffsets, filenamesSize, filenames: filenamesSize + 4 };
}

/**
 * The flat table of the RFC and v1 patch 1: three parallel arrays searched by
 * an upper-bound binary search.
 */
export const flatFormat: Format = {
  id: 'flat',
  description: 'flat arrays: u32 offset, u16 file id, u32 line per entry (RFC, v1 patch 1)',

  encode(t: EntryTable, littleEndian: boolean): EncodedTable {
    const w = new RodataWriter(littleEndian);
    w.u32('lineinfo_num_entries', 'counts', t.count);
    w.u32('lineinfo_num_files', 'counts', t.files.length);
    w.u32Array('lineinfo_addrs', 'data', t.offsets.subarray(0, t.count));
    w.u16Array('lineinfo_file_ids', 'data', t.fileIds.subarray(0, t.count));
    w.u32Array('lineinfo_lines', 'data', t.lines.subarray(0, t.count));
    const ft = fileTables(t.files);
    w.u32Array('lineinfo_file_offsets', 'file_offsets', ft.offsets);
    w.u32('lineinfo_filenames_size', 'counts', ft.names.length);
    w.raw('lineinfo_filenames', 'filenames', ft.names);
    const { bytes, parts } = w.result();
    return { format: 'flat', littleEndian, entries: t.count, files: t.files.length, bytes, parts };
  },

  open(bytes: Uint8Array, littleEndian: boolean): TableReader {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 8) throw new FormatError('flat table: shorter than its counts');
    const n = v.getUint32(0, littleEndian);
    const f = v.getUint32(4, littleEndian);
    const L = flatLayout(n, f);
    if (L.filenames > bytes.length)
      throw new FormatError(
        `flat table: ${n} entries and ${f} files do not fit ${bytes.length} bytes`,
      );
    const namesSize = v.getUint32(L.filenamesSize, littleEndian);
    if (L.filenames + namesSize > bytes.length)
      throw new FormatError('flat table: file names run past the end');
    return flatReader(bytes, littleEndian, 'flat table', {
      n,
      f,
      addrs: L.addrs,
      fileIds: L.fileIds,
      lines: L.lines,
      fileOffsets: L.fileOffsets,
      namesAt: L.filenames,
      namesSize,
    });
  },
};

/** Where a flat table's arrays lie (already checked to fit). */
export interface FlatLayout {
  n: number;
  f: number;
  addrs: number;
  fileIds: number;
  lines: number;
  fileOffsets: number;
  namesAt: number;
  namesSize: number;
}

/** The flat lookup (upper-bound binary search) and decoder over laid-out arrays: vmlinux tables and v1 module sections. */
export function flatReader(
  bytes: Uint8Array,
  le: boolean,
  what: string,
  L: FlatLayout,
): TableReader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { n, f } = L;
  const addr = (i: number) => v.getUint32(L.addrs + 4 * i, le);
  return {
    entries: n,
    files: f,
    lookup(offset: number, out: LookupHit): boolean {
      const lo = lastAtOrBelow(addr, 0, n, offset) + 1;
      if (lo === 0) return false;
      const i = lo - 1;
      const fileId = v.getUint16(L.fileIds + 2 * i, le);
      // as the kernel's lookup: a file whose name lies outside the names is no answer
      if (fileId >= f || v.getUint32(L.fileOffsets + 4 * fileId, le) >= L.namesSize) return false;
      out.index = i;
      out.offset = addr(i);
      out.fileId = fileId;
      out.line = v.getUint32(L.lines + 4 * i, le);
      return true;
    },
    decodeAll(): EntryTable {
      const columns = collectEntries(n, (put) => {
        for (let i = 0; i < n; i++)
          put(i, addr(i), v.getUint16(L.fileIds + 2 * i, le), v.getUint32(L.lines + 4 * i, le));
      });
      const names = bytes.subarray(L.namesAt, L.namesAt + L.namesSize);
      const files = readFileNames((i) => v.getUint32(L.fileOffsets + 4 * i, le), f, names);
      if (!files) throw new FormatError(`${what}: a file name offset is out of bounds`);
      return { ...columns, files };
    },
  };
}
