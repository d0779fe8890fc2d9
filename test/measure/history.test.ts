import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { parseFormat } from '../../src/encodings/registry.js';
import { REVISION_IDS, REVISIONS } from '../../src/encodings/revisions.js';
import { describeLocal } from '../../src/kernels/local.js';
import { type ExtractResult, extractUpstream } from '../../src/lineinfo/extract.js';
import { account } from '../../src/measure/accounting.js';
import { sameAnswer, sampleFunctionAddresses } from '../../src/measure/agreement.js';
import { growthPercent } from '../../src/measure/growth.js';
import { type HistoryResult, measureHistory } from '../../src/measure/history.js';
import { KernelTables } from '../../src/measure/kernel.js';
import {
  floorIndex,
  revisionAgreement,
  revisionLookup,
  sampleAt,
} from '../../src/measure/revision-lookup.js';
import { hasTool } from '../helpers/fixtures.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * The revision history on vmlinux-like fixtures compiled here: a host gcc
 * one (init text after .rodata, a cold split, a routine without line rows)
 * and an arm64 one with patchable function entries, where the newest rules
 * synthesize entries at function starts.
 */

const SAMPLES = 1500;

async function history(path: string, samples = SAMPLES) {
  const kernel = await describeLocal({ path, modules: false });
  const kt = KernelTables.open(path);
  try {
    const result = measureHistory(kernel, kt, { agreeSamples: samples, seed: 5 });
    return { result, extractions: kt.extractions };
  } finally {
    kt.close();
  }
}

/** Each rule set extracted on its own, as the reference. */
function extractAll(path: string): Map<string, ExtractResult> {
  const elf = ElfFile.open(path);
  try {
    const out = new Map<string, ExtractResult>();
    for (const id of REVISION_IDS) {
      const rules = REVISIONS[id].rules;
      if (!out.has(rules)) out.set(rules, extractUpstream(elf, { rules }));
    }
    return out;
  } finally {
    elf.close();
  }
}

const row = (r: HistoryResult, id: string) => r.rows.find((x) => x.revision === id)!;

