import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import type { KernelResult } from '../../src/results/schema.js';
import {
  checkedInRun,
  commas,
  comparedOf,
  imageFileOf,
  kernelOf,
  noteCheckedInDifference,
  pct2,
  rulesOf,
} from './runs.js';

const terminal = reporter('terminal')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
const out = terminal.render(multiarch);

/** The box-drawn tables of a text (cli-table3), after a line: header cells, then each row's cells. */
function boxTable(text: string, after: string | RegExp): { head: string[]; rows: string[][] } {
  const lines = text.split('\n');
  let i = lines.findIndex((l) => (typeof after === 'string' ? l === after : after.test(l)));
  if (i < 0) throw new Error(`no line ${after}`);
  while (i < lines.length && !lines[i].startsWith('┌')) i++;
  const body: string[][] = [];
  for (i++; i < lines.length && lines[i].startsWith('│'); i++)
    body.push(
      lines[i]
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  if (!lines[i]?.startsWith('└')) throw new Error(`table after ${after} does not close`);
  return { head: body[0], rows: body.slice(1) };
}

/** A row of the summary table from run.json: the rule set's compared format against flat. */
function summaryRow(k: KernelResult, rules: string, bases: string[]): string[] {
  const flat = k.measure.tables.find((t) => t.rules === rules && t.format === 'flat')!;
  const t = comparedOf(k, rules);
  return [
    k.id,
    k.measure.kernel.metadata.arch,
    rules,
    commas(t.entries),
    commas(t.files),
    commas(flat.total),
    t.format,
    commas(t.total),
    t.bytesPerEntry.toFixed(3),
    `${(flat.total / t.total).toFixed(2)}x`,
    // the boot image differs per kernel: its cell names the file
    ...bases.map((b) =>
      b === 'image' && t.growth.image !== undefined
        ? `${pct2(t.growth.image)} ${imageFileOf(multiarch, k.id)}`
        : pct2(t.growth[b]),
    ),
  ];
}

const ns = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} us` : `${v.toFixed(0)} ns`);

describe('terminal reporter over the multiarch run', () => {
  it('opens with the run id, config name and description', () => {
    expect(out.split('\n')[0]).toBe(
      `run ${multiarch.runId}: multiarch - ${multiarch.config.description}`,
    );
  });

  it('has a summary row per kernel and rule set with the figures of run.json', () => {
    const s = boxTable(out, /^run /);
    const bases = ['loaded', 'image', 'code'];
    expect(s.head).toEqual([
      'kernel',
      'arch',
      'rules',
      'entries',
      'files',
      'flat bytes',
      'format',
      'bytes',
      'B/entry',
      'ratio',
      '% loaded size',
      '% boot image',
      '% covered code',
    ]);
    expect(s.rows).toEqual(
      multiarch.kernels.flatMap((k) => rulesOf(k).map((r) => summaryRow(k, r, bases))),
    );
    expect(out.split('\n')).toContain(
      '│ x86_64-defconfig-gcc    │ x86_64  │ v1-v4      │ 1,709,750 │ 4,160 │ 17,224,191 │ blocks:64:sleb │ 6,506,387 │ 3.731   │ 2.65x │ 16.72%        │ 29.11% bzImage    │ 16.78%         │',
    );
  });

  it('draws the growth of the loaded size as bars scaled to the largest (arm tinyconfig)', () => {
    const lines = out.split('\n');
    const at = lines.indexOf('Growth of the loaded size per kernel (blocks:64:sleb, v1-v4 rules):');
    expect(at).toBeGreaterThan(0);
    const items = multiarch.kernels.map((k) => ({
      label: `${k.measure.kernel.metadata.arch} ${k.id}`,
      value: comparedOf(k, 'v1-v4').growth.loaded,
    }));
    const max = Math.max(...items.map((x) => x.value));
    expect(max).toBe(55.03);
    const width = Math.max(...items.map((x) => x.label.length));
    expect(lines.slice(at + 1, at + 1 + items.length)).toEqual(
      items.map(
        (x) =>
          `${x.label.padEnd(width)} ${'#'.repeat(Math.max(1, Math.round((40 * x.value) / max)))} ${x.value.toFixed(2)}%`,
      ),
    );
    expect(lines).toContain('x86_64 x86_64-defconfig-gcc    ############ 16.72%');
    expect(lines).toContain(`arm arm-tinyconfig-gcc         ${'#'.repeat(40)} 55.03%`);
  });

  it("shows each kernel's growth bases and tables in its own section", () => {
    const id = 'x86_64-defconfig-gcc';
    const k = kernelOf(multiarch, id);
    const section = out.slice(out.indexOf(`\n== ${id}\n`));
    const labels = { loaded: 'loaded size', image: 'bzImage', code: 'covered code' };
    for (const b of k.measure.bases)
      expect(section).toContain(
        `  ${labels[b.id as keyof typeof labels].padEnd(17)}${commas(b.bytes).padStart(14)} B  ${b.name}`,
      );
    expect(section).toContain(
      '  covered code         38,772,175 B  code the table covers (first to last entry, v1-v4 rules)',
    );
    expect(section).toContain(
      '  bzImage              13,620,224 B  boot image file (bzImage), table bytes compressed with gzip as the image is',
    );
    const t = boxTable(section, 'Growth bases:');
    expect(t.rows).toEqual(
      k.measure.tables.map((x) => [
        x.rules,
        x.format,
        commas(x.entries),
        commas(x.files),
        commas(x.buckets.index),
        commas(x.buckets.data),
        commas(x.buckets.file_offsets + x.buckets.filenames),
        commas(x.buckets.counts + x.buckets.padding),
        commas(x.total),
        x.bytesPerEntry.toFixed(3),
        `${x.aboveBoundPct.toFixed(0)}%`,
        x.bytesPerEntryAll.toFixed(3),
        ...k.measure.bases.map((b) => pct2(x.growth[b.id])),
      ]),
    );
    expect(t.rows).toContainEqual([
      'v1-v4',
      'blocks:64:sleb',
      '1,709,750',
      '4,160',
      '213,720',
      '6,165,966',
      '126,679',
      '22',
      '6,506,387',
      '3.731',
      '125%',
      '3.805',
      '16.72%',
      '29.11%',
      '16.78%',
    ]);
  });

  it("sums the Debian kernels' modules", () => {
    const t = boxTable(out, /^Modules: the sum of their \.mod_lineinfo sections/);
    const m = kernelOf(multiarch, 'arm64-debian-6.1').modules!;
    const s = m.summary;
    const f = m.mainFormat;
    expect(t.rows).toHaveLength(2);
    expect(t.rows[1]).toEqual([
      'arm64-debian-6.1',
      commas(s.modules),
      `${commas(s.totals.upstream.entries)} / ${commas(s.totals.full.entries)}`,
      `${commas(s.totals.upstream.bytes[f])} / ${commas(s.totals.full.bytes[f])}`,
      pct2(m.vmlinux!.modulesPercent),
      pct2(s.growth.alloc),
      pct2(s.growth.text),
      commas(s.differ.count),
    ]);
    expect(t.rows[1].slice(0, 5)).toEqual([
      'arm64-debian-6.1',
      '3,685',
      '2,442,251 / 6,651,002',
      '10,380,143 / 25,840,990',
      '461.03%',
    ]);
  });

  it('tables lookup latency per format, set and cache state for the default run', () => {
    const t = boxTable(
      terminal.render(defaults),
      'Lookup latency per call (p50 / p99), by address set and cache state:',
    );
    // every kernel x format x address set the run measured, in the config's order, from run.json
    const sets = defaults.config.measure.latency!.sets!;
    const expected = defaults.kernels.flatMap((k) =>
      defaults.config.formats.flatMap((format) =>
        sets.map((set) => {
          const run = (mode: string) =>
            k.latency!.runs.find((r) => r.format === format && r.set === set && r.mode === mode)!;
          const w = run('warm');
          const c = run('cold');
          return [
            k.id,
            format,
            set,
            ns(w.stats.p50),
            ns(w.stats.p99),
            ns(c.stats.p50),
            ns(c.stats.p99),
            w.engine,
          ];
        }),
      ),
    );
    expect(t.rows).toEqual(expected);
    expect(t.rows).toHaveLength(2 * 5 * 2); // kernels x formats x sets
  });

  it('matches report/multiarch/multiarch.txt (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', terminal.extension, out);
  });
});
