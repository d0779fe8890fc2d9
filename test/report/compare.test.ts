import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { renderCompareHtml } from '../../src/report/compare-html.js';
import { renderCompareMarkdown } from '../../src/report/compare-markdown.js';
import { compare } from '../../src/report/compare-model.js';
import { renderCompareTerminal } from '../../src/report/compare-terminal.js';
import { renderCompareText } from '../../src/report/compare-text.js';
import type { RunResult } from '../../src/results/schema.js';
import { baseOf, checkedInRun, commas, kernelOf, tableOf } from './runs.js';

const multiarch = checkedInRun('multiarch');
/** The older multiarch run: v1-v4 and symbolizer only, no newest. */
const multiarchV1V4 = checkedInRun('multiarchV1V4');
const fallback = checkedInRun('default');
/** The older run of the main job, whose arm64 tinyconfig has no boot image. */
const defaultV1V4 = checkedInRun('defaultV1V4');

/** Two rule sets of the multiarch run in blocks of 64, table bytes, from run.json. */
const ruleRows = multiarch.kernels.map((k) => {
  const before = tableOf(multiarch, k.id, 'v1-v4', 'blocks:64:sleb').total;
  const after = tableOf(multiarch, k.id, 'symbolizer', 'blocks:64:sleb').total;
  return { kernel: k.id, before, after, delta: after - before };
});
const byDelta = [...ruleRows].sort((a, b) => b.delta - a.delta);
const ruleTotal = {
  before: ruleRows.reduce((s, r) => s + r.before, 0),
  after: ruleRows.reduce((s, r) => s + r.after, 0),
};
/** The largest delta either way, which every bar is scaled to. */
const largest = Math.max(...ruleRows.map((r) => Math.abs(r.delta)));
const signed = (v: number) => (v < 0 ? `-${commas(-v)}` : `+${commas(v)}`);
const pctOf = (delta: number, before: number) =>
  `${delta < 0 ? '' : '+'}${((100 * delta) / before).toFixed(2)}%`;

describe('compare: two rule sets of one run', () => {
  const c = compare(
    { run: multiarch, rules: 'v1-v4' },
    { run: multiarch, rules: 'symbolizer' },
    'bytes',
  );

  it("takes each rule set's upstream table (blocks of 64) and names only what differs", () => {
    expect(c.beforeLabel).toBe('v1-v4');
    expect(c.afterLabel).toBe('symbolizer');
    expect(c.common).toBe(`run ${multiarch.runId}, format blocks:64:sleb`);
  });

  it('gives before, after, delta and percent per kernel, sorted by delta, largest growth first', () => {
    expect(c.rows.map((r) => r.kernel)).toEqual(byDelta.map((r) => r.kernel));
    expect(c.rows[0]).toMatchObject(byDelta[0]);
    expect(c.rows[0].percent).toBeCloseTo((100 * byDelta[0].delta) / byDelta[0].before, 10);
    // from run.json: a clang kernel grows most, a gcc kernel saves most
    const compiler = (id: string) => kernelOf(multiarch, id).measure.kernel.metadata.compiler;
    expect(compiler(c.rows[0].kernel)).toBe('clang');
    expect(compiler(c.rows.at(-1)!.kernel)).toBe('gcc');
    // literal, read from run.json: x86_64 tinyconfig (gcc) saves under symbolizer
    expect(c.rows.find((r) => r.kernel === 'x86_64-tinyconfig-gcc')).toMatchObject({
      before: 581_354,
      after: 548_870,
      delta: -32_484,
    });
  });

  it('ends with the sum over all kernels', () => {
    const { before, after } = ruleTotal;
    expect(c.total).toMatchObject({ kernels: 21, before, after, delta: after - before });
  });

  it('renders for the terminal with the figures, a bar per kernel and the total row', () => {
    const t = renderCompareTerminal(c);
    const lines = t.split('\n');
    expect(lines[0]).toBe(
      `table bytes: v1-v4 -> symbolizer (run ${multiarch.runId}, format blocks:64:sleb)`,
    );
    const top = byDelta[0];
    const first = lines.find((l) => l.startsWith(`${top.kernel} `))!;
    expect(first.split(/\s+/)).toEqual([
      top.kernel,
      commas(top.before),
      commas(top.after),
      signed(top.delta),
      pctOf(top.delta, top.before),
      `+${'█'.repeat(Math.round((16 * top.delta) / largest))}`,
    ]);
    // literal, read from run.json
    expect(lines.find((l) => l.startsWith('x86_64-tinyconfig-gcc '))!.split(/\s+/)).toEqual([
      'x86_64-tinyconfig-gcc',
      '581,354',
      '548,870',
      '-32,484',
      '-5.59%',
      expect.stringMatching(/^-█+$/),
    ]);
    const total = lines.find((l) => l.startsWith('total'))!;
    const delta = ruleTotal.after - ruleTotal.before;
    expect(total.split(/\s+/)).toEqual([
      'total',
      commas(ruleTotal.before),
      commas(ruleTotal.after),
      signed(delta),
      pctOf(delta, ruleTotal.before),
    ]);
    // the total comes after every kernel
    for (const r of ruleRows)
      expect(lines.indexOf(total)).toBeGreaterThan(
        lines.findIndex((l) => l.startsWith(`${r.kernel} `)),
      );
  });
});