describe('history on an x86_64 fixture with init text', () => {
  const path = buildKern('gcc');
  const elf = ElfFile.open(path);
  afterAll(() => elf.close());
  const base = elf.symbolValue('_text')!;
  const etext = elf.symbolValue('_etext')!;
  const etextOffset = Number(etext - base);
  const sym = (name: string) => elf.symbolValue(name)!;
  const reference = extractAll(path);
  const tableOf = (rules: string) => reference.get(rules)!.table;
  let run: Promise<{ result: HistoryResult; extractions: number }> | undefined;
  const result = () => {
    run ??= history(path);
    return run;
  };

  it("samples no address past its function's section: the last function of .text is not followed into .rodata", () => {
    const init = sym('kern_init');
    const inGap = (a: bigint) => a >= etext && a < init;
    const anywhere = sampleFunctionAddresses(elf, base, 3000, 1);
    const within = sampleFunctionAddresses(elf, base, 3000, 1, { withinSection: true });
    expect(anywhere.some(inGap)).toBe(true);
    expect(within.some(inGap)).toBe(false);
    expect(within.some((a) => a >= init)).toBe(true);
  });

  it("gives each revision's entries, files and bytes as its own extraction and layout, in order", async () => {
    const { result: r, extractions } = await result();
    expect(r.rows.map((x) => x.revision)).toEqual(['v1-v4', 'v5', 'v6', 'newest']);
    expect(extractions).toBe(3); // v6 shares v5's rules
    const loaded = r.bases.find((b) => b.id === 'loaded')!.bytes;
    for (const x of r.rows) {
      const rev = REVISIONS[x.revision];
      const ex = reference.get(rev.rules)!;
      expect(x.rules).toBe(rev.rules);
      expect(x.layout).toBe(rev.vmlinuxLayouts[0]);
      expect(x.entries).toBe(ex.table.count);
      expect(x.files).toBe(ex.table.files.length);
      const acc = account(parseFormat(x.layout).encode(ex.table, elf.littleEndian));
      expect(x.total).toBe(acc.total);
      expect(x.bytesPerEntry).toBe(acc.bytesPerEntry);
      expect(x.growth.loaded).toBe(growthPercent(acc.total, loaded));
    }
    // the cap at _etext took the init text out from v5 on
    expect(row(r, 'v5').entries).toBeLessThan(row(r, 'v1-v4').entries);
    expect(row(r, 'v6')).toMatchObject({
      entries: row(r, 'v5').entries,
      total: row(r, 'v5').total,
    });
  });

  it("counts each change by cause: the drop counters' and symbol starts' differences, file names on one side only", async () => {
    const { result: r } = await result();
    for (let i = 1; i < r.rows.length; i++) {
      const x = r.rows[i];
      const prev = r.rows[i - 1];
      const ex = reference.get(x.rules)!;
      const before = reference.get(prev.rules)!;
      const c = x.change!;
      expect(c.from).toBe(prev.revision);
      expect(c.sameRules).toBe(x.rules === prev.rules);
      expect(c.entries).toBe(ex.table.count - before.table.count);
      expect(c.files).toBe(ex.table.files.length - before.table.files.length);
      expect(c.rowsPastEtext).toBe(ex.drops.aboveEnd - before.drops.aboveEnd);
      expect(c.endSequenceRows).toBe(ex.drops.endSequence - before.drops.endSequence);
      const starts = (e: ExtractResult) => e.symbolStarts ?? { synthesized: 0, keptAtStart: 0 };
      expect(c.keptAtStart).toBe(starts(ex).keptAtStart - starts(before).keptAtStart);
      expect(c.synthesized).toBe(starts(ex).synthesized - starts(before).synthesized);
      const now = new Set(ex.table.files);
      const then = new Set(before.table.files);
      expect(c.namesOnlyBefore).toBe(before.table.files.filter((f) => !now.has(f)).length);
      expect(c.namesOnlyAfter).toBe(ex.table.files.filter((f) => !then.has(f)).length);
    }
    const v5 = row(r, 'v5').change!;
    expect(v5.rowsPastEtext).toBeGreaterThan(0); // the init code's rows
    expect(row(r, 'v6').change).toMatchObject({ sameRules: true, entries: 0, rowsPastEtext: 0 });
    // the newest rules turn end-of-sequence rows into sequence ends
    expect(row(r, 'newest').change!.endSequenceRows).toBeGreaterThan(0);
  });

  it('puts every sampled address down as agreed, lost or wrong, for each tool', async () => {
    const { result: r } = await result();
    expect(r.agreement).toEqual({ samples: SAMPLES, seed: 5 });
    for (const x of r.rows) {
      const a = x.agreement!;
      expect(a.lookup).toBe(
        { 'v1-v4': 'floor-stale', v5: 'floor', v6: 'floor', newest: 'floor-guard' }[x.revision],
      );
      expect(a.tools.map((t) => t.tool)).toEqual(['addr2line', 'llvm-symbolizer']);
      for (const t of a.tools) {
        expect(t.agree + t.lost + t.wrong).toBe(SAMPLES);
        expect(t.percent).toBeCloseTo((100 * t.agree) / SAMPLES, 10);
        // a stale answer is wrong whatever it says
        expect(t.stale).toBe(a.stale);
        expect(t.stale).toBeLessThanOrEqual(t.wrong);
      }
      if (x.revision !== 'v1-v4') expect(a.stale).toBe(0);
      if (x.revision !== 'newest') expect(a.guarded).toBe(0);
    }
    // init code is sampled: v1-v4 answers it from stale entries, the newest guard refuses it
    expect(row(r, 'v1-v4').agreement!.stale).toBeGreaterThan(0);
    expect(row(r, 'newest').agreement!.guarded).toBeGreaterThanOrEqual(
      row(r, 'v1-v4').agreement!.stale,
    );
    // without the stale rule v1-v4 agrees more often: the fixture's init code never moved
    for (const t of row(r, 'v1-v4').agreement!.tools)
      expect(t.floor.agree).toBeGreaterThan(t.agree);
    // v5 and v6: a plain floor search is their own lookup
    for (const t of row(r, 'v5').agreement!.tools) expect(t.floor.agree).toBe(t.agree);
  });

  it('counts an .init.text answer from an entry past _etext wrong in v1-v4, even where the tool says the same', () => {
    const address = sym('kern_init') + 8n;
    const v1 = tableOf('v1-v4');
    const off = Number(address - base);
    const hit = revisionLookup(
      'floor-stale',
      v1,
      off,
      etextOffset,
      Number(sym('kern_init') - base),
    );
    expect(hit.index).toBeGreaterThanOrEqual(0);
    expect(v1.offsets[hit.index]).toBeGreaterThanOrEqual(etextOffset);
    expect(hit.stale).toBe(true);
    const sample = sampleAt(elf, base, [address]);
    const ours = { file: v1.files[v1.fileIds[hit.index]], line: v1.lines[hit.index] };
    // in this file nothing moved, so the stale entry still says what the tools say
    for (const [, theirs] of sample.plan.answers) expect(sameAnswer(ours, theirs[0])).toBe(true);
    const { agreement } = revisionAgreement('floor-stale', v1, sample, etextOffset);
    expect(agreement.stale).toBe(1);
    for (const t of agreement.tools) {
      expect(t).toMatchObject({ agree: 0, lost: 0, wrong: 1, stale: 1 });
      expect(t.floor.agree).toBe(1);
      expect(t.examples[0].kind).toBe('stale');
    }
  });

  it('gives no line in the newest revision where the floor entry lies below the function start', () => {
    const newest = tableOf('newest');
    const v5 = tableOf('v5');
    const init = sym('kern_init');
    const address = init + 8n;
    const off = Number(address - base);
    // v5: the floor search lands on the last entry before _etext
    const floor = revisionLookup('floor', v5, off, etextOffset, undefined);
    expect(floor.index).toBe(v5.count - 1);
    expect(v5.offsets[floor.index]).toBeLessThan(etextOffset);
    // newest: that entry lies below kern_init's start, so nothing
    const plain = floorIndex(newest, off);
    expect(newest.offsets[plain]).toBeLessThan(Number(init - base));
    expect(revisionLookup('floor-guard', newest, off, etextOffset, Number(init - base))).toEqual({
      index: -1,
      stale: false,
      guarded: true,
    });
    // a routine without line rows: the floor entry is the code before it
    const stub = sym('kern_stub');
    const stubOff = Number(stub - base) + 4;
    expect(floorIndex(newest, stubOff)).toBeGreaterThanOrEqual(0);
    expect(
      revisionLookup('floor-guard', newest, stubOff, etextOffset, Number(stub - base)).index,
    ).toBe(-1);
    // the guard keeps an entry exactly at the start (KUnit test_lineinfo_search_min_offset)
    const at = newest.offsets[plain];
    expect(revisionLookup('floor-guard', newest, at + 1, etextOffset, at).index).toBe(plain);

    // what that prints: the tools have a line in kern_init (lost), none in kern_stub (agree)
    const sample = sampleAt(elf, base, [address, stub + 4n]);
    for (const [, theirs] of sample.plan.answers) {
      expect(theirs[0].line).toBeGreaterThan(0);
      expect(theirs[1].line).toBe(0);
    }
    const guarded = revisionAgreement('floor-guard', newest, sample, etextOffset).agreement;
    expect(guarded.guarded).toBe(2);
    expect(guarded.noAnswer).toBe(2);
    for (const t of guarded.tools) expect(t).toMatchObject({ agree: 1, lost: 1, wrong: 0 });
    const capped = revisionAgreement('floor', v5, sample, etextOffset).agreement;
    for (const t of capped.tools) expect(t).toMatchObject({ agree: 0, lost: 0, wrong: 2 });
  });
});

