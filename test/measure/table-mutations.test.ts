import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/encodings/registry.js';
import type { TableReader } from '../../src/encodings/types.js';
import { FormatError } from '../../src/errors.js';
import { buildHarness, nativeProbeMany } from '../../src/measure/native.js';
import {
  formatTarget,
  lookupOffsets,
  type MutationTarget,
  mutantSeed,
  mutate,
  probeTs,
  runMutations,
} from '../../src/measure/table-mutations.js';
import { seededRandom } from '../../src/measure/verify.js';
import { fixtureTable, OUR_FORMAT_IDS } from '../helpers/format-checks.js';

/** The corrupt-table checker itself: it must see every kind of failure it is there to count. */

const { table, littleEndian } = fixtureTable('gcc-dwarf5');
const flat = parseFormat('flat');
const enc = flat.encode(table, littleEndian);
const offsets = lookupOffsets([table], 20, seededRandom(3));

/** The flat reader with one thing done wrong. */
function broken(wrong: (bytes: Uint8Array, r: TableReader) => TableReader): MutationTarget {
  return {
    ...formatTarget(flat, enc),
    open: (bytes) => [wrong(bytes, flat.open(bytes, littleEndian))],
  };
}

describe('mutants', () => {
  it('are the same for the same seed, target and number, and differ between numbers', () => {
    const target = formatTarget(flat, enc);
    const a = mutate(target, seededRandom(mutantSeed(5, target.name, 7)));
    const b = mutate(target, seededRandom(mutantSeed(5, target.name, 7)));
    const c = mutate(target, seededRandom(mutantSeed(5, target.name, 8)));
    expect(a).toEqual(b);
    expect(a.detail === c.detail && a.kind === c.kind).toBe(false);
  });
});

