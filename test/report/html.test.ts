import { describe, expect, it } from 'vitest';
import { chartSeries, hasData } from '../../src/report/dashboard.js';
import { allFilter } from '../../src/report/html.js';
import { reporter } from '../../src/report/reporter.js';
import { mainRules } from '../../src/results/config.js';
import type { KernelResult, RunResult } from '../../src/results/schema.js';
import {
  baseOf,
  checkedInRun,
  commas,
  comparedOf,
  noteCheckedInDifference,
  paretoFrontierOf,
  pct2,
  quotedModulesOf,
  RUNS,
  rulesOf,
  tableOf,
} from './runs.js';

const html = reporter('html')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
const page = html.render(multiarch);

/** What html.ts embeds for its script: a JSON script element, parsed back. */
function embedded(text: string) {
  const m = /<script id="run-data" type="application\/json">([\s\S]*?)<\/script>/.exec(text);
  if (!m) throw new Error('no run-data script');
  return { raw: m[1], payload: JSON.parse(m[1]) };
}

/** The <tr> rows of a table's body, by the table's id, without their data attributes. */
function tableRows(text: string, id: string): string[] {
  const at = text.indexOf(`<table id="${id}">`);
  if (at < 0) throw new Error(`no table ${id}`);
  const body = text.slice(at, text.indexOf('</table>', at));
  return (body.match(/^<tr[^>]*><td>.*<\/tr>$/gm) ?? []).map((r) =>
    r.replace(/^<tr[^>]*>/, '<tr>'),
  );
}

/** A select element of the page, by name (its own text, so a failure prints that, not the page). */
function selectOf(text: string, name: string): string {
  return new RegExp(`<select name="${name}"[^]*?</select>`).exec(text)?.[0] ?? `no select ${name}`;
}

/** A run's kernels with their metadata, read apart from the renderer. */
function kernelFacts(run: RunResult) {
  return run.kernels.map((k) => ({
    id: k.id,
    arch: k.measure.kernel.metadata.arch,
    config: k.measure.kernel.metadata.configName ?? '-',
    compiler: k.measure.kernel.metadata.compiler ?? '-',
  }));
}

const uniq = (v: string[]) => [...new Set(v)];
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Kernels in the growth chart's order: those of one arch together, archs as first measured. */
function byArch(run: RunResult) {
  const ks = kernelFacts(run);
  return uniq(ks.map((k) => k.arch)).flatMap((a) => ks.filter((k) => k.arch === a));
}

type Series = {
  labels: string[];
  datasets: { label: string; data: unknown[]; tips: string[][] }[];
};
/** A bar chart's value for a category and dataset. */
function bar(s: Series, dataset: string, category: string): unknown {
  const d = s.datasets.find((x) => x.label === dataset);
  if (!d) throw new Error(`no dataset ${dataset}`);
  return d.data[s.labels.indexOf(category)];
}
function tip(s: Series, dataset: string, category: string): string[] {
  return s.datasets.find((x) => x.label === dataset)!.tips[s.labels.indexOf(category)];
}