describe('compare: two formats of one run, bytes per entry', () => {
  const c = compare(
    { run: multiarch, rules: 'v1-v4', format: 'blocks:64:sleb' },
    { run: multiarch, rules: 'v1-v4', format: 'mru-huffman:64' },
    'bpe',
  );

  it('weighs the total by entries: all bytes over all entries, not a mean of the rows', () => {
    let bytesB = 0;
    let bytesA = 0;
    let entries = 0;
    for (const k of multiarch.kernels) {
      const b = tableOf(multiarch, k.id, 'v1-v4', 'blocks:64:sleb');
      const a = tableOf(multiarch, k.id, 'v1-v4', 'mru-huffman:64');
      bytesB += b.bytesPerEntry * b.entries;
      bytesA += a.bytesPerEntry * a.entries;
      entries += b.entries;
    }
    expect(c.total!.before).toBeCloseTo(bytesB / entries, 9);
    expect(c.total!.after).toBeCloseTo(bytesA / entries, 9);
    // every format saves: mru-huffman:64 below blocks:64:sleb in total
    expect(c.total!.after).toBeLessThan(c.total!.before);
  });

  it('renders mail text of at most 72 columns, headed by the two formats', () => {
    const text = renderCompareText(c);
    const lines = text.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(72);
    expect(text).toMatch(/^[\x20-\x7e\n]*$/); // plain ASCII
    const head = lines.find((l) => l.startsWith('kernel'))!;
    expect(head.split(/\s+/)).toEqual([
      'kernel',
      'blocks:64:sleb',
      'mru-huffman:64',
      'delta',
      'percent',
    ]);
    // sorted by delta, largest first: every format saves, the first row least
    const least = c.rows[0].kernel;
    const x86 = tableOf(multiarch, least, 'v1-v4', 'blocks:64:sleb');
    const x86m = tableOf(multiarch, least, 'v1-v4', 'mru-huffman:64');
    expect(lines[lines.indexOf(head) + 2].split(/\s+/)).toEqual([
      least,
      x86.bytesPerEntry.toFixed(3),
      x86m.bytesPerEntry.toFixed(3),
      (x86m.bytesPerEntry - x86.bytesPerEntry).toFixed(3),
      `${((100 * (x86m.bytesPerEntry - x86.bytesPerEntry)) / x86.bytesPerEntry).toFixed(2)}%`,
    ]);
    for (const r of c.rows) expect(r.delta).toBeLessThan(0);
    // literal, read from run.json
    expect(lines.find((l) => l.startsWith('x86_64-tinyconfig-gcc '))!.split(/\s+/)).toEqual([
      'x86_64-tinyconfig-gcc',
      '3.634',
      '1.811',
      '-1.823',
      '-50.16%',
    ]);
    const { before, after } = c.total!;
    expect(lines.find((l) => l.startsWith('total'))!.split(/\s+/)).toEqual([
      'total',
      before.toFixed(3),
      after.toFixed(3),
      (after - before).toFixed(3),
      `${((100 * (after - before)) / before).toFixed(2)}%`,
    ]);
    expect(text).toContain(
      "Total: all the kernels' bytes over all their entries, not a mean of the\nrows.",
    );
  });

  it('renders Markdown with right-aligned figures and the total row in bold', () => {
    const md = renderCompareMarkdown(c).split('\n');
    expect(md).toContain('| kernel | blocks:64:sleb | mru-huffman:64 | delta | percent |');
    expect(md).toContain('| --- | ---: | ---: | ---: | ---: |');
    const { before, after } = c.total!;
    expect(md).toContain(
      `| **total** | **${before.toFixed(3)}** | **${after.toFixed(3)}** | **${(after - before).toFixed(3)}** | **${((100 * (after - before)) / before).toFixed(2)}%** |`,
    );
    expect(md).toContain('| x86_64-tinyconfig-gcc | 3.634 | 1.811 | -1.823 | -50.16% |');
    expect(md.findIndex((l) => l.includes('**total**'))).toBe(
      md.findIndex((l) => l.startsWith(`| ${c.rows[0].kernel} `)) + multiarch.kernels.length,
    );
  });
});