describe('probeTs classifies', () => {
  it('the clean table as read, the same answers as same, a refusal as rejected', () => {
    const target = formatTarget(flat, enc);
    const clean = probeTs(target, enc.bytes, offsets);
    expect(clean.outcome).toBe('same');
    expect(probeTs(target, enc.bytes, offsets, clean, true)).toMatchObject({
      outcome: 'same',
      decode: 'same',
    });
    expect(probeTs(target, enc.bytes.subarray(0, 4), offsets, clean).outcome).toBe('rejected');
  });

  it('another exception, an index read outside the bytes and an answer out of bounds as failures', () => {
    const clean = probeTs(formatTarget(flat, enc), enc.bytes, offsets);
    const threw = broken(() => {
      throw new RangeError('offset is outside the bounds of the DataView');
    });
    expect(probeTs(threw, enc.bytes, offsets, clean).failure).toMatch(/open threw RangeError/);
    const reads = broken((bytes, r) => ({
      ...r,
      lookup: (o, out) => bytes[bytes.length + 3] === 0 || r.lookup(o, out),
    }));
    expect(probeTs(reads, enc.bytes, offsets, clean, true).failure).toMatch(
      /read outside the bytes at \[\d+/,
    );
    const wild = broken((_, r) => ({
      ...r,
      lookup: (o, out) => {
        const found = r.lookup(o, out);
        out.fileId = r.files;
        return found;
      },
    }));
    expect(probeTs(wild, enc.bytes, offsets, clean).failure).toMatch(/answer out of bounds/);
    const decodes = broken((_, r) => ({
      ...r,
      decodeAll: () => {
        throw new TypeError('x is undefined');
      },
    }));
    expect(probeTs(decodes, enc.bytes, offsets, clean).failure).toMatch(
      /decodeAll threw TypeError/,
    );
    const refuses = broken(() => {
      throw new FormatError('no');
    });
    expect(probeTs(refuses, enc.bytes, offsets, clean).outcome).toBe('rejected');
  });

  it('a slow reader as failed in the tally', () => {
    const slow: MutationTarget = {
      ...formatTarget(flat, enc),
      open: (bytes) => {
        const until = performance.now() + 30;
        while (performance.now() < until);
        return [flat.open(bytes, littleEndian)];
      },
    };
    const t = runMutations(slow, { count: 3, seed: 1, offsets, slowMs: 10 });
    expect(t.ts.failed).toBe(3);
    expect(t.problems[0]).toMatch(/took \d+ ms \(limit 10\)/);
  });
});

describe('the C harness on many tables in one process', () => {
  it('answers and refuses (exit 2), one status per table', () => {
    const built = buildHarness('cc');
    if (!built.ok) throw new Error(built.reason);
    const h = built.harness;
    const addrs = BigUint64Array.from(offsets, (o) => BigInt(o));
    const probes = nativeProbeMany(
      h,
      'flat',
      littleEndian,
      [enc.bytes, enc.bytes.subarray(0, 4)],
      0n,
      addrs,
    );
    expect(probes.map((p) => p.kind)).toEqual(['answered', 'refused']);
    // a format the harness does not know: every table refused, one line each
    const unknown = nativeProbeMany(h, 'nonesuch', littleEndian, [enc.bytes], 0n, addrs);
    expect(unknown.map((p) => p.kind)).toEqual(['refused']);
  });

  it('the sanitized build (AddressSanitizer, UBSan) answers a clean table as the plain one', () => {
    const plain = buildHarness('cc');
    const built = buildHarness('cc', process.env, 'sanitized');
    if (!built.ok || !plain.ok) throw new Error('the tests need a C compiler with sanitizers');
    expect(built.harness.flags).toEqual(expect.arrayContaining(['-fsanitize=address,undefined']));
    expect(built.harness.path).not.toBe(plain.harness.path);
    const addrs = BigUint64Array.from(offsets, (o) => BigInt(o));
    const [a] = nativeProbeMany(built.harness, 'flat', littleEndian, [enc.bytes], 0n, addrs);
    const [b] = nativeProbeMany(plain.harness, 'flat', littleEndian, [enc.bytes], 0n, addrs);
    expect(a.kind).toBe('answered');
    expect(a).toEqual(b);
  });
});

/** Every format the C harness knows, with the block sizes and page sizes the TypeScript slice uses. */
const C_FORMATS = [
  'flat',
  'blocks:64:sleb',
  'blocks:8:zigzag',
  'blocks:1',
  'module-v3:64:sleb',
  'module-v3:8:zigzag',
  ...OUR_FORMAT_IDS,
];

describe('the C lookup on corrupt tables (sanitized build): never a fault, the TypeScript answers wherever that opens the table', () => {
  // s390x (big-endian): the unpaged formats only (its paged tables index 16 MiB of pages, 2 MiB each)
  it.each([
    ['gcc-dwarf5', 100, C_FORMATS],
    ['s390x-dwarf5', 50, C_FORMATS.filter((f) => !f.endsWith(':paged'))],
  ] as const)(
    '%s: %i mutants per format',
    (fixture, count, ids) => {
      const built = buildHarness('cc', process.env, 'sanitized');
      if (!built.ok)
        throw new Error(`the tests need a C compiler with sanitizers: ${built.reason}`);
      const h = built.harness;
      const fx = fixtureTable(fixture);
      const at = lookupOffsets([fx.table], 30, seededRandom(4));
      expect(ids.every((id) => h.formats.includes(id.split(':')[0]))).toBe(true);
      for (const id of ids) {
        const f = parseFormat(id);
        const t = runMutations(formatTarget(f, f.encode(fx.table, fx.littleEndian)), {
          count,
          seed: 19,
          offsets: at,
          harness: h,
          base: 0x1000n,
        });
        expect(t.problems, id).toEqual([]);
        expect(t.c, id).toBeDefined();
        const c = t.c!;
        expect([c.fault, c.differ, t.ts.failed], id).toEqual([0, 0, 0]);
        expect(c.equal + c['answered-refused'] + c['both-refused'], id).toBe(count);
        // compared on tables TypeScript read, and some refused
        expect(c.equal, id).toBeGreaterThan(count / 10);
        expect(t.ts.rejected, id).toBeGreaterThan(0);
      }
    },
    240_000,
  );
});
