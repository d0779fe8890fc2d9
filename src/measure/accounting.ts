import { BUCKETS, type Bucket, bucketSizes, type EncodedTable } from '../encodings/types.js';

/** Bytes of one table by bucket, bloaty-style: the buckets add up to `total`. */
export interface Accounting {
  format: string;
  entries: number;
  files: number;
  buckets: Record<Bucket, number>;
  total: number;
  /** (index + data) / entries: what the series quotes ("3.7 B/entry"), file tables not counted. */
  bytesPerEntry: number;
  /** total / entries: everything, file tables, counts and padding included. */
  bytesPerEntryAll: number;
}

export function account(t: EncodedTable): Accounting {
  const s = bucketSizes(t);
  const buckets = Object.fromEntries(BUCKETS.map((b) => [b, s[b]])) as Record<Bucket, number>;
  const sum = BUCKETS.reduce((a, b) => a + buckets[b], 0);
  if (sum !== t.bytes.length || s.total !== t.bytes.length) {
    throw new Error(
      `accounting of ${t.format} does not add up: buckets ${sum}, parts ${s.total}, bytes ${t.bytes.length}`,
    );
  }
  return {
    format: t.format,
    entries: t.entries,
    files: t.files,
    buckets,
    total: s.total,
    bytesPerEntry: t.entries ? (buckets.index + buckets.data) / t.entries : 0,
    bytesPerEntryAll: t.entries ? s.total / t.entries : 0,
  };
}

/** Sizes that follow from counts alone: the series' own arithmetic. */
export function countArithmetic(entries: number, blockSize: number) {
  const blocks = Math.ceil(entries / blockSize);
  return {
    blocks,
    /** each of lineinfo_block_addrs and lineinfo_block_offsets */
    indexArrayBytes: 4 * blocks,
    /** u32 + u16 + u32 per entry */
    flatArraysBytes: 10 * entries,
  };
}