describe('compare: two runs', () => {
  // the default run measured again: one kernel's table grew by 1,000 bytes, the other is gone
  const again: RunResult = structuredClone(fallback);
  again.runId = '2026-11-26T00-00-00Z-default';
  const cloud = again.kernels.find((k) => k.id === 'amd64-cloud-6.1')!;
  const grown = cloud.measure.tables.find(
    (t) => t.rules === 'v1-v4' && t.format === 'blocks:64:sleb',
  )!;
  grown.total += 1000;
  again.kernels = [cloud];
  const c = compare({ run: fallback, rules: 'v1-v4' }, { run: again, rules: 'v1-v4' }, 'bytes');
  const before = tableOf(fallback, 'amd64-cloud-6.1', 'v1-v4', 'blocks:64:sleb').total;

  it('matches kernels by id; one measured on one side only comes last, outside the total', () => {
    expect(c.rows.map((r) => [r.kernel, r.before, r.after, r.delta])).toEqual([
      ['amd64-cloud-6.1', before, before + 1000, 1000],
      [
        'arm64-tinyconfig',
        tableOf(fallback, 'arm64-tinyconfig', 'v1-v4', 'blocks:64:sleb').total,
        undefined,
        undefined,
      ],
    ]);
    expect(c.total).toMatchObject({ kernels: 1, before, after: before + 1000, delta: 1000 });
  });

  it('heads the columns with the run ids, or before/after where those do not fit 72 columns', () => {
    expect(c.beforeLabel).toBe(fallback.runId);
    const md = renderCompareMarkdown(c);
    expect(md).toContain(`| kernel | ${fallback.runId} | ${again.runId} | delta | percent |`);
    const text = renderCompareText(c).split('\n');
    expect(text.find((l) => l.startsWith('kernel'))!.split(/\s+/)).toEqual([
      'kernel',
      'before',
      'after',
      'delta',
      'percent',
    ]);
    expect(text).toContain(`before: ${fallback.runId}`);
    expect(text).toContain(`after:  ${again.runId}`);
    expect(text.find((l) => l.startsWith('total'))!.split(/\s+/)).toEqual([
      'total',
      '(1',
      'of',
      '2)',
      commas(before),
      commas(before + 1000),
      '+1,000',
      `+${((100 * 1000) / before).toFixed(2)}%`,
    ]);
    expect(text.find((l) => l.startsWith('arm64-tinyconfig'))!.split(/\s+/)).toEqual([
      'arm64-tinyconfig',
      commas(tableOf(fallback, 'arm64-tinyconfig', 'v1-v4', 'blocks:64:sleb').total),
      '-',
      '-',
      '-',
    ]);
    expect(text).toContain('Kernels measured on one side only are listed last, outside the total.');
  });
});

