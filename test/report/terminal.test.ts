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
  quotedModulesOf,
  rulesOf,
} from './runs.js';

const terminal = reporter('terminal')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
/** The older multiarch run: v1-v4 first, its modules in v1-v4's layout. */
const multiarchV1V4 = checkedInRun('multiarchV1V4');
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
    // literal, read from run.json (cells: the column widths follow the widest kernel)
    expect(s.rows).toContainEqual([
      'x86_64-tinyconfig-gcc',
      'x86_64',
      'newest',
      '141,514',
      '802',
      '1,437,147',
      'blocks:64:sleb',
      '537,111',
      '3.640',
      '2.68x',
      '8.21%',
      '44.97% bzImage',
      '25.56%',
    ]);
  });

  it('draws the growth of the loaded size as bars scaled to the largest (arm tinyconfig)', () => {
    const lines = out.split('\n');
    const at = lines.indexOf(
      'Growth of the loaded size per kernel (blocks:64:sleb, newest rules):',
    );
    expect(at).toBeGreaterThan(0);
    const items = multiarch.kernels.map((k) => ({
      label: `${k.measure.kernel.metadata.arch} ${k.id}`,
      value: comparedOf(k, 'newest').growth.loaded,
    }));
    const max = Math.max(...items.map((x) => x.value));
    expect(max).toBe(55.36);
    const width = Math.max(...items.map((x) => x.label.length));
    expect(lines.slice(at + 1, at + 1 + items.length)).toEqual(
      items.map(
        (x) =>
          `${x.label.padEnd(width)} ${'#'.repeat(Math.max(1, Math.round((40 * x.value) / max)))} ${x.value.toFixed(2)}%`,
      ),
    );
    expect(lines).toContain('x86_64 x86_64-tinyconfig-gcc   ###### 8.21%');
    expect(lines).toContain(`arm arm-tinyconfig-gcc         ${'#'.repeat(40)} 55.36%`);
  });

  it("shows each kernel's growth bases and tables in its own section", () => {
    const id = 'x86_64-tinyconfig-gcc';
    const k = kernelOf(multiarch, id);
    const section = out.slice(out.indexOf(`\n== ${id}\n`));
    const labels = { loaded: 'loaded size', image: 'bzImage', code: 'covered code' };
    for (const b of k.measure.bases)
      expect(section).toContain(
        `  ${labels[b.id as keyof typeof labels].padEnd(17)}${commas(b.bytes).padStart(14)} B  ${b.name}`,
      );
    // the code the main rule set's table covers
    expect(section).toContain(
      '  covered code          2,101,285 B  code the table covers (first to last entry, newest rules)',
    );
    expect(section).toContain(
      '  bzImage                 627,712 B  boot image file (bzImage), table bytes compressed with xz as the image is',
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
      'newest',
      'blocks:64:sleb',
      '141,514',
      '802',
      '17,696',
      '497,398',
      '21,995',
      '22',
      '537,111',
      '3.640',
      '159%',
      '3.795',
      '8.21%',
      '44.97%',
      '25.56%',
    ]);
  });

  it("gives each kernel's printed agreement (newest and v1-v4, each through its own lookup) from run.json", () => {
    for (const k of multiarch.kernels) {
      const section = out.slice(out.indexOf(`\n== ${k.id}\n`) + 1);
      const own = section.slice(0, section.indexOf('\n== ') + 1 || undefined);
      const t = boxTable(own, /^As printed: what each revision's kernel would print/);
      expect(t.head).toEqual(['rules', 'revision', 'tool', 'agree', 'lost', 'wrong']);
      const ag = k.measure.agreement!;
      expect(t.rows).toEqual(
        ag.results.flatMap((r) =>
          (r.printed?.tools ?? []).map((p) => [
            r.rules,
            r.printed!.revision,
            p.tool,
            `${((100 * p.agree) / p.samples).toFixed(2)}%`,
            p.pastEtext?.lost
              ? `${commas(p.lost)} (${commas(p.pastEtext.lost)} past _etext)`
              : commas(p.lost),
            p.stale ? `${commas(p.wrong)} (${commas(p.stale)} stale)` : commas(p.wrong),
          ]),
        ),
      );
      // upstream revisions only: symbolizer's rules are ours, nothing prints through them
      expect(t.rows.map((r) => r[0])).toEqual(['newest', 'newest', 'v1-v4', 'v1-v4']);
      expect(own).toContain(
        "  newest: floor search over the table capped at _etext; no answer when the entry found lies below the start of the address's function symbol.",
      );
    }
    // literal, read from run.json: x86_64 tinyconfig (gcc)
    const x86 = out.slice(out.indexOf('\n== x86_64-tinyconfig-gcc\n'));
    expect(boxTable(x86, /^As printed: /).rows).toEqual([
      ['newest', 'newest', 'addr2line', '71.30%', '150 (150 past _etext)', '424'],
      ['newest', 'newest', 'llvm-symbolizer', '71.35%', '150 (150 past _etext)', '423'],
      ['v1-v4', 'v1-v4', 'addr2line', '61.05%', '0', '779 (150 stale)'],
      ['v1-v4', 'v1-v4', 'llvm-symbolizer', '61.10%', '0', '778 (150 stale)'],
    ]);
  });

  it('has no printed agreement for the older multiarch run, which did not measure it', () => {
    expect(terminal.render(multiarchV1V4)).not.toContain('As printed:');
  });

  it("sums the Debian kernels' modules in the main rule set's module layout", () => {
    expect(out).toContain(
      'Modules: the sum of their .mod_lineinfo sections (module-v6:64:sleb), newest rules:',
    );
    const t = boxTable(out, /^Modules: the sum of their \.mod_lineinfo sections/);
    const withModules = multiarch.kernels.filter((k) => k.modules);
    expect(t.rows).toEqual(
      withModules.map((k) => {
        const s = k.modules!.summary;
        const q = quotedModulesOf(k);
        return [
          k.id,
          commas(s.modules),
          `${commas(s.totals.upstream.entries)} / ${commas(s.totals.full.entries)}`,
          `${commas(q.upstreamBytes)} / ${commas(q.fullBytes)}`,
          pct2(q.percentOfVmlinux),
          pct2(q.growthAlloc),
          pct2(q.growthText),
          commas(s.differ.count),
        ];
      }),
    );
    // literal, read from run.json: the stand-in for the unpublished compression, against vmlinux's
    expect(t.rows[0].slice(0, 5)).toEqual([
      'amd64-debian-6.1',
      '4,023',
      '2,304,538 / 6,551,187',
      '11,981,705 / 28,978,845',
      '632.83%',
    ]);
    // and under the table, what the generator emits
    expect(out).toContain('As emitted (module-newest, fully relocated, against vmlinux');
    expect(t.rows.map((r) => r[0])).toEqual(['amd64-debian-6.1', 'arm64-debian-6.1']);
  });

  it("sums the older multiarch run's modules in v1-v4's module layout", () => {
    const old = terminal.render(multiarchV1V4);
    const t = boxTable(old, /^Modules: the sum of their \.mod_lineinfo sections/);
    // literal, read from that run
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