describe.skipIf(!hasTool('aarch64-linux-gnu-gcc'))(
  'history on an arm64 fixture with patchable function entries',
  () => {
    const path = buildKern('aarch64-linux-gnu-gcc', { patchable: true });
    const reference = extractAll(path);

    it('finds the synthesized entries, asks llvm-symbolizer about them, and measures agreement without them', async () => {
      const { result: r } = await history(path, 1000);
      const ex = reference.get('newest')!;
      const s = r.synthesized;
      expect(ex.symbolStarts!.synthesized).toBeGreaterThan(0);
      expect(s.entries).toBe(ex.symbolStarts!.synthesized);
      expect(s.counted).toBe(ex.symbolStarts!.synthesized);
      expect(row(r, 'newest').change!.synthesized).toBe(s.entries);
      // the first row lies 8 bytes past each start: every copy is the code before's line,
      // which the tools print at the start too
      expect(s.tool!.tool).toBe('llvm-symbolizer');
      expect(s.tool!.otherFunction).toBe(s.entries);
      expect(s.tool!.differ).toBe(0);
      expect(s.without!.entries).toBe(ex.table.count - s.entries);
      expect(s.sampled!.through).toBeGreaterThan(0);
      const withThem = row(r, 'newest').agreement!.tools;
      for (const t of s.without!.tools) {
        expect(t.agree + t.lost + t.wrong).toBe(1000);
        // without them those addresses lose their line
        const w = withThem.find((x) => x.tool === t.tool)!;
        expect(t.lost).toBe(w.lost + s.sampled!.agree[t.tool]);
      }
    });
  },
);
