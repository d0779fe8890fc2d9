import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { parseFormats } from '../../src/encodings/registry.js';
import { describeLocal } from '../../src/kernels/local.js';
import { sampleFunctionAddresses } from '../../src/measure/agreement.js';
import { measureHistoryFile } from '../../src/measure/history.js';
import { measureKernelFile } from '../../src/measure/kernel.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * `measure --agree` and `run` report, beside each table's answer, what each
 * upstream revision's kernel would print through its own lookup (the same
 * tally `history` makes), on the host gcc vmlinux-like fixture whose init
 * text lies past `_etext`.
 */

const SAMPLES = 1500;
const SEED = 5;
const RULES = ['newest', 'v1-v4', 'v5', 'symbolizer'];

async function measure(path: string, rules = RULES) {
  const kernel = await describeLocal({ path, modules: false });
  return measureKernelFile(kernel, {
    formats: parseFormats('flat'),
    rules,
    agreeSamples: SAMPLES,
    seed: SEED,
    verifySamples: 100,
  });
}

describe('what each revision prints, in measure results', () => {
  const path = buildKern('gcc');
  const elf = ElfFile.open(path);
  afterAll(() => elf.close());
  const base = elf.symbolValue('_text')!;
  let result: ReturnType<typeof measure> | undefined;
  const measured = () => {
    result ??= measure(path);
    return result;
  };

  it("gives the upstream rule sets their revision's own lookup, and our rule set none", async () => {
    const results = (await measured()).agreement!.results;
    expect(results.map((r) => [r.rules, r.printed?.revision, r.printed?.lookup])).toEqual([
      ['newest', 'newest', 'floor-guard'],
      ['v1-v4', 'v1-v4', 'floor-stale'],
      ['v5', 'v6', 'floor'],
      ['symbolizer', undefined, undefined],
    ]);
  });

  it("gives each revision's tally exactly as history does (same addresses, same lookup), each agreed, lost or wrong", async () => {
    const results = (await measured()).agreement!.results;
    const kernel = await describeLocal({ path, modules: false });
    const h = measureHistoryFile(kernel, { agreeSamples: SAMPLES, seed: SEED });
    for (const r of results.filter((x) => x.printed)) {
      const { revision, ...printed } = r.printed!;
      expect(printed).toEqual(h.rows.find((x) => x.revision === revision)!.agreement);
      for (const t of printed.tools) expect(t.agree + t.lost + t.wrong).toBe(SAMPLES);
    }
  });

  it('splits out the addresses at or past _etext, where the table stops from v5 on', async () => {
    const results = (await measured()).agreement!.results;
    const etext = elf.symbolValue('_etext')!;
    const past = sampleFunctionAddresses(elf, base, SAMPLES, SEED, { withinSection: true }).filter(
      (a) => a >= etext,
    ).length;
    expect(past).toBeGreaterThan(0); // the fixture's init text
    for (const r of results.filter((x) => x.printed))
      for (const t of r.printed!.tools) {
        const p = t.pastEtext!;
        expect(p.samples).toBe(past);
        expect(p.agree + p.lost + p.wrong).toBe(past);
        expect(p.lost).toBeLessThanOrEqual(t.lost);
        expect(p.wrong).toBeLessThanOrEqual(t.wrong);
        // a stale answer comes from an entry at or past _etext, so from an address there
        expect(t.stale).toBeLessThanOrEqual(p.wrong);
      }
    // the newest table has no entry past _etext: every line the tools have there is lost
    const newest = results.find((r) => r.rules === 'newest')!.printed!;
    for (const t of newest.tools) expect(t.pastEtext!.wrong).toBe(0);
  });

  it('samples inside executable sections only: the last function of one is not followed past its end', () => {
    const addresses = sampleFunctionAddresses(elf, base, SAMPLES, SEED, { withinSection: true });
    const exec = elf.sections.filter((x) => x.flags & 0x4);
    const inExec = (a: bigint) => exec.some((x) => a >= x.addr && a < x.addr + BigInt(x.size));
    expect(addresses.filter((a) => !inExec(a))).toEqual([]);
    // without the cap some land past .text (the fixture's init text follows .rodata)
    expect(sampleFunctionAddresses(elf, base, SAMPLES, SEED).some((a) => !inExec(a))).toBe(true);
  });

  it("differs from the table's answer where the revision's lookup does: stale v1-v4 entries, the newest guard", async () => {
    const results = (await measured()).agreement!.results;
    const rules = (id: string) => results.find((r) => r.rules === id)!;
    // the fixture's init code is sampled, and nothing moved: the plain search agrees there
    const v1 = rules('v1-v4');
    expect(v1.printed!.stale).toBeGreaterThan(0);
    for (const t of v1.printed!.tools) {
      const table = v1.tools.find((x) => x.tool === t.tool)!;
      expect(t.floor.agree).toBe(table.agree);
      expect(t.agree).toBeLessThan(table.agree);
      expect(t.lost).toBe(0);
    }
    const newest = rules('newest');
    expect(newest.printed!.guarded).toBeGreaterThan(0);
    for (const t of newest.printed!.tools) expect(t.lost).toBeGreaterThan(0);
    // v5 and v6 print what a plain floor search finds
    for (const t of rules('v5').printed!.tools)
      expect(t.agree).toBe(rules('v5').tools.find((x) => x.tool === t.tool)!.agree);
  });

  it("puts the table's mismatches past _etext down to the cap where the table stops there, not to the rows at the address", async () => {
    const results = (await measured()).agreement!.results;
    const CAP = 'past _etext, where the table stops (the last entry below answers)';
    const rules = (id: string) => results.find((r) => r.rules === id)!;
    for (const id of ['newest', 'v5']) {
      const r = rules(id);
      for (const t of r.tools) {
        const printed = r.printed!.tools.find((x) => x.tool === t.tool)!;
        // every sampled address past _etext the tools give a line to, the capped table answers
        // from below: the floor answer differs there (printed.floor counts the same addresses)
        const past = printed.pastEtext!;
        expect(t.causes[CAP]).toBeGreaterThan(0);
        expect(t.causes[CAP]).toBeLessThanOrEqual(past.samples);
        for (const e of t.examples.filter((x) => x.cause === CAP))
          expect(BigInt(e.address)).toBeGreaterThanOrEqual(elf.symbolValue('_etext')!);
        const mismatches = Object.values(t.causes).reduce((a, b) => a + b, 0);
        expect(mismatches).toBe(t.samples - t.agree);
      }
    }
    // v1-v4 keeps its entries past _etext: none of its mismatches is the cap
    for (const t of rules('v1-v4').tools) expect(t.causes[CAP]).toBe(0);
    for (const t of rules('symbolizer').tools) expect(t.causes[CAP]).toBe(0);
  });

  it('leaves it out without _etext, where stale answers cannot be told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'printed-'));
    const copy = join(dir, 'vmlinux');
    copyFileSync(path, copy);
    execFileSync('objcopy', ['--strip-symbol=_etext', copy]);
    // the rules from v5 on need _etext themselves
    const r = await measure(copy, ['v1-v4', 'symbolizer']);
    expect(r.agreement!.results.map((x) => x.tools.length)).toEqual([2, 2]);
    expect(r.agreement!.results.every((x) => x.printed === undefined)).toBe(true);
  });
});
