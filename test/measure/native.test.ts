import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { parseFormat, parseFormats } from '../../src/encodings/registry.js';
import { type EncodedTable, UNKNOWN_ENTRY } from '../../src/encodings/types.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import {
  blockEndSet,
  callReturns,
  edgeAddresses,
  uniformSet,
} from '../../src/measure/addresses.js';
import { latencyFile } from '../../src/measure/kernel-latency.js';
import { checkNative, MODEL_LABEL, modelTiming } from '../../src/measure/latency.js';
import {
  buildHarness,
  type Harness,
  nativeAnswers,
  nativeTiming,
} from '../../src/measure/native.js';
import { seededRandom } from '../../src/measure/verify.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture } from '../helpers/fixtures.js';
import { OUR_FORMAT_IDS } from '../helpers/format-checks.js';

function entriesOf(fixture: string): { table: EntryTable; littleEndian: boolean; path: string } {
  const path = buildFixture(fixture);
  const elf = ElfFile.open(path);
  try {
    const table = extractUpstream(elf, { base: 0n }).table;
    return { table, littleEndian: elf.littleEndian, path };
  } finally {
    elf.close();
  }
}

function harness(): Harness {
  const h = buildHarness('cc');
  if (!h.ok) throw new Error(`the tests need a C compiler: ${h.reason}`);
  return h.harness;
}

