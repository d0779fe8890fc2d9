import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import type { RunResult } from '../../src/results/schema.js';
import {
  checkedInRun,
  commas,
  comparedOf,
  noteCheckedInDifference,
  pct2,
  rulesOf,
} from './runs.js';

const html = reporter('html')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
const page = html.render(multiarch);

/** The run's numbers as html.ts embeds them for its charts: a JSON script element, parsed back. */
function embedded(text: string) {
  const m = /<script id="run-data" type="application\/json">([\s\S]*?)<\/script>/.exec(text);
  if (!m) throw new Error('no run-data script');
  return { raw: m[1], data: JSON.parse(m[1]) };
}

/** The <tr> rows of a table's body, by the table's id. */
function tableRows(text: string, id: string): string[] {
  const at = text.indexOf(`<table id="${id}">`);
  if (at < 0) throw new Error(`no table ${id}`);
  const body = text.slice(at, text.indexOf('</table>', at));
  return body.match(/^<tr><td>.*<\/tr>$/gm) ?? [];
}

/** What the charts should draw, from run.json. */
function expectedData(run: RunResult) {
  const rules = run.config.rules[0];
  return {
    sizes: run.kernels.flatMap((k) =>
      k.measure.tables.map((t) => ({
        label: `${k.id} ${t.rules} ${t.format}`,
        buckets: t.buckets,
      })),
    ),
    growth: run.kernels.map((k) => ({
      label: `${k.measure.kernel.metadata.arch} ${k.id}`,
      growth: comparedOf(k, rules).growth,
    })),
    bases: [...new Set(run.kernels.flatMap((k) => k.measure.bases.map((b) => b.id)))],
    agreement: run.kernels.flatMap((k) =>
      (k.measure.agreement?.results ?? []).flatMap((r) =>
        r.tools.map((t) => ({ label: `${k.id} ${r.rules}`, tool: t.tool, percent: t.percent })),
      ),
    ),
    latency: run.kernels.flatMap((k) =>
      (k.latency?.runs ?? []).map((r) => ({
        kernel: k.id,
        format: r.format,
        set: r.set,
        mode: r.mode,
        p50: r.stats.p50,
        p90: r.stats.p90,
        p99: r.stats.p99,
        engine: r.engine,
      })),
    ),
  };
}

