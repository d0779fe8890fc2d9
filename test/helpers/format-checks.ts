import { expect } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import {
  type EncodedTable,
  type Format,
  type LookupHit,
  UNKNOWN_ENTRY,
} from '../../src/encodings/types.js';
import { FormatError } from '../../src/errors.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { account } from '../../src/measure/accounting.js';
import { seededRandom, verifyEncoding } from '../../src/measure/verify.js';
import { buildFixture } from './fixtures.js';

/** Checks shared by the format tests: a fixture's table, round trips, mutated bytes. */

/** Our own formats, each in its plain and paged forms and page-huffman at three page sizes: the set every corrupt-table and C-lookup test runs. */
export const OUR_FORMAT_IDS = [
  'flagged:64',
  'flagged:5:paged',
  'special:64',
  'special:16:paged',
  'mru-huffman:64',
  'mru-huffman:7:paged',
  'page-huffman',
  'page-huffman:16',
  'page-huffman:4096',
] as const;

/** A fixture's upstream table (base 0) and its byte order. */
export function fixtureTable(name: string): { table: EntryTable; littleEndian: boolean } {
  const elf = ElfFile.open(buildFixture(name));
  const r = extractUpstream(elf, { base: 0n });
  elf.close();
  return { table: r.table, littleEndian: elf.littleEndian };
}

/**
 * Encodes `table`, expects it to round-trip and answer `samples` lookups
 * right, its buckets to add up to its bytes and its parts to tile them
 * (consecutive, no gap, no overlap); returns the verification.
 */
export function expectRoundTrip(
  format: Format,
  table: EntryTable,
  littleEndian: boolean,
  samples: number,
): ReturnType<typeof verifyEncoding> {
  const enc = format.encode(table, littleEndian);
  const v = verifyEncoding(format, enc, table, samples, 3);
  expect(v.roundTripEntries).toBe(table.count);
  const acc = account(enc);
  expect(Object.values(acc.buckets).reduce((a, b) => a + b, 0)).toBe(enc.bytes.length);
  let at = 0;
  for (const p of enc.parts) {
    expect(p.offset).toBe(at);
    at += p.size;
  }
  expect(at).toBe(enc.bytes.length);
  return v;
}

/**
 * Opens `rounds` mutated copies of `enc` (one in five cut short, three bytes
 * changed): each is a clean FormatError or a reader whose answers stay in
 * bounds and whose full decode fails only with a FormatError. Returns how
 * many were refused when opened.
 */
export function expectSurvivesMutations(
  format: Format,
  enc: EncodedTable,
  littleEndian: boolean,
  seed: number,
  rounds: number,
): number {
  const random = seededRandom(seed);
  const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
  let rejected = 0;
  for (let k = 0; k < rounds; k++) {
    const bytes = enc.bytes.slice(
      0,
      random() < 0.2 ? Math.floor(random() * enc.bytes.length) : enc.bytes.length,
    );
    for (let f = 0; f < 3; f++)
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    let reader: ReturnType<typeof format.open>;
    try {
      reader = format.open(bytes, littleEndian);
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      rejected++;
      continue;
    }
    for (let q = 0; q < 20; q++) {
      if (reader.lookup(Math.floor(random() * 0x10000), hit)) {
        expect(hit.fileId).toBeLessThan(reader.files);
        if (hit.index !== UNKNOWN_ENTRY) expect(hit.index).toBeLessThan(reader.entries);
      }
    }
    try {
      reader.decodeAll();
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
    }
  }
  return rejected;
}