describe('html reporter over the multiarch run', () => {
  it('titles the page with the config name and the run id', () => {
    expect(page).toContain(
      `<title>lineinfo-bench: ${multiarch.config.name} (${multiarch.runId})</title>`,
    );
    expect(page).toContain(`<title>lineinfo-bench: multiarch (${RUNS.multiarch})</title>`);
    expect(page).toContain('<h1>lineinfo-bench: multiarch</h1>');
  });

  it('embeds the filters, the charts the run has data for, notes for the rest, and the data', () => {
    const { raw, payload } = embedded(page);
    expect(raw).not.toContain('<'); // escaped, so nothing in it can close the script
    expect(Object.keys(payload)).toEqual(['filters', 'charts', 'absent', 'data']);
    // one block size (64) and no latency in this run: three charts are a line each
    expect(Object.keys(payload.charts)).toEqual(['growth', 'formats', 'buckets', 'agreement']);
    expect(payload.absent).toEqual({
      sweep:
        'not measured: one block size per kernel (64); a curve needs two or more, as formats blocks:16, blocks:64, blocks:256.',
      latency:
        'not measured: the run config has no measure.latency (lineinfo-bench latency measures one kernel).',
      pareto: 'not measured: needs cold-cache latency (measure.latency in the run config).',
    });
    // a canvas for each chart drawn, a line for each other one
    expect(page.match(/<canvas id="[a-z]+"/g)).toEqual([
      '<canvas id="growth"',
      '<canvas id="formats"',
      '<canvas id="buckets"',
      '<canvas id="agreement"',
    ]);
    expect(page).toContain(
      '<li data-chart="pareto"><b>Size against cold p99: the Pareto frontier</b>: not measured: needs cold-cache latency (measure.latency in the run config).</li>',
    );
  });

  it('offers each arch, config, compiler, rule set and format of the run as a filter', () => {
    const { payload } = embedded(page);
    const ks = kernelFacts(multiarch);
    const tables = multiarch.kernels.flatMap((k) => k.measure.tables);
    expect(payload.filters).toEqual({
      arch: uniq(ks.map((k) => k.arch)),
      config: uniq(ks.map((k) => k.config)),
      compiler: uniq(ks.map((k) => k.compiler)),
      rules: uniq(tables.map((t) => t.rules)),
      format: uniq(tables.map((t) => t.format)),
    });
    expect(payload.filters.arch).toEqual([
      'x86_64',
      'i386',
      'arm64',
      'arm',
      'riscv64',
      'ppc64le',
      'ppc64',
      's390x',
      'm68k',
      'parisc',
      'mips',
      'sparc64',
    ]);
    expect(payload.filters.compiler).toEqual(['gcc', 'clang']);
    expect(payload.filters.format).toEqual([
      'flat',
      'blocks:64:sleb',
      'flagged:64',
      'mru-huffman:64',
      'special:16:paged',
    ]);
    // and the page's selects offer them, "all" first
    expect(selectOf(page, 'arch')).toMatch(
      /^<select name="arch" data-filter><option value="">all \(12\)<\/option><option value="x86_64">x86_64<\/option><option value="i386">i386<\/option><option value="arm64">arm64<\/option>/,
    );
    expect(selectOf(page, 'compiler')).toBe(
      '<select name="compiler" data-filter><option value="">all (2)</option><option value="gcc">gcc</option><option value="clang">clang</option></select>',
    );
    // rule sets with what they stand for, as the page's rules line says
    expect(selectOf(page, 'rules')).toBe(
      '<select name="rules" data-filter><option value="">all (3)</option><option value="newest">newest</option><option value="v1-v4">v1-v4</option><option value="symbolizer">symbolizer (ours, newest layouts)</option></select>',
    );
    expect(page).toContain('symbolizer: rules of ours, in the layouts of revision newest');
    expect(selectOf(page, 'base')).toBe(
      '<select name="base" data-filter><option value="loaded">loaded size</option><option value="image">boot image</option><option value="code">covered code</option></select>',
    );
    expect(payload.filters.config).toEqual([
      'tinyconfig-dwarf5',
      'debian-amd64',
      'debian-arm64',
      'defconfig-dwarf5',
    ]);
  });

  it("draws growth per arch: one bar per kernel, kernels of one arch together, run.json's growth", () => {
    const g = embedded(page).payload.charts.growth;
    const ks = byArch(multiarch);
    expect(g.labels).toEqual(ks.map((k) => k.id));
    for (const k of ks) {
      const kernel = multiarch.kernels.find((x) => x.id === k.id)!;
      // its own dataset has run.json's figure (the main rule set, newest), every other one nothing
      for (const d of g.datasets)
        expect(bar(g, d.label, k.id)).toBe(
          d.label === `${k.config} ${k.compiler}`
            ? comparedOf(kernel, 'newest').growth.loaded
            : null,
        );
    }
    // literal, read from run.json
    expect(bar(g, 'tinyconfig-dwarf5 gcc', 'x86_64-tinyconfig-gcc')).toBe(8.21);
    // the tooltip gives the exact bytes of the table and of the base
    expect(tip(g, 'tinyconfig-dwarf5 gcc', 'x86_64-tinyconfig-gcc')).toEqual([
      'x86_64: +8.21% of loaded size',
      `blocks:64:sleb table 537,111 bytes; loaded size ${commas(baseOf(multiarch, 'x86_64-tinyconfig-gcc', 'loaded'))} bytes`,
    ]);
    expect(g.caption).toBe(
      'newest rules, blocks:64:sleb: table bytes in percent of the loaded size, kernels of one arch together.',
    );
    expect(g.labels.slice(0, 5)).toEqual([
      'x86_64-tinyconfig-gcc',
      'x86_64-tinyconfig-clang',
      'amd64-debian-6.1',
      'x86_64-defconfig-gcc',
      'x86_64-defconfig-clang',
    ]);
    expect(g.datasets.map((d: { label: string }) => d.label)).toEqual([
      'tinyconfig-dwarf5 gcc',
      'tinyconfig-dwarf5 clang',
      'debian-amd64 gcc',
      'defconfig-dwarf5 gcc',
      'defconfig-dwarf5 clang',
      'debian-arm64 gcc',
    ]);
  });

  it('draws bytes per entry per format: the median over the kernels, one bar per rule set', () => {
    const f = embedded(page).payload.charts.formats;
    expect(f.labels).toEqual([
      'flat',
      'blocks:64:sleb',
      'flagged:64',
      'mru-huffman:64',
      'special:16:paged',
    ]);
    expect(f.datasets.map((d: { label: string }) => d.label)).toEqual([
      'newest',
      'v1-v4',
      'symbolizer',
    ]);
    for (const rules of ['newest', 'v1-v4', 'symbolizer'])
      for (const format of f.labels)
        expect(bar(f, rules, format)).toBeCloseTo(
          median(
            multiarch.kernels.map((k) => tableOf(multiarch, k.id, rules, format).bytesPerEntry),
          ),
          12,
        );
    expect(bar(f, 'newest', 'flat')).toBe(10);
    // 21 kernels: the tooltip names the median and both ends with their bytes
    const t = tip(f, 'newest', 'blocks:64:sleb');
    const all = multiarch.kernels
      .map((k) => ({ id: k.id, t: tableOf(multiarch, k.id, 'newest', 'blocks:64:sleb') }))
      .sort((a, b) => a.t.bytesPerEntry - b.t.bytesPerEntry);
    const lo = all[0];
    expect(t[1]).toBe(
      `lowest ${lo.id}: ${lo.t.bytesPerEntry.toFixed(3)} B/entry, ${commas(lo.t.total)} bytes, ${commas(lo.t.entries)} entries`,
    );
    expect(t[2]).toMatch(/^highest [\w.-]+: [\d.]+ B\/entry, [\d,]+ bytes, [\d,]+ entries$/);
    expect(t[0]).toBe('median of 21 kernels');
  });

  it("draws where the bytes go: each rule set and format's buckets summed over the kernels, every bar labelled", () => {
    const b = embedded(page).payload.charts.buckets;
    // one label per bar: 3 rule sets x 5 formats, where there were 315 bars before
    expect(b.labels).toHaveLength(15);
    expect(b.labels.slice(0, 2)).toEqual(['newest flat', 'newest blocks:64:sleb']);
    expect(b.datasets.map((d: { label: string }) => d.label)).toEqual([
      'counts',
      'index',
      'data',
      'file_offsets',
      'filenames',
      'padding',
    ]);
    for (const d of b.datasets)
      for (const [i, label] of b.labels.entries()) {
        const [rules, format] = label.split(' ');
        const sum = multiarch.kernels.reduce(
          (a, k) =>
            a +
            (tableOf(multiarch, k.id, rules, format).buckets as Record<string, number>)[d.label],
          0,
        );
        expect(d.data[i]).toBe(sum);
      }
    const total = multiarch.kernels.reduce(
      (a, k) => a + tableOf(multiarch, k.id, 'newest', 'blocks:64:sleb').total,
      0,
    );
    const index = bar(b, 'index', 'newest blocks:64:sleb') as number;
    expect(tip(b, 'index', 'newest blocks:64:sleb')).toEqual([
      `index: ${commas(index)} bytes (${((100 * index) / total).toFixed(1)}% of ${commas(total)})`,
      'summed over 21 kernels',
    ]);
  });

  it('draws agreement per rule set: lookups agreeing with each tool, pooled over the kernels', () => {
    const a = embedded(page).payload.charts.agreement;
    expect(a.labels).toEqual(['newest', 'v1-v4', 'symbolizer']);
    expect(a.datasets.map((d: { label: string }) => d.label)).toEqual([
      'addr2line',
      'llvm-symbolizer',
      'addr2line, as printed',
      'llvm-symbolizer, as printed',
    ]);
    const pooled = (rules: string, tool: string) => {
      const ts = multiarch.kernels.flatMap((k) =>
        k.measure
          .agreement!.results.filter((r) => r.rules === rules)
          .flatMap((r) => r.tools.filter((t) => t.tool === tool)),
      );
      return {
        agree: ts.reduce((s, t) => s + t.agree, 0),
        samples: ts.reduce((s, t) => s + t.samples, 0),
      };
    };
    for (const rules of a.labels)
      for (const tool of ['addr2line', 'llvm-symbolizer']) {
        const p = pooled(rules, tool);
        expect(bar(a, tool, rules)).toBeCloseTo((100 * p.agree) / p.samples, 12);
      }
    const p = pooled('v1-v4', 'addr2line');
    expect(tip(a, 'addr2line', 'v1-v4')[0]).toBe(
      `addr2line: ${commas(p.agree)} of ${commas(p.samples)} lookups agree (${((100 * p.agree) / p.samples).toFixed(2)}%)`,
    );
    expect(p.samples).toBe(21 * 2000);
  });

  it("adds what each upstream revision's kernel prints (newest and v1-v4), pooled over the multiarch kernels", () => {
    const a = embedded(page).payload.charts.agreement;
    const printed = (rules: string, tool: string) => {
      const ts = multiarch.kernels.flatMap((k) =>
        k.measure
          .agreement!.results.filter((r) => r.rules === rules)
          .flatMap((r) => r.printed?.tools.filter((t) => t.tool === tool) ?? []),
      );
      expect(ts).toHaveLength(multiarch.kernels.length);
      const sum = (f: (t: (typeof ts)[number]) => number) => ts.reduce((s, t) => s + f(t), 0);
      return {
        agree: sum((t) => t.agree),
        lost: sum((t) => t.lost),
        wrong: sum((t) => t.wrong),
        stale: sum((t) => t.stale),
        samples: sum((t) => t.samples),
      };
    };
    for (const rules of ['newest', 'v1-v4'])
      for (const tool of ['addr2line', 'llvm-symbolizer']) {
        const p = printed(rules, tool);
        expect(bar(a, `${tool}, as printed`, rules)).toBeCloseTo((100 * p.agree) / p.samples, 12);
        expect(tip(a, `${tool}, as printed`, rules)[0]).toBe(
          `${tool}, as printed: ${commas(p.agree)} of ${commas(p.samples)} addresses agree as printed (${((100 * p.agree) / p.samples).toFixed(2)}%); ${commas(p.lost)} lost, ${commas(p.wrong)} wrong${p.stale ? ` (${commas(p.stale)} stale)` : ''}`,
        );
        expect(p.samples).toBe(21 * 2000);
      }
    // v1-v4's kernels answer past _etext from stale entries; newest's never do
    expect(tip(a, 'llvm-symbolizer, as printed', 'v1-v4')[0]).toMatch(/ wrong \([\d,]+ stale\)$/);
    expect(tip(a, 'llvm-symbolizer, as printed', 'newest')[0]).toMatch(/ wrong$/);
    // our rule set's table answer is what it prints: no second bar
    expect(bar(a, 'addr2line, as printed', 'symbolizer')).toBeNull();
    expect(bar(a, 'llvm-symbolizer, as printed', 'symbolizer')).toBeNull();
  });

  it('draws only the table agreement for the older multiarch run, which has no printed agreement', () => {
    const a = embedded(html.render(checkedInRun('multiarchV1V4'))).payload.charts.agreement;
    expect(a.labels).toEqual(['v1-v4', 'symbolizer']);
    expect(a.datasets.map((d: { label: string }) => d.label)).toEqual([
      'addr2line',
      'llvm-symbolizer',
    ]);
    expect(a.caption).not.toContain('as printed');
  });

  it("adds, where the run has it, what each upstream revision's kernel prints (the default run)", () => {
    const a = embedded(html.render(defaults)).payload.charts.agreement;
    expect(a.labels).toEqual(['newest', 'v1-v4', 'symbolizer']);
    expect(a.datasets.map((d: { label: string }) => d.label)).toEqual([
      'addr2line',
      'llvm-symbolizer',
      'addr2line, as printed',
      'llvm-symbolizer, as printed',
    ]);
    const printed = (rules: string, tool: string) => {
      const ts = defaults.kernels.flatMap((k) =>
        k.measure
          .agreement!.results.filter((r) => r.rules === rules)
          .flatMap((r) => r.printed?.tools.filter((t) => t.tool === tool) ?? []),
      );
      const sum = (f: (t: (typeof ts)[number]) => number) => ts.reduce((s, t) => s + f(t), 0);
      return {
        agree: sum((t) => t.agree),
        lost: sum((t) => t.lost),
        wrong: sum((t) => t.wrong),
        stale: sum((t) => t.stale),
        samples: sum((t) => t.samples),
      };
    };
    for (const rules of ['newest', 'v1-v4'])
      for (const tool of ['addr2line', 'llvm-symbolizer']) {
        const p = printed(rules, tool);
        expect(p.samples).toBe(2 * 10000);
        expect(bar(a, `${tool}, as printed`, rules)).toBeCloseTo((100 * p.agree) / p.samples, 12);
        expect(tip(a, `${tool}, as printed`, rules)[0]).toBe(
          `${tool}, as printed: ${commas(p.agree)} of 20,000 addresses agree as printed (${((100 * p.agree) / p.samples).toFixed(2)}%); ${commas(p.lost)} lost, ${commas(p.wrong)} wrong${p.stale ? ` (${commas(p.stale)} stale)` : ''}`,
        );
      }
    expect(tip(a, 'llvm-symbolizer, as printed', 'v1-v4')[0]).toMatch(/ wrong \([\d,]+ stale\)$/);
    // our rule set's table answer is what it prints: no second bar
    expect(bar(a, 'addr2line, as printed', 'symbolizer')).toBeNull();
    expect(a.caption).toContain("'as printed': what each upstream revision's kernel would print");
  });

  it('narrows every chart to the filter: arch=arm64 leaves the arm64 kernels', () => {
    const { data } = embedded(page).payload;
    const f = { ...allFilter(data), arch: 'arm64' };
    const s = chartSeries(data, f);
    const arm64 = kernelFacts(multiarch)
      .filter((k) => k.arch === 'arm64')
      .map((k) => k.id);
    expect(s.growth.labels).toEqual(arm64);
    expect(s.formats.caption).toContain(`the median over ${arm64.length} kernels`);
    for (const rules of ['newest', 'v1-v4'])
      expect(bar(s.formats as Series, rules, 'mru-huffman:64')).toBeCloseTo(
        median(arm64.map((id) => tableOf(multiarch, id, rules, 'mru-huffman:64').bytesPerEntry)),
        12,
      );
    // format and rules narrow too; agreement does not depend on the format
    const one = chartSeries(data, { ...f, rules: 'symbolizer', format: 'mru-huffman:64' });
    expect(one.formats.labels).toEqual(['mru-huffman:64']);
    expect(one.buckets.labels).toEqual(['mru-huffman:64']);
    expect(one.growth.caption).toMatch(/^symbolizer rules, mru-huffman:64:/);
    expect(one.agreement.labels).toEqual(['symbolizer']);
    // a filter nothing matches leaves no data, which the page says
    const none = chartSeries(data, { ...f, config: 'debian-amd64' });
    expect(hasData(none.growth)).toBe(false);
    expect(arm64).toEqual([
      'arm64-tinyconfig-gcc',
      'arm64-tinyconfig-clang',
      'arm64-debian-6.1',
      'arm64-defconfig-gcc',
      'arm64-defconfig-clang',
    ]);
  });

  it('lists every kernel and rule set in the summary table', () => {
    const rows = tableRows(page, 'summary');
    expect(rows).toHaveLength(multiarch.kernels.reduce((a, k) => a + rulesOf(k).length, 0));
    // literal, read from run.json
    expect(rows).toContain(
      '<tr><td>x86_64-tinyconfig-gcc</td><td>x86_64</td><td>newest</td><td>141,514</td><td>802</td><td>1,437,147</td><td>blocks:64:sleb</td><td>537,111</td><td>3.640</td><td>2.68x</td><td>8.21%</td><td>44.97% bzImage</td><td>25.56%</td></tr>',
    );
    expect(rows).toContain(
      '<tr><td>m68k-tinyconfig-gcc</td><td>m68k</td><td>newest</td><td>101,085</td><td>555</td><td>1,025,168</td><td>blocks:64:sleb</td><td>379,868</td><td>3.616</td><td>2.70x</td><td>43.64%</td><td>48.80% vmlinux.gz</td><td>53.84%</td></tr>',
    );
    expect(page).toContain(
      '<th>growth loaded size</th><th>growth boot image</th><th>growth covered code</th></tr></thead>',
    );
    // the growth chart's base picker says the same
    expect(page).toContain('<option value="loaded">loaded size</option>');
  });

  it("sums the Debian kernels' modules in their own table", () => {
    const withModules = multiarch.kernels.filter((k) => k.modules);
    const rows = tableRows(page, 'modules');
    expect(rows.map((r) => /<td>([^<]*)<\/td>/.exec(r)![1])).toEqual(withModules.map((k) => k.id));
    const s = withModules[0].modules!.summary;
    const q = quotedModulesOf(withModules[0]);
    expect(rows[0]).toBe(
      `<tr><td>amd64-debian-6.1</td><td>${commas(s.modules)}</td>` +
        `<td>${commas(s.totals.upstream.entries)} / ${commas(s.totals.full.entries)}</td>` +
        `<td>${commas(q.upstreamBytes)} / ${commas(q.fullBytes)}</td>` +
        `<td>${pct2(q.percentOfVmlinux)}</td><td>${pct2(q.growthAlloc)}</td><td>${pct2(q.growthText)}</td>` +
        `<td>${commas(s.differ.count)}</td></tr>`,
    );
    // literal, read from run.json: module-v6:64:sleb against vmlinux's blocks:64:sleb (4,579,222 bytes)
    expect(rows[0]).toBe(
      '<tr><td>amd64-debian-6.1</td><td>4,023</td><td>2,304,538 / 6,551,187</td><td>11,981,705 / 28,978,845</td><td>632.83%</td><td>19.33%</td><td>45.49%</td><td>700</td></tr>',
    );
    // what the generator emits is given beside it
    expect(page).toContain(
      "As emitted (module-newest, fully relocated, against vmlinux's flat table): amd64-debian-6.1 71,441,206 bytes, 589.41%; arm64-debian-6.1 76,007,455 bytes, 513.86%.",
    );
  });

  it('is self-contained: Chart.js inlined, nothing fetched', () => {
    expect(page).not.toMatch(/<script[^>]*\ssrc=/);
    expect(page).not.toMatch(/<link\b/);
    expect(page).toMatch(/Chart\.js v\d/);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('lists every table measured, one row each, for the format filter to narrow', () => {
    const rows = tableRows(page, 'tables');
    expect(page).toContain(
      '<tr data-kernel="x86_64-tinyconfig-gcc" data-rules="newest" data-format="mru-huffman:64"><td>x86_64-tinyconfig-gcc</td><td>x86_64</td><td>newest</td><td>mru-huffman:64</td>',
    );
    expect(rows).toHaveLength(21 * 3 * 5);
  });

  it('draws latency and the Pareto frontier for the default run, each point named by its format', () => {
    const { payload } = embedded(html.render(defaults));
    expect(Object.keys(payload.charts)).toEqual([
      'growth',
      'formats',
      'buckets',
      'agreement',
      'latency',
      'pareto',
    ]);
    // blocks:64:zigzag and blocks:64:sleb are one block size: no curve
    expect(Object.keys(payload.absent)).toEqual(['sweep']);
    const lat = payload.charts.latency;
    expect(lat.labels).toEqual([
      'flat',
      'blocks:64:zigzag',
      'blocks:64:sleb',
      'mru-huffman:64',
      'special:16:paged',
    ]);
    expect(lat.datasets.map((d: { label: string }) => d.label)).toEqual([
      'warm uniform p99',
      'cold uniform p99',
      'warm block-end p99',
      'cold block-end p99',
    ]);
    for (const format of lat.labels) {
      const p99 = defaults.kernels.map(
        (k) =>
          k.latency!.runs.find(
            (r) => r.format === format && r.set === 'uniform' && r.mode === 'cold',
          )!.stats.p99,
      );
      expect(bar(lat, 'cold uniform p99', format)).toBe(median(p99));
    }
    // latency is measured on the main rule set's tables: the run's first, newest
    const rules = mainRules(defaults.config);
    expect(rules).toBe('newest');
    for (const k of defaults.kernels) expect(k.latency!.entries).toBe(comparedOf(k, rules).entries);
    const par = payload.charts.pareto;
    expect(par.datasets.map((d: { label: string }) => d.label)).toEqual(
      defaults.kernels.flatMap((k) =>
        paretoFrontierOf(defaults, k.id).length > 1 ? [k.id, `${k.id} frontier`] : [k.id],
      ),
    );
    for (const d of par.datasets.filter((x: { label: string }) => !x.label.endsWith('frontier'))) {
      const k = defaults.kernels.find((x) => x.id === d.label)!;
      expect(d.data.map((p: { label: string }) => p.label).sort()).toEqual(
        k
          .latency!.runs.filter((r) => r.set === 'uniform' && r.mode === 'cold')
          .map((r) => r.format)
          .sort(),
      );
      for (const p of d.data) {
        const t = tableOf(defaults, k.id, rules, p.label);
        const r = k.latency!.runs.find(
          (x) => x.format === p.label && x.set === 'uniform' && x.mode === 'cold',
        )!;
        expect(p).toEqual({ x: t.bytesPerEntry, y: r.stats.p99, label: p.label });
      }
    }
    // the frontier: points no other point is both smaller and faster than (cold p99, uniform),
    // compared by size and latency (two formats may share both: blocks:64:sleb and :zigzag)
    const front = (k: string) =>
      par.datasets
        .find((d: { label: string }) => d.label === `${k} frontier`)
        .data.map((p: { x: number; y: number }) => [p.x, p.y]);
    const at = (k: KernelResult, format: string) => [
      tableOf(defaults, k.id, rules, format).bytesPerEntry,
      k.latency!.runs.find((x) => x.format === format && x.set === 'uniform' && x.mode === 'cold')!
        .stats.p99,
    ];
    for (const k of defaults.kernels) {
      expect(front(k.id)).toEqual(paretoFrontierOf(defaults, k.id).map((f) => at(k, f)));
      // the smallest table is always on it
      expect(paretoFrontierOf(defaults, k.id)[0]).toBe('mru-huffman:64');
      expect(front(k.id)[0]).toEqual(at(k, 'mru-huffman:64'));
    }
    const t = tableOf(defaults, 'amd64-cloud-6.1', rules, 'mru-huffman:64');
    const d0 = par.datasets[0];
    expect(
      d0.tips[d0.data.findIndex((p: { label: string }) => p.label === 'mru-huffman:64')],
    ).toEqual([
      'amd64-cloud-6.1 mru-huffman:64 (on the frontier)',
      `${t.bytesPerEntry.toFixed(3)} B/entry, ${commas(t.total)} bytes`,
      expect.stringMatching(/^cold p99 [\d,]+ ns$/),
    ]);
    // latency pairs with the main rule set's tables: another rule set says so
    for (const other of defaults.config.rules.slice(1)) {
      const sym = chartSeries(payload.data, { ...allFilter(payload.data), rules: other });
      expect(hasData(sym.pareto)).toBe(false);
      expect(sym.pareto.empty).toBe(`Latency was measured on the ${rules} tables only.`);
    }
  });

  it('draws the block-size curve when a run has two block sizes or more, each point named by its format', () => {
    const swept: RunResult = structuredClone(defaults);
    for (const k of swept.kernels) {
      const extra = k.measure.tables
        .filter((t) => t.format === 'blocks:64:sleb')
        .flatMap((t) => [
          { ...t, format: 'blocks:16:sleb', bytesPerEntry: t.bytesPerEntry + 0.5 },
          { ...t, format: 'blocks:256:sleb', bytesPerEntry: t.bytesPerEntry - 0.25 },
        ]);
      k.measure.tables.push(...extra);
    }
    const { payload } = embedded(html.render(swept));
    expect(payload.absent.sweep).toBeUndefined();
    const sweep = payload.charts.sweep;
    // one curve per kernel and rule set, in run order
    expect(sweep.datasets.map((d: { label: string }) => d.label)).toEqual(
      defaults.kernels.flatMap((k) => rulesOf(k).map((r) => `${k.id} ${r}`)),
    );
    const rules = mainRules(defaults.config);
    const t64 = tableOf(defaults, 'arm64-tinyconfig', rules, 'blocks:64:sleb');
    const z64 = tableOf(defaults, 'arm64-tinyconfig', rules, 'blocks:64:zigzag');
    const arm = sweep.datasets.find(
      (d: { label: string }) => d.label === `arm64-tinyconfig ${rules}`,
    );
    expect(arm.data).toEqual([
      { x: 16, y: t64.bytesPerEntry + 0.5, label: 'blocks:16:sleb' },
      { x: 64, y: z64.bytesPerEntry, label: 'blocks:64:zigzag' },
      { x: 64, y: t64.bytesPerEntry, label: 'blocks:64:sleb' },
      { x: 256, y: t64.bytesPerEntry - 0.25, label: 'blocks:256:sleb' },
    ]);
    expect(arm.tips[0]).toEqual([
      `arm64-tinyconfig ${rules} blocks:16:sleb: ${(t64.bytesPerEntry + 0.5).toFixed(3)} B/entry`,
      `${commas(t64.total)} bytes, ${commas(t64.entries)} entries`,
    ]);
  });

  it('renders any run: without agreement, latency or a boot image, each chart it lacks is a line', () => {
    const bare: RunResult = structuredClone(multiarch);
    bare.config.measure.agreement = 0;
    bare.kernels = bare.kernels.slice(0, 1).map((k) => {
      const { agreement: _a, ...measure } = k.measure;
      return {
        ...k,
        measure: { ...measure, bases: measure.bases.filter((b) => b.id === 'loaded') },
      };
    });
    const { payload } = embedded(html.render(bare));
    expect(Object.keys(payload.charts)).toEqual(['growth', 'formats', 'buckets']);
    expect(payload.absent.agreement).toBe(
      'not measured: the run config has measure.agreement = 0.',
    );
    expect(payload.filters.arch).toEqual(['x86_64']);
  });

  it('matches report/multiarch/multiarch.html (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', html.extension, page);
  });
});