/** The oracle: the last entry at or below the offset, from the entry table itself. */
function expected(t: EntryTable, base: bigint, addr: bigint): number {
  if (addr < base || addr - base > 0xffffffffn) return -1;
  const off = Number(addr - base);
  let lo = 0;
  let hi = t.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.offsets[mid] <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Every entry start, the byte before each, a seeded uniform sample, block ends and the edges. */
function addressesFor(t: EntryTable, base: bigint, blockSize: number): BigUint64Array {
  const offs = new Set<number>();
  for (let i = 0; i < t.count; i++) {
    offs.add(t.offsets[i]);
    if (t.offsets[i] > 0) offs.add(t.offsets[i] - 1);
  }
  for (const o of uniformSet(t, 500, 7).offsets) offs.add(o);
  for (const o of blockEndSet(t, blockSize, 1000, 8).offsets) offs.add(o);
  return BigUint64Array.from([
    ...[...offs].map((o) => base + BigInt(o)),
    ...edgeAddresses(t, base),
  ]);
}

const FORMATS = [
  'flat',
  'blocks:1',
  'blocks:3:zigzag',
  'blocks:8',
  'blocks:64:sleb',
  'blocks:1024:zigzag',
  // a module's .mod_lineinfo, v3/v4 (the blocks lookup behind the 48-byte header)
  'module-v3:64:sleb',
  'module-v3:5:zigzag',
  // formats of ours
  ...OUR_FORMAT_IDS,
];
const BASE = 0x1000n; // offsets count from here; addresses below it must find nothing

describe('the native harness answers as the TypeScript lookup and the entry table do', () => {
  // little-endian x86_64 and big-endian s390x: the harness reads the target's byte order
  for (const fixture of ['gcc-dwarf5', 's390x-dwarf5']) {
    it(`${fixture}: every format, every entry start and the byte before it, uniform, block ends, edges`, () => {
      const h = harness();
      const { table, littleEndian } = entriesOf(fixture);
      expect(table.count).toBeGreaterThan(10);
      for (const id of FORMATS) {
        const format = parseFormat(id);
        const encoded = format.encode(table, littleEndian);
        const reader = format.open(encoded.bytes, littleEndian);
        const bs = Number(/^[a-z-]+:(\d+)/.exec(id)?.[1] ?? 64);
        const addrs = addressesFor(table, BASE, bs);
        // against the TypeScript reader (throws on the first disagreement)
        expect(checkNative(h, encoded, reader, BASE, addrs)).toBe(addrs.length);
        // and against the entry table itself
        const answers = nativeAnswers(h, encoded, BASE, addrs);
        let found = 0;
        for (let i = 0; i < addrs.length; i++) {
          const want = expected(table, BASE, addrs[i]);
          const a = answers[i];
          if (want < 0) {
            expect(a.found, `${id} at 0x${addrs[i].toString(16)}`).toBe(false);
            continue;
          }
          found++;
          // a lookup that reports file and line only (as the kernel's) says so with UNKNOWN_ENTRY
          const entryKnown = a.index !== UNKNOWN_ENTRY;
          expect([
            a.found,
            entryKnown ? a.index : want,
            entryKnown ? a.offset : table.offsets[want],
            a.fileId,
            a.line,
          ]).toEqual([true, want, table.offsets[want], table.fileIds[want], table.lines[want]]);
          if (id.startsWith('page-huffman')) expect(a.index).toBe(UNKNOWN_ENTRY);
        }
        expect(found).toBeGreaterThan(table.count);
      }
    });
  }

  it('synthetic entries with deltas at every LEB128 length, both signs, both byte orders', () => {
    const h = harness();
    // offset deltas of 1 to 5 LEB128 bytes; file and line deltas crossing every SLEB128 and zigzag boundary
    const offDeltas = [1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456];
    const lineSteps = [
      1,
      -1,
      63,
      -64,
      64,
      -65,
      8191,
      -8192,
      8192,
      -8193,
      1048575,
      -1048576,
      134217727,
      -134217728,
      1 << 30,
      -(1 << 30),
    ];
    const files = Array.from({ length: 300 }, (_, i) => `dir/file${i}.c`);
    const count = 400;
    const t: EntryTable = {
      count,
      offsets: new Uint32Array(count),
      fileIds: new Uint16Array(count),
      lines: new Uint32Array(count),
      files,
    };
    let off = 5;
    let line = 1 << 30;
    let file = 150;
    for (let i = 0; i < count; i++) {
      t.offsets[i] = off;
      t.lines[i] = line;
      t.fileIds[i] = file;
      // every length once, then only up to 3 bytes: the offsets stay under 2^32
      off += i < offDeltas.length ? offDeltas[i] : offDeltas[i % 7];
      line = Math.min(0x7fffffff, Math.max(0, line + lineSteps[i % lineSteps.length]));
      file = (file + (i % 2 ? 149 : -148) + files.length) % files.length;
    }
    for (const le of [true, false]) {
      for (const id of [
        'flat',
        'blocks:1',
        'blocks:5:zigzag',
        'blocks:16:sleb',
        'blocks:16:zigzag',
        'blocks:1024',
      ]) {
        const format = parseFormat(id);
        const encoded = format.encode(t, le);
        const reader = format.open(encoded.bytes, le);
        const addrs = addressesFor(t, BASE, 16);
        expect(checkNative(h, encoded, reader, BASE, addrs)).toBe(addrs.length);
        const answers = nativeAnswers(h, encoded, BASE, addrs);
        for (let i = 0; i < addrs.length; i++) {
          const want = expected(t, BASE, addrs[i]);
          const a = answers[i];
          expect(
            a.found ? [a.index, a.fileId, a.line] : -1,
            `${id} ${le ? 'LE' : 'BE'} 0x${addrs[i].toString(16)}`,
          ).toEqual(want < 0 ? -1 : [want, t.fileIds[want], t.lines[want]]);
        }
      }
    }
  });

  it('lines past 2^31 (corrupt rows the generator keeps): 32-bit int deltas, read back by the 32-bit wrap, C as TypeScript', () => {
    const h = harness();
    const lines = [5, 0xfffffffd, 7, 0x80000000, 0x7fffffff, 0xffffffff, 1];
    const count = 70;
    const t: EntryTable = {
      count,
      offsets: Uint32Array.from({ length: count }, (_, i) => 16 + 4 * i),
      fileIds: new Uint16Array(count),
      lines: Uint32Array.from({ length: count }, (_, i) => lines[i % lines.length]),
      files: ['kern.c'],
    };
    for (const le of [true, false]) {
      for (const id of ['blocks:64:sleb', 'blocks:16:zigzag']) {
        const format = parseFormat(id);
        const encoded = format.encode(t, le);
        const reader = format.open(encoded.bytes, le);
        expect(Array.from(reader.decodeAll().lines)).toEqual(Array.from(t.lines));
        const addrs = addressesFor(t, BASE, 4);
        expect(checkNative(h, encoded, reader, BASE, addrs)).toBe(addrs.length);
        const answers = nativeAnswers(h, encoded, BASE, addrs);
        for (let i = 0; i < addrs.length; i++) {
          const want = expected(t, BASE, addrs[i]);
          expect(answers[i].found ? answers[i].line : -1, `${id} 0x${addrs[i].toString(16)}`).toBe(
            want < 0 ? -1 : t.lines[want],
          );
        }
      }
    }
    // 5 -> 0xfffffffd is -8 as an int: one SLEB128 byte, as the generator writes it
    const one: EntryTable = {
      ...t,
      count: 2,
      offsets: t.offsets.subarray(0, 2),
      fileIds: t.fileIds.subarray(0, 2),
      lines: t.lines.subarray(0, 2),
    };
    const data = parseFormat('blocks:64:sleb')
      .encode(one, true)
      .parts.find((p) => p.symbol === 'lineinfo_data');
    expect(data?.size).toBe(2 + 3);
  });

  it('a mismatch between the C and the TypeScript answers is an error', () => {
    const h = harness();
    const { table, littleEndian } = entriesOf('gcc-dwarf5');
    const format = parseFormat('flat');
    const encoded = format.encode(table, littleEndian);
    const reader = format.open(encoded.bytes, littleEndian);
    // the C side gets a table whose last line number differs
    const bytes = encoded.bytes.slice();
    const linesEnd = encoded.parts.find((p) => p.symbol === 'lineinfo_lines');
    if (!linesEnd) throw new Error('no lineinfo_lines part');
    bytes[linesEnd.offset + linesEnd.size - 4] ^= 0x01;
    const changed: EncodedTable = { ...encoded, bytes };
    const addrs = addressesFor(table, BASE, 64);
    expect(() => checkNative(h, changed, reader, BASE, addrs)).toThrow(
      /native lookup and the TypeScript lookup disagree at 0x/,
    );
  });

  it('corrupt block data: C and TypeScript reject the same lookups (bounds-checked LEB128, 32-bit limit)', () => {
    const h = harness();
    const { table, littleEndian } = entriesOf('gcc-dwarf5');
    const random = seededRandom(42);
    for (const id of [
      'blocks:8:sleb',
      'blocks:8:zigzag',
      'blocks:64:sleb',
      'flagged:8',
      'special:8',
      'mru-huffman:8:paged',
      'page-huffman:64',
    ]) {
      const format = parseFormat(id);
      const encoded = format.encode(table, littleEndian);
      const data = encoded.parts.find((p) => p.symbol === 'lineinfo_data');
      if (!data) throw new Error('no lineinfo_data part');
      let rejected = 0;
      for (let round = 0; round < 20; round++) {
        const bytes = encoded.bytes.slice();
        // runs of continuation bytes (LEB128 wider than 32 bits, or running off the block) and random bytes
        for (let k = 0; k < 6; k++) {
          const at = data.offset + Math.floor(random() * data.size);
          bytes[at] = k % 2 === 0 ? 0xff : Math.floor(random() * 256);
        }
        const corrupt: EncodedTable = { ...encoded, bytes };
        const reader = format.open(bytes, littleEndian);
        const addrs = addressesFor(table, BASE, 8);
        expect(checkNative(h, corrupt, reader, BASE, addrs)).toBe(addrs.length);
        const answers = nativeAnswers(h, corrupt, BASE, addrs);
        rejected += answers.filter(
          (a, i) => !a.found && expected(table, BASE, addrs[i]) >= 0,
        ).length;
      }
      // the corruption did make some lookups fail (so the check compared failures too)
      expect(rejected).toBeGreaterThan(0);
    }
  });

  it.each(['flagged:5:paged', 'special:16:paged', 'mru-huffman:7:paged'])(
    "%s with a page index past its page's blocks: C finds nothing there, as TypeScript",
    (id) => {
      const h = harness();
      const { table, littleEndian } = entriesOf('gcc-dwarf5');
      const format = parseFormat(id);
      const encoded = format.encode(table, littleEndian);
      const bytes = encoded.bytes.slice();
      const pages = encoded.parts.find((p) => p.symbol === 'lineinfo_page_blocks');
      if (!pages) throw new Error('no page index');
      const v = new DataView(bytes.buffer);
      const first = table.offsets[0];
      // the page of the byte before the first entry says its blocks start at block 1
      v.setUint32(
        pages.offset + 4 * Math.floor((first - 1) / 2 ** v.getUint32(16, littleEndian)),
        1,
        littleEndian,
      );
      const corrupt: EncodedTable = { ...encoded, bytes };
      const addrs = BigUint64Array.from([BASE + BigInt(first - 1), BASE + BigInt(first)]);
      // before the fix C (and TypeScript) answered block 0's first entry, above the address
      expect(nativeAnswers(h, corrupt, BASE, addrs)[0].found).toBe(false);
      expect(checkNative(h, corrupt, format.open(bytes, littleEndian), BASE, addrs)).toBe(2);
    },
  );

  it('times warm and cold runs with the asked-for sample counts (shape only, no timing asserts)', () => {
    const h = harness();
    const { table, littleEndian } = entriesOf('gcc-dwarf5');
    const encoded = parseFormat('blocks:16').encode(table, littleEndian);
    const addrs = BigUint64Array.from(uniformSet(table, 50, 3).offsets, (o) => BASE + BigInt(o));
    const policy = {
      warmupNs: 0,
      minSamples: 25,
      minTimeNs: 0,
      maxSamples: 25,
      batchResolutions: 10,
      maxBatch: 64,
    };
    const warm = nativeTiming(h, encoded, BASE, addrs, 'warm', policy, 1 << 20);
    expect(warm.samples).toHaveLength(25);
    expect(warm.prepare).toHaveLength(0);
    expect(warm.batch).toBeGreaterThanOrEqual(1);
    expect(warm.batch).toBeLessThanOrEqual(64);
    expect(warm.evictBytes).toBe(0);
    expect(typeof warm.tableHugeBytes).toBe('number');
    const cold = nativeTiming(
      h,
      encoded,
      BASE,
      addrs,
      'cold',
      { ...policy, batchResolutions: 0, maxBatch: 1 },
      1 << 20,
    );
    expect(cold.samples).toHaveLength(25);
    expect(cold.prepare).toHaveLength(25);
    expect(cold.batch).toBe(1);
    expect(cold.evictBytes).toBe(1 << 20);
    expect(cold.samples.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    expect([cold.eviction, cold.repeats, warm.eviction]).toEqual(['walk', 1, 'none']);
    // pinned to the CPU it started on
    expect(cold.cpu).toBeGreaterThanOrEqual(0);
  });

  it.runIf(process.arch === 'x64')(
    'times cold runs with the table flushed, each sample the median of its repeats (shape only)',
    () => {
      const h = harness();
      const { table, littleEndian } = entriesOf('gcc-dwarf5');
      const encoded = parseFormat('page-huffman').encode(table, littleEndian);
      const addrs = BigUint64Array.from(uniformSet(table, 40, 5).offsets, (o) => BASE + BigInt(o));
      const policy = {
        warmupNs: 0,
        minSamples: 30,
        minTimeNs: 0,
        maxSamples: 30,
        batchResolutions: 0,
        maxBatch: 1,
      };
      const cold = nativeTiming(h, encoded, BASE, addrs, 'cold', policy, 1 << 20, {
        method: 'flush',
        repeats: 3,
      });
      expect(cold.samples).toHaveLength(30);
      // one flush per lookup, three lookups per sample; no walk buffer
      expect(cold.prepare).toHaveLength(90);
      expect([cold.eviction, cold.repeats, cold.evictBytes]).toEqual(['flush', 3, 0]);
      expect(() =>
        nativeTiming(h, encoded, BASE, addrs, 'cold', policy, 0, { method: 'flush', repeats: 16 }),
      ).toThrow(/cold repeats: 1 to 15, not 16/);
    },
  );
});

describe('without a C compiler', () => {
  it('buildHarness says why, and latency times the TypeScript model, labelled as such', () => {
    const missing = buildHarness('/nonexistent/cc');
    expect(missing.ok).toBe(false);
    const { path } = entriesOf('gcc-dwarf5');
    const r = latencyFile(path, {
      formats: parseFormats('flat,blocks:64'),
      base: 0n,
      cc: '/nonexistent/cc',
      sets: ['entries', 'block-end'],
      modes: ['warm', 'cold'],
      addresses: 30,
      policy: {
        warm: { warmupNs: 0, minSamples: 10, maxSamples: 10, minTimeNs: 0 },
        cold: { warmupNs: 0, minSamples: 5, maxSamples: 5, minTimeNs: 0 },
      },
    });
    expect(r.engine.kind).toBe('model');
    expect(r.engine.label).toContain('model, not the kernel');
    expect(r.engine.label).toContain('/nonexistent/cc');
    expect(r.runs.every((x) => x.engine === 'model')).toBe(true);
    expect(r.runs.map((x) => `${x.format} ${x.set} ${x.mode} ${x.stats.n}`)).toEqual([
      'flat entries warm 10',
      'flat entries cold 5',
      'flat block-end warm 10',
      'flat block-end cold 5',
      'blocks:64:sleb entries warm 10',
      'blocks:64:sleb entries cold 5',
      'blocks:64:sleb block-end warm 10',
      'blocks:64:sleb block-end cold 5',
    ]);
    expect(r.sizes.every((s) => s.checked === 0)).toBe(true);
    expect(r.warnings[0]).toBe(`every figure is a ${MODEL_LABEL}`);
  });

  it('the CLI prints the model label where the engine is named', async () => {
    const { path } = entriesOf('gcc-dwarf5');
    const p = fakeProcess(
      [
        'latency',
        '--base',
        '0',
        '--warm',
        '--sets',
        'entries',
        '--addresses',
        '20',
        '--format',
        'flat',
        path,
      ],
      { LINEINFO_BENCH_CC: '/nonexistent/cc' },
    );
    expect(await run(p.proc)).toBe(0);
    expect(p.stdout()).toContain('*** MODEL, NOT THE KERNEL');
    expect(p.stdout()).toContain('engine: model, not the kernel');
  });

  it('modelTiming in cold mode walks the eviction buffer before each sample', () => {
    const { table, littleEndian } = entriesOf('gcc-dwarf5');
    const format = parseFormat('blocks:8');
    const reader = format.open(format.encode(table, littleEndian).bytes, littleEndian);
    const raw = modelTiming(
      reader,
      [table.offsets[0]],
      'cold',
      {
        warmupNs: 0,
        minSamples: 4,
        maxSamples: 4,
        minTimeNs: 0,
        batchResolutions: 0,
        maxBatch: 1,
      },
      1 << 16,
    );
    expect(raw.samples).toHaveLength(4);
    expect(raw.prepare).toHaveLength(4);
    expect(raw.batch).toBe(1);
  });
});

describe('latency on a real executable with the C harness', () => {
  it('checks every address of every set, C against TypeScript, and reports the sizes', () => {
    const { path, table } = entriesOf('gcc-dwarf5');
    const r = latencyFile(path, {
      base: 0n,
      formats: parseFormats('flat,blocks:4:zigzag'),
      modes: ['warm'],
      addresses: 40,
      policy: { warm: { warmupNs: 0, minSamples: 5, maxSamples: 5, minTimeNs: 0 } },
    });
    expect(r.engine.kind).toBe('native');
    expect(r.entries).toBe(table.count);
    expect(r.sizes.map((s) => s.format)).toEqual(['flat', 'blocks:4:zigzag']);
    // uniform, entries, block-end (40 each, or fewer entries), calls, plus the edges
    for (const s of r.sizes) expect(s.checked).toBeGreaterThan(80);
    const calls = r.sets.find((s) => s.name === 'calls');
    expect(calls?.population).toBeGreaterThan(0);
    expect(r.runs.every((x) => x.engine === 'native' && x.samples.length === 5)).toBe(true);
    expect(r.sweep).toBeUndefined();
  });

  it('call return addresses are just after call instructions', () => {
    const path = buildFixture('gcc-dwarf5');
    const c = callReturns(path, 0n);
    expect(c.offsets?.length).toBeGreaterThan(0);
    // main.c calls functions of lib/util.c: some return address is not an entry start of a call
    expect(c.note).toMatch(/return addresses after call instructions/);
    const bad = callReturns(path, 0n, '/nonexistent/objdump');
    expect(bad.offsets).toBeUndefined();
    expect(bad.note).toMatch(/^not derived/);
  });

  it('bad options are user errors (exit 2, one line)', async () => {
    const { path } = entriesOf('gcc-dwarf5');
    const p = fakeProcess(['latency', '--base', '0', '--sets', 'nope', path]);
    expect(await run(p.proc)).toBe(2);
    expect(p.stderr()).toBe(
      'error: --sets nope: unknown set nope (known: uniform, entries, block-end, calls)\n',
    );
    const q = fakeProcess(['latency', '--base', '0', '--format', 'blocks:0', path]);
    expect(await run(q.proc)).toBe(2);
    expect(q.stderr().trim().split('\n')).toHaveLength(1);
  });
});
