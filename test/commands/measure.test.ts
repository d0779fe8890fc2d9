import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture } from '../helpers/fixtures.js';
import { buildKern } from '../helpers/kern-fixture.js';

describe('measure', () => {
  const elf = buildFixture('gcc-dwarf5');

  it('gives sizes whose buckets add up, and growth against the loaded size', async () => {
    const p = fakeProcess([
      'measure',
      '--base',
      '0',
      '--format',
      'flat,blocks:8',
      '--rules',
      'v1-v4,symbolizer',
      '--json',
      elf,
    ]);
    expect(await run(p.proc)).toBe(0);
    const r = JSON.parse(p.stdout());
    expect(r.schemaVersion).toBe(1);
    expect(r.tables).toHaveLength(4);
    const loaded = r.bases.find((b: { id: string }) => b.id === 'loaded').bytes;
    for (const t of r.tables) {
      const sum = Object.values(t.buckets as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(sum).toBe(t.total);
      expect(t.growth.loaded).toBe(Math.round((10000 * t.total) / loaded) / 100);
      expect(t.verify.roundTripEntries).toBe(t.entries);
    }
    const flat = r.tables[0];
    expect(flat.buckets.data).toBe(10 * flat.entries);
    // the code base: the span the (first rule set's) table covers
    const code = r.bases.find((b: { id: string }) => b.id === 'code').bytes;
    expect(code).toBeGreaterThan(0);
    expect(code).toBeLessThan(loaded);
    expect(flat.growth.code).toBe(Math.round((10000 * flat.total) / code) / 100);
  });

  it('prints a table for the terminal', async () => {
    const p = fakeProcess(['measure', '--base', '0', elf]);
    expect(await run(p.proc)).toBe(0);
    expect(p.stdout()).toMatch(/blocks:64:sleb/);
    expect(p.stdout()).toContain('Growth bases:');
  });

  it("--agree: after each table's answer, what each upstream revision's kernel prints, lost and wrong apart", async () => {
    const kern = buildKern('gcc');
    const args = ['measure', '--format', 'flat', '--rules', 'newest,v1-v4,symbolizer'];
    const more = ['--agree', '1500', '--seed', '5', kern];
    const j = fakeProcess([...args, '--json', ...more]);
    expect(await run(j.proc)).toBe(0);
    const results = JSON.parse(j.stdout()).agreement.results;
    const t = fakeProcess([...args, ...more]);
    expect(await run(t.proc)).toBe(0);
    const lines = t.stdout().split('\n');
    const at = lines.findIndex((l) => l.startsWith('As printed:'));
    expect(at).toBeGreaterThan(0);
    // one row per upstream rule set and tool, in the JSON's order and figures
    const rows = lines
      .slice(at + 1)
      .filter((l) => /^│ (newest|v1-v4|symbolizer) /.test(l))
      .map((l) =>
        l
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    const expected = results
      .filter((r: { printed?: unknown }) => r.printed)
      .flatMap(
        (r: {
          rules: string;
          printed: {
            revision: string;
            tools: {
              tool: string;
              agree: number;
              lost: number;
              wrong: number;
              stale: number;
              pastEtext: { lost: number };
            }[];
          };
        }) =>
          r.printed.tools.map((x) => [
            r.rules,
            r.printed.revision,
            x.tool,
            `${((100 * x.agree) / 1500).toFixed(2)}%`,
            x.pastEtext.lost ? `${x.lost} (${x.pastEtext.lost} past _etext)` : String(x.lost),
            x.stale ? `${x.wrong} (${x.stale} stale)` : String(x.wrong),
          ]),
      );
    expect(rows).toEqual(expected);
    expect(expected.map((r: string[]) => r[0])).toEqual(['newest', 'newest', 'v1-v4', 'v1-v4']);
    // the fixture's init text lies past _etext: v1-v4 answers it from stale entries,
    // the newest table stops before it
    expect(rows[2][5]).toMatch(/ stale\)$/);
    expect(rows[0][4]).toMatch(/ past _etext\)$/);
    expect(lines).toContain(
      "  newest: floor search over the table capped at _etext; no answer when the entry found lies below the start of the address's function symbol.",
    );
  });

  it('exits 1 when a table exceeds --max-bytes-per-entry, naming it', async () => {
    const p = fakeProcess([
      'measure',
      '--base',
      '0',
      '--format',
      'flat',
      '--max-bytes-per-entry',
      '4',
      elf,
    ]);
    expect(await run(p.proc)).toBe(1);
    expect(p.stderr()).toMatch(
      /^threshold: .+: flat \(newest\): bytes per entry \(index \+ data\) 10\.000, limit 4 \(--fail-on bpe>4\)$/m,
    );
  });

  it('--fail-on: growth and bytes per entry limits, per format, one line each, exit 1', async () => {
    const json = fakeProcess(['measure', '--base', '0', '--json', elf]);
    expect(await run(json.proc)).toBe(0);
    const tables = JSON.parse(json.stdout()).tables as {
      format: string;
      growth: { loaded: number };
      bytesPerEntry: number;
    }[];
    const flat = tables.find((t) => t.format === 'flat')!;
    const blocks = tables.find((t) => t.format === 'blocks:64:sleb')!;
    // a limit between the two formats' growth: only flat is over it
    const mid = ((flat.growth.loaded + blocks.growth.loaded) / 2).toFixed(2);
    const p = fakeProcess(['measure', '--base', '0', '--fail-on', `growth>${mid}%`, elf]);
    expect(await run(p.proc)).toBe(1);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toEqual([
      `threshold: ${elf}: flat (newest): growth of the loaded size ${flat.growth.loaded.toFixed(2)}%, limit ${Number(mid)}% (--fail-on growth>${mid}%)`,
    ]);
    // scoped to the other format, the same limit passes; both limits at once fail on both
    const q = fakeProcess([
      'measure',
      '--base',
      '0',
      '--fail-on',
      `growth>${mid}%@blocks:64:sleb`,
      elf,
    ]);
    expect(await run(q.proc)).toBe(0);
    const r = fakeProcess([
      'measure',
      '--base',
      '0',
      '--fail-on',
      'bpe>1',
      '--fail-on',
      'growth>0%',
      elf,
    ]);
    expect(await run(r.proc)).toBe(1);
    expect(r.stderr().trim().split('\n')).toHaveLength(4);
    // a malformed limit is a user error naming the syntax
    const bad = fakeProcess(['measure', '--base', '0', '--fail-on', 'growth>5', elf]);
    expect(await run(bad.proc)).toBe(2);
    expect(bad.stderr()).toContain('a growth limit is a percentage');
  });

  it('rejects an unknown format or rule set with exit 2', async () => {
    const a = fakeProcess(['measure', '--base', '0', '--format', 'gsym', elf]);
    expect(await run(a.proc)).toBe(2);
    expect(a.stderr()).toContain('unknown format');
    const b = fakeProcess(['measure', '--base', '0', '--rules', 'nope', elf]);
    expect(await run(b.proc)).toBe(2);
    expect(b.stderr()).toContain('unknown rule set nope');
  });
});