describe('compare: growth of a base', () => {
  const c = compare(
    { run: fallback, rules: 'v1-v4', format: 'blocks:64:sleb' },
    { run: fallback, rules: 'v1-v4', format: 'mru-huffman:64' },
    'growth.loaded',
  );

  it('takes the percent of the base per kernel; the total is all table bytes over all bases', () => {
    const g = (id: string, f: string) => tableOf(fallback, id, 'v1-v4', f).growth.loaded;
    const ids = ['amd64-cloud-6.1', 'arm64-tinyconfig'];
    const weighted = (f: string) =>
      ids.reduce((s, id) => s + g(id, f) * baseOf(fallback, id, 'loaded'), 0) /
      ids.reduce((s, id) => s + baseOf(fallback, id, 'loaded'), 0);
    expect(c.metricLabel).toBe('growth of the loaded size');
    expect(c.total!.before).toBeCloseTo(weighted('blocks:64:sleb'), 9);
    expect(c.total!.after).toBeCloseTo(weighted('mru-huffman:64'), 9);
    const text = renderCompareText(c);
    const cloud = text.split('\n').find((l) => l.startsWith('amd64-cloud-6.1'))!;
    const b = g('amd64-cloud-6.1', 'blocks:64:sleb');
    const a = g('amd64-cloud-6.1', 'mru-huffman:64');
    expect(cloud.split(/\s+/)).toEqual([
      'amd64-cloud-6.1',
      `${b.toFixed(2)}%`,
      `${a.toFixed(2)}%`,
      `-${(b - a).toFixed(2)}pp`,
      `${((100 * (a - b)) / b).toFixed(2)}%`,
    ]);
  });

  it('leaves a kernel without that base out of the total (the older default run: arm64 tinyconfig has no boot image)', () => {
    const img = compare(
      { run: defaultV1V4, rules: 'v1-v4', format: 'blocks:64:sleb' },
      { run: defaultV1V4, rules: 'v1-v4', format: 'mru-huffman:64' },
      'growth.image',
    );
    expect(kernelOf(defaultV1V4, 'arm64-tinyconfig').measure.bases.map((b) => b.id)).toEqual([
      'loaded',
    ]);
    expect(img.rows.at(-1)).toEqual({ kernel: 'arm64-tinyconfig', arch: 'arm64' });
    expect(img.total!.kernels).toBe(1);
    expect(img.total!.before).toBeCloseTo(
      tableOf(defaultV1V4, 'amd64-cloud-6.1', 'v1-v4', 'blocks:64:sleb').growth.image,
      9,
    );
  });
});

describe('compare: HTML', () => {
  it('is a page of its own: the table with a bar per kernel and the total in the footer', () => {
    const c = compare(
      { run: multiarch, rules: 'v1-v4' },
      { run: multiarch, rules: 'symbolizer' },
      'bytes',
    );
    const html = renderCompareHtml(c);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:/);
    expect(html).toContain('<title>table bytes: v1-v4 -&gt; symbolizer');
    const top = byDelta[0];
    expect(html).toContain(
      `<tr><th scope="row">${top.kernel}</th><td>${commas(top.before)}</td><td>${commas(top.after)}</td><td>${signed(top.delta)}</td><td>${pctOf(top.delta, top.before)}</td><td class="delta-bar"><span class="bar up" style="width:${((100 * top.delta) / largest).toFixed(1)}%"></span></td></tr>`,
    );
    // literal, read from run.json; its bar is scaled to the largest delta
    expect(html).toContain(
      '<tr><th scope="row">x86_64-tinyconfig-gcc</th><td>581,354</td><td>548,870</td><td>-32,484</td><td>-5.59%</td><td class="delta-bar"><span class="bar down" style="width:',
    );
    const delta = ruleTotal.after - ruleTotal.before;
    expect(html).toContain(
      `<tfoot>\n<tr><th scope="row">total</th><td>${commas(ruleTotal.before)}</td><td>${commas(ruleTotal.after)}</td><td>${signed(delta)}</td><td>${pctOf(delta, ruleTotal.before)}</td>`,
    );
    expect((html.match(/<tr><th scope="row">/g) ?? []).length).toBe(22);
  });
});

describe('compare: mistakes', () => {
  it('refuses two identical sides', () => {
    expect(() =>
      compare({ run: multiarch, rules: 'v1-v4' }, { run: multiarch, rules: 'v1-v4' }),
    ).toThrow(UserError);
  });

  it('names the rule sets and formats a run has', () => {
    expect(() =>
      compare({ run: multiarch, rules: 'v1-v4' }, { run: multiarch, rules: 'v5' }),
    ).toThrow(`run ${multiarch.runId} has no rule set v5 (it has newest, v1-v4, symbolizer)`);
    // the older multiarch run has no newest
    expect(() =>
      compare({ run: multiarchV1V4, rules: 'v1-v4' }, { run: multiarchV1V4, rules: 'newest' }),
    ).toThrow(`run ${multiarchV1V4.runId} has no rule set newest (it has v1-v4, symbolizer)`);
    expect(() =>
      compare(
        { run: multiarch, rules: 'v1-v4', format: 'blocks:16:sleb' },
        { run: multiarch, rules: 'v1-v4' },
      ),
    ).toThrow(/has no format blocks:16:sleb \(it has flat, blocks:64:sleb, flagged:64/);
  });
});
