import { decodeUtf8, encodeBytes } from '../util/bytes.js';
import type { Bucket, TablePart } from './types.js';

/**
 * Lays out a table the way the generator's assembly does: symbols back to
 * back, `.balign 4` before each u32 array, values in the target's byte order.
 * Records every symbol and every alignment gap as a part.
 */
export class RodataWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  readonly parts: TablePart[] = [];

  constructor(readonly littleEndian: boolean) {}

  get offset(): number {
    return this.size;
  }

  private add(symbol: string, bucket: Bucket, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push({ symbol, bucket, offset: this.size, size: bytes.length });
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** `.balign n`: pads with zeros, counted in the padding bucket. */
  align(n: number): void {
    const pad = (n - (this.size % n)) % n;
    this.add('(align)', 'padding', new Uint8Array(pad));
  }

  u32(symbol: string, bucket: Bucket, value: number): void {
    this.u32Array(symbol, bucket, [value]);
  }

  u32Array(symbol: string, bucket: Bucket, values: ArrayLike<number>): void {
    this.align(4);
    const b = new Uint8Array(values.length * 4);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) v.setUint32(i * 4, values[i], this.littleEndian);
    this.add(symbol, bucket, b);
  }

  u16Array(symbol: string, bucket: Bucket, values: ArrayLike<number>): void {
    this.align(2);
    const b = new Uint8Array(values.length * 2);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) v.setUint16(i * 2, values[i], this.littleEndian);
    this.add(symbol, bucket, b);
  }

  raw(symbol: string, bucket: Bucket, bytes: Uint8Array): void {
    this.add(symbol, bucket, bytes);
  }

  /** Another writer's result, part by part (its offsets moved to where it lands), part names prefixed. */
  append(t: { bytes: Uint8Array; parts: readonly TablePart[] }, prefix = ''): void {
    for (const p of t.parts)
      this.add(`${prefix}${p.symbol}`, p.bucket, t.bytes.subarray(p.offset, p.offset + p.size));
  }

  result(): { bytes: Uint8Array; parts: TablePart[] } {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return { bytes: out, parts: this.parts };
  }
}

/** The file tables both formats end with: offsets of each name, then the NUL-terminated names. */
export function fileTables(files: string[]): { offsets: Uint32Array; names: Uint8Array } {
  // the names' own bytes (encodeBytes undoes decodeUtf8, also for names that are not UTF-8)
  const encoded = files.map((f) => encodeBytes(f));
  const offsets = new Uint32Array(files.length);
  let size = 0;
  for (let i = 0; i < encoded.length; i++) {
    offsets[i] = size;
    size += encoded[i].length + 1;
  }
  const names = new Uint8Array(size);
  for (let i = 0; i < encoded.length; i++) names.set(encoded[i], offsets[i]);
  return { offsets, names };
}

/** Reads the file names back from their tables, with the kernel's bounds checks. */
export function readFileNames(
  offsets: (i: number) => number,
  count: number,
  names: Uint8Array,
): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const o = offsets(i);
    if (o >= names.length) return undefined;
    const nul = names.indexOf(0, o);
    if (nul < 0) return undefined;
    out.push(decodeUtf8(names, o, nul));
  }
  return out;
}

/**
 * The tail every block table ends with: lineinfo_data_size, lineinfo_data,
 * then the file tables (offsets, names size, NUL-terminated names).
 */
export function writeDataAndFiles(w: RodataWriter, data: Uint8Array, files: string[]): void {
  w.u32('lineinfo_data_size', 'counts', data.length);
  w.raw('lineinfo_data', 'data', data);
  const ft = fileTables(files);
  w.u32Array('lineinfo_file_offsets', 'file_offsets', ft.offsets);
  w.u32('lineinfo_filenames_size', 'counts', ft.names.length);
  w.raw('lineinfo_filenames', 'filenames', ft.names);
}

/** Where that tail's parts lie, read from the bytes with every size checked against their length. */
export function readDataAndFiles(
  v: DataView,
  le: boolean,
  dataSizeAt: number,
  files: number,
  fail: (why: string) => never,
) {
  const length = v.byteLength;
  if (dataSizeAt + 4 > length) fail(`the block index does not fit ${length} bytes`);
  const dataSize = v.getUint32(dataSizeAt, le);
  const dataAt = dataSizeAt + 4;
  // arithmetic, not bit operations: sizes read from corrupt bytes can pass 2^31
  const fileOffsAt = Math.ceil((dataAt + dataSize) / 4) * 4;
  const namesSizeAt = fileOffsAt + 4 * files;
  if (namesSizeAt + 4 > length) fail('data and file tables run past the end');
  const namesSize = v.getUint32(namesSizeAt, le);
  const namesAt = namesSizeAt + 4;
  if (namesAt + namesSize > length) fail('file names run past the end');
  return { dataSize, dataAt, fileOffsAt, namesAt, namesSize };
}

/**
 * The series' upper-bound binary search over [lo, hi) of a sorted u32 array
 * read through `at`: the index of the last element at or below `offset`,
 * or lo - 1 when there is none.
 */
export function lastAtOrBelow(
  at: (i: number) => number,
  lo: number,
  hi: number,
  offset: number,
): number {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    if (at(mid) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** What a module section carries after its header: block index, data, file tables (v2 and v3/v4 alike). */
export function writeModuleBody(
  w: RodataWriter,
  blockAddrs: Uint32Array,
  blockOffsets: Uint32Array,
  data: Uint8Array,
  ft: { offsets: Uint32Array; names: Uint8Array },
): void {
  w.u32Array('block_addrs', 'index', blockAddrs);
  w.u32Array('block_offsets', 'index', blockOffsets);
  w.raw('data', 'data', data);
  w.u32Array('file_offsets', 'file_offsets', ft.offsets);
  w.raw('filenames', 'filenames', ft.names);
}
