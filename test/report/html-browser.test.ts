// The dashboard in headless Chromium: its filters narrow the tables and the
// charts, nothing logs an error, and at a phone's width nothing scrolls
// sideways. Skipped only where Debian's chromium is not installed
// (scripts/setup-debian.sh installs it).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  checkHtmlPage,
  openHtmlPage,
  pageProblems,
  pageState,
} from '../../scripts/lib/check-html-page.mjs';
import { reporter } from '../../src/report/reporter.js';
import { mainRules } from '../../src/results/config.js';
import {
  checkedInRun,
  commas,
  imageFileOf,
  kernelOf,
  paretoFrontierOf,
  quotedModulesOf,
  type RunName,
} from './runs.js';

const html = reporter('html')!;
const dir = mkdtempSync(join(tmpdir(), 'lineinfo-html-'));
type PageRun = Exclude<RunName, 'multiarchV1V4'>;
const pages: Record<PageRun, string> = { default: '', multiarch: '', defaultV1V4: '' };
const embedded: Record<PageRun, { charts: Record<string, { labels: string[] }> }> = {
  default: { charts: {} },
  multiarch: { charts: {} },
  defaultV1V4: { charts: {} },
};

beforeAll(() => {
  for (const name of ['default', 'multiarch', 'defaultV1V4'] as const) {
    const text = html.render(checkedInRun(name));
    pages[name] = join(dir, `${name}.html`);
    writeFileSync(pages[name], text);
    const m = /<script id="run-data" type="application\/json">([\s\S]*?)<\/script>/.exec(text)!;
    embedded[name] = JSON.parse(m[1]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of a table the filters leave shown: their first cells (kernel, arch, rules, format...). */
function shownRows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr:not([hidden])`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent ?? '')),
  );
}

/** A chart as Chart.js holds it in the page: category labels and each dataset's values. */
function chartData(page: Page, id: string) {
  return page.evaluate((canvasId) => {
    // @ts-expect-error Chart is the page's global
    const chart = window.Chart.getChart(canvasId);
    if (!chart) return null;
    return {
      labels: chart.data.labels as string[],
      datasets: chart.data.datasets.map((d: { label: string; data: unknown[] }) => ({
        label: d.label,
        data: d.data,
      })),
    };
  }, id);
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).textContent())?.trim() ?? '';

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in Chromium', () => {
  it('multiarch at 1400 px: the charts the page embeds, then arch, format and config filters narrow rows and charts', {
    timeout: 180_000,
  }, async () => {
    const { browser, page, consoleErrors } = await openHtmlPage(pages.multiarch, 1400);
    try {
      // drawn from the embedded series, one chart each
      const want = embedded.multiarch.charts;
      expect(await page.evaluate(() => window.chartsDrawn)).toBe(Object.keys(want).length);
      for (const [id, s] of Object.entries(want)) {
        const c = await chartData(page, id);
        expect(c?.labels, id).toEqual(s.labels);
      }
      expect(await shownRows(page, 'summary')).toHaveLength(21 * 3); // 21 kernels x 3 rule sets

      await page.selectOption('select[name=arch]', 'arm64');
      const rows = await shownRows(page, 'summary');
      expect(rows).toHaveLength(15); // 5 arm64 kernels x 3 rule sets
      expect(rows.every((r) => r[1] === 'arm64')).toBe(true);
      expect(new Set(rows.map((r) => r[0]))).toEqual(
        new Set([
          'arm64-tinyconfig-gcc',
          'arm64-tinyconfig-clang',
          'arm64-debian-6.1',
          'arm64-defconfig-gcc',
          'arm64-defconfig-clang',
        ]),
      );
      // from run.json: the modules in the layout vmlinux is quoted in (module-v6:64:sleb)
      const k = kernelOf(checkedInRun('multiarch'), 'arm64-debian-6.1');
      const s = k.modules!.summary;
      const q = quotedModulesOf(k);
      expect(await shownRows(page, 'modules')).toEqual([
        [
          'arm64-debian-6.1',
          commas(s.modules),
          `${commas(s.totals.upstream.entries)} / ${commas(s.totals.full.entries)}`,
          `${commas(q.upstreamBytes)} / ${commas(q.fullBytes)}`,
        ],
      ]);
      expect(await text(page, '#shown')).toBe('5 of 21 kernels');
      expect((await chartData(page, 'growth'))!.labels).toEqual([
        'arm64-tinyconfig-gcc',
        'arm64-tinyconfig-clang',
        'arm64-debian-6.1',
        'arm64-defconfig-gcc',
        'arm64-defconfig-clang',
      ]);
      expect(await text(page, '#formats-caption')).toContain('the median over 5 kernels');
      expect(await text(page, '#agreement-caption')).toContain('pooled over 5 kernels');

      // a format: the summary (each rule set's first non-flat format) says why it is empty,
      // the table of every format opens with the format's rows
      await page.selectOption('select[name=format]', 'mru-huffman:64');
      expect(await shownRows(page, 'summary')).toEqual([]);
      expect(await text(page, '#summary-note')).toContain('every table measured is listed below');
      expect(await page.locator('#every-table').getAttribute('open')).not.toBeNull();
      const every = await shownRows(page, 'tables');
      expect(every).toHaveLength(15);
      expect(every.every((r) => r[1] === 'arm64' && r[3] === 'mru-huffman:64')).toBe(true);
      expect((await chartData(page, 'formats'))!.labels).toEqual(['mru-huffman:64']);
      expect((await chartData(page, 'buckets'))!.labels).toEqual([
        'newest mru-huffman:64',
        'v1-v4 mru-huffman:64',
        'symbolizer mru-huffman:64',
      ]);

      // a filter nothing matches: each chart says so instead of drawing empty axes
      await page.selectOption('select[name=config]', 'debian-amd64');
      expect(await text(page, '#shown')).toBe('0 of 21 kernels');
      const state = await pageState(page);
      expect(state.charts.filter((c) => c.drawn)).toEqual([]);
      expect(await text(page, '#growth-note')).toBe('Nothing measured matches the filters.');
      expect(state.unexplained).toEqual([]);

      // back to all: every chart again
      await page.selectOption('select[name=config]', '');
      await page.selectOption('select[name=format]', '');
      await page.selectOption('select[name=arch]', '');
      expect(await page.evaluate(() => window.chartsDrawn)).toBe(4);
      expect(await shownRows(page, 'summary')).toHaveLength(21 * 3);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('default at 1400 px: Pareto points named by format; another rule set explains the latency charts', {
    timeout: 120_000,
  }, async () => {
    const run = checkedInRun('default');
    const rules = mainRules(run.config);
    const { browser, page, consoleErrors } = await openHtmlPage(pages.default, 1400);
    try {
      const before = await pageState(page);
      const pareto = before.charts.find((c) => c.id === 'pareto')!;
      expect(pareto.drawn).toBe(true);
      // a point per kernel and format, and one per point of each frontier joined by a line
      const fronts = run.kernels.map((k) => paretoFrontierOf(run, k.id).length);
      expect(pareto.points).toBe(
        run.kernels.length * run.config.formats.length +
          fronts.filter((n) => n > 1).reduce((a, b) => a + b, 0),
      );
      // labels that would overlap one already drawn are left to the tooltip
      expect(pareto.labelsDrawn).toBeGreaterThanOrEqual(6);
      await page.selectOption('select[name=rules]', 'symbolizer');
      expect(await text(page, '#pareto-note')).toBe(
        `Latency was measured on the ${rules} tables only.`,
      );
      expect(await text(page, '#latency-note')).toBe(
        `Latency was measured on the ${rules} tables only.`,
      );
      expect((await chartData(page, 'agreement'))!.labels).toEqual(['symbolizer']);
      await page.selectOption('select[name=base]', 'image');
      // every kernel of this run has a boot image, each its own file: the caption says "boot image"
      expect(new Set(run.kernels.map((k) => imageFileOf(run, k.id))).size).toBe(2);
      expect(await text(page, '#growth-caption')).toContain('percent of the boot image');
      expect((await chartData(page, 'growth'))!.labels).toEqual(run.kernels.map((k) => k.id));
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('the older default run at 1400 px: growth of the boot image leaves out the kernel without one', {
    timeout: 120_000,
  }, async () => {
    const { browser, page, consoleErrors } = await openHtmlPage(pages.defaultV1V4, 1400);
    try {
      await page.selectOption('select[name=base]', 'image');
      // only the Debian kernel has a boot image: one bar, its file named
      expect(await text(page, '#growth-caption')).toContain('percent of the vmlinuz');
      expect((await chartData(page, 'growth'))!.labels).toEqual(['amd64-cloud-6.1']);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  for (const name of ['multiarch', 'default'] as const) {
    it(`${name} at 1400 and 390 px: no console error, no sideways scroll, every chart drawn or explained`, {
      timeout: 180_000,
    }, async () => {
      const r = await checkHtmlPage(pages[name], undefined, [1400, 390]);
      expect(pageProblems(r)).toEqual([]);
      for (const w of r.widths) {
        expect(w.scrollWidth).toBe(w.width);
        expect(w.unexplained).toEqual([]);
        expect(w.charts.filter((c) => c.drawn).map((c) => c.id)).toEqual(
          Object.keys(embedded[name].charts),
        );
        for (const c of w.charts.filter((x) => x.drawn)) expect(c.inked, c.id ?? '').toBe(true);
      }
    });
  }

  it('multiarch at 390 px, filtered to arm64: still no sideways scroll', {
    timeout: 120_000,
  }, async () => {
    const { browser, page, consoleErrors } = await openHtmlPage(pages.multiarch, 390);
    try {
      await page.selectOption('select[name=arch]', 'arm64');
      const state = await pageState(page);
      expect(state.horizontalScroll).toBe(false);
      expect(state.unexplained).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
