import {
  type EncodedTable,
  type Format,
  type LookupHit,
  UNKNOWN_ENTRY,
} from '../encodings/types.js';
import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';

/** What verification checked; any mismatch throws instead (an error, not a warning). */
export interface VerifyReport {
  format: string;
  roundTripEntries: number;
  /** Lookups at every entry's own offset. */
  entryLookups: number;
  /** Lookups at seeded addresses between entries. */
  sampleLookups: number;
  seed: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sample everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The answer the table must give at `offset`: the last entry at or below it. */
function expected(t: EntryTable, offset: number): number {
  let lo = 0;
  let hi = t.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.offsets[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Checks an encoded table against the entries it was made from: every entry
 * round-trips through the decoder, and the lookup returns the right entry at
 * every entry start and at `samples` seeded offsets in between (and just
 * before the first entry, where it must find nothing).
 */
export function verifyEncoding(
  format: Format,
  encoded: EncodedTable,
  table: EntryTable,
  samples = 100_000,
  seed = 1,
): VerifyReport {
  const fail = (what: string) => {
    throw new FormatError(`verification of ${format.id} failed: ${what}`);
  };
  const reader = format.open(encoded.bytes, encoded.littleEndian);
  const back = reader.decodeAll();
  if (back.count !== table.count) fail(`decoded ${back.count} entries, encoded ${table.count}`);
  for (let i = 0; i < table.count; i++) {
    if (
      back.offsets[i] !== table.offsets[i] ||
      back.fileIds[i] !== table.fileIds[i] ||
      back.lines[i] !== table.lines[i]
    ) {
      fail(
        `entry ${i} decodes as (${back.offsets[i]}, ${back.fileIds[i]}, ${back.lines[i]}), was (${table.offsets[i]}, ${table.fileIds[i]}, ${table.lines[i]})`,
      );
    }
  }
  if (back.files.length !== table.files.length || back.files.some((f, i) => f !== table.files[i]))
    fail('file names differ');

  const hit: LookupHit = { index: -1, offset: 0, fileId: 0, line: 0 };
  const check = (offset: number) => {
    const want = expected(table, offset);
    const found = reader.lookup(offset, hit);
    if (want < 0) {
      if (found)
        fail(
          `offset 0x${offset.toString(16)} is before the first entry but found entry ${hit.index}`,
        );
      return;
    }
    if (!found) fail(`offset 0x${offset.toString(16)}: no entry found, expected entry ${want}`);
    // a lookup that reports file and line only (as the kernel's) is checked on those
    const knowsEntry = hit.index !== UNKNOWN_ENTRY;
    if (
      (knowsEntry && (hit.index !== want || hit.offset !== table.offsets[want])) ||
      hit.fileId !== table.fileIds[want] ||
      hit.line !== table.lines[want]
    ) {
      fail(
        `offset 0x${offset.toString(16)}: found entry ${hit.index} (${hit.fileId}:${hit.line}), expected entry ${want} (${table.fileIds[want]}:${table.lines[want]})`,
      );
    }
  };
  for (let i = 0; i < table.count; i++) check(table.offsets[i]);
  if (table.count > 0 && table.offsets[0] > 0) check(table.offsets[0] - 1);
  const random = seededRandom(seed);
  let sampled = 0;
  if (table.count > 0) {
    const first = table.offsets[0];
    const span = table.offsets[table.count - 1] - first + 64;
    for (; sampled < samples; sampled++) check(first + Math.floor(random() * span));
  }
  return {
    format: format.id,
    roundTripEntries: back.count,
    entryLookups: table.count,
    sampleLookups: sampled,
    seed,
  };
}