describe('html reporter over the multiarch run', () => {
  it('titles the page with the config name and the run id', () => {
    expect(page).toContain(
      `<title>lineinfo-bench: ${multiarch.config.name} (${multiarch.runId})</title>`,
    );
    expect(page).toContain(
      '<title>lineinfo-bench: multiarch (2026-11-25T16-41-21Z-multiarch)</title>',
    );
    expect(page).toContain('<h1>lineinfo-bench: multiarch</h1>');
  });

  it("embeds the run's numbers as JSON that parses back to run.json's figures", () => {
    const { raw, data } = embedded(page);
    expect(raw).not.toContain('<'); // escaped, so nothing in it can close the script
    expect(Object.keys(data)).toEqual([
      'sizes',
      'growth',
      'bases',
      'sweep',
      'latency',
      'pareto',
      'agreement',
    ]);
    const want = expectedData(multiarch);
    expect(data.sizes).toEqual(want.sizes);
    expect(data.sizes).toHaveLength(210);
    expect(data.growth).toEqual(want.growth);
    // the image differs per kernel (bzImage, Image, zImage...): its cells name it
    expect(data.bases).toEqual([
      { id: 'loaded', heading: 'loaded size' },
      { id: 'image', heading: 'boot image' },
      { id: 'code', heading: 'covered code' },
    ]);
    expect(data.agreement).toEqual(want.agreement);
    // one block size (64) and no latency in this run: those charts say so instead
    expect(data.sweep).toEqual([]);
    expect(data.latency).toEqual([]);
    expect(data.pareto).toEqual([]);
  });

  it('embeds literal figures of x86_64 defconfig (gcc) as measured', () => {
    const { data } = embedded(page);
    expect(data.growth).toContainEqual({
      label: 'x86_64 x86_64-defconfig-gcc',
      growth: { loaded: 16.72, image: 29.11, code: 16.78 },
    });
    expect(data.sizes).toContainEqual({
      label: 'x86_64-defconfig-gcc v1-v4 blocks:64:sleb',
      buckets: {
        counts: 20,
        index: 213720,
        data: 6165966,
        file_offsets: 16640,
        filenames: 110039,
        padding: 2,
      },
    });
    expect(data.agreement).toContainEqual({
      label: 'x86_64-defconfig-gcc v1-v4',
      tool: 'addr2line',
      percent: 74.75,
    });
  });

  it('lists every kernel and rule set in the summary table', () => {
    const rows = tableRows(page, 'summary');
    expect(rows).toHaveLength(multiarch.kernels.reduce((a, k) => a + rulesOf(k).length, 0));
    expect(rows).toContain(
      '<tr><td>x86_64-defconfig-gcc</td><td>x86_64</td><td>v1-v4</td><td>1,709,750</td><td>4,160</td><td>17,224,191</td><td>blocks:64:sleb</td><td>6,506,387</td><td>3.731</td><td>2.65x</td><td>16.72%</td><td>29.11% bzImage</td><td>16.78%</td></tr>',
    );
    expect(rows).toContain(
      '<tr><td>m68k-tinyconfig-gcc</td><td>m68k</td><td>v1-v4</td><td>105,581</td><td>571</td><td>1,070,563</td><td>blocks:64:sleb</td><td>396,271</td><td>3.613</td><td>2.70x</td><td>45.53%</td><td>50.81% vmlinux.gz</td><td>45.99%</td></tr>',
    );
    expect(page).toContain(
      '<th>growth loaded size</th><th>growth boot image</th><th>growth covered code</th></tr></thead>',
    );
    // the chart's legend says the same
    expect(page).toContain("label: '% of ' + b.heading");
  });

  it("sums the Debian kernels' modules in their own table", () => {
    const withModules = multiarch.kernels.filter((k) => k.modules);
    const rows = tableRows(page, 'modules');
    expect(rows.map((r) => /<td>([^<]*)<\/td>/.exec(r)![1])).toEqual(withModules.map((k) => k.id));
    const m = withModules[0].modules!;
    const s = m.summary;
    const f = m.mainFormat;
    expect(rows[0]).toBe(
      `<tr><td>amd64-debian-6.1</td><td>${commas(s.modules)}</td>` +
        `<td>${commas(s.totals.upstream.entries)} / ${commas(s.totals.full.entries)}</td>` +
        `<td>${commas(s.totals.upstream.bytes[f])} / ${commas(s.totals.full.bytes[f])}</td>` +
        `<td>${pct2(m.vmlinux!.modulesPercent)}</td><td>${pct2(s.growth.alloc)}</td><td>${pct2(s.growth.text)}</td>` +
        `<td>${commas(s.differ.count)}</td></tr>`,
    );
    expect(rows[0]).toBe(
      '<tr><td>amd64-debian-6.1</td><td>4,023</td><td>2,118,773 / 6,498,097</td><td>9,581,469 / 24,633,573</td><td>518.65%</td><td>16.43%</td><td>38.67%</td><td>3,764</td></tr>',
    );
  });

  it('is self-contained: Chart.js inlined, nothing fetched', () => {
    expect(page).not.toMatch(/<script[^>]*\ssrc=/);
    expect(page).not.toMatch(/<link\b/);
    expect(page).toMatch(/Chart\.js v\d/);
    // one canvas per chart the script draws
    expect(page.match(/<canvas id="/g)).toHaveLength(page.match(/^draw\('/gm)!.length);
  });

  it('embeds latency, sweep and the Pareto frontier for the default run, which measured latency', () => {
    const { data } = embedded(html.render(defaults));
    const want = expectedData(defaults);
    expect(data.latency).toEqual(want.latency);
    expect(data.latency).toHaveLength(2 * 5 * 2 * 2); // kernels x formats x sets x modes
    expect(data.growth).toEqual(want.growth);
    expect(data.growth[1]).toEqual({ label: 'arm64 arm64-tinyconfig', growth: { loaded: 32.46 } });
    // blocks:64:zigzag and blocks:64:sleb are one block size: no sweep
    expect(data.sweep).toEqual([]);
    // the frontier: points no other point is both smaller and faster than (cold p99, uniform)
    for (const p of data.pareto) {
      const k = defaults.kernels.find((x) => x.id === p.kernel)!;
      const t = k.measure.tables.find((x) => x.rules === 'v1-v4' && x.format === p.format)!;
      const r = k.latency!.runs.find(
        (x) => x.format === p.format && x.set === 'uniform' && x.mode === 'cold',
      )!;
      expect(p.bytesPerEntry).toBe(t.bytesPerEntry);
      expect(p.coldP99).toBe(r.stats.p99);
    }
    const front = (kernel: string) =>
      data.pareto
        .filter((p: { kernel: string; frontier: boolean }) => p.kernel === kernel && p.frontier)
        .map((p: { format: string }) => p.format);
    expect(front('amd64-cloud-6.1')).toEqual([
      'mru-huffman:64',
      'blocks:64:zigzag',
      'special:16:paged',
    ]);
    expect(front('arm64-tinyconfig')).toEqual(['mru-huffman:64', 'special:16:paged']);
  });

  it('matches report/multiarch/multiarch.html (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', html.extension, page);
  });
});
