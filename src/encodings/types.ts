import type { EntryTable } from '../lineinfo/entries.js';

/**
 * What every byte of an encoded table is for. Buckets always add up to the
 * table's total (bloaty's invariant): nothing is left unattributed.
 */
export type Bucket = 'counts' | 'index' | 'data' | 'file_offsets' | 'filenames' | 'padding';
export const BUCKETS: readonly Bucket[] = [
  'counts',
  'index',
  'data',
  'file_offsets',
  'filenames',
  'padding',
];

/** One symbol (or alignment gap) of the assembled table. */
export interface TablePart {
  /** The kernel's symbol name (lineinfo_block_addrs ...) or "(align)". */
  symbol: string;
  bucket: Bucket;
  offset: number;
  size: number;
}

/** A table as the kernel would carry it in `.rodata`: bytes plus what each range is. */
export interface EncodedTable {
  /** Format id with its parameters, e.g. "flat" or "blocks:64:sleb". */
  format: string;
  littleEndian: boolean;
  entries: number;
  files: number;
  bytes: Uint8Array;
  /** Consecutive, non-overlapping, covering bytes exactly. */
  parts: TablePart[];
}

/** A lookup's entry index or offset when the format's lookup does not know it (it reports file and line only, as the kernel's does). */
export const UNKNOWN_ENTRY = 0xffffffff;

/** Where a lookup landed. */
export interface LookupHit {
  /** Index of the entry in table order, or UNKNOWN_ENTRY. */
  index: number;
  /** The entry's offset, or UNKNOWN_ENTRY. */
  offset: number;
  fileId: number;
  line: number;
}

/** Reads an encoded table the way the kernel does: bounds-checked, no allocation per lookup. */
export interface TableReader {
  readonly entries: number;
  readonly files: number;
  /** The entry covering `offset` (the last one at or below it), written into `out`; false if none or malformed. */
  lookup(offset: number, out: LookupHit): boolean;
  /** Every entry, in order (the round trip). Throws FormatError on malformed bytes. */
  decodeAll(): EntryTable;
}

export interface Format {
  /** Format id with parameters, as accepted by parseFormat. */
  readonly id: string;
  /** One line for tables and --help. */
  readonly description: string;
  encode(table: EntryTable, littleEndian: boolean): EncodedTable;
  /** A reader over bytes this format wrote; throws FormatError when the header does not fit the bytes. */
  open(bytes: Uint8Array, littleEndian: boolean): TableReader;
}

/** Bytes per bucket, in BUCKETS order, and the total; the buckets add up to the total by construction. */
export function bucketSizes(t: EncodedTable): Record<Bucket, number> & { total: number } {
  const sizes = {
    counts: 0,
    index: 0,
    data: 0,
    file_offsets: 0,
    filenames: 0,
    padding: 0,
    total: 0,
  };
  for (const p of t.parts) {
    sizes[p.bucket] += p.size;
    sizes.total += p.size;
  }
  return sizes;
}
