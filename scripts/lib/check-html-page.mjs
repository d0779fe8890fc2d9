// The Chromium check of an HTML report: used by scripts/publish-report.mjs
// and the report tests, never by the tool itself (playwright-core is a dev
// dependency, so it stays out of src/).
import { existsSync } from 'node:fs';

/** Debian's chromium, started headless with the flags this machine's closed network needs. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The widths the dashboard is checked at: a desktop window and a phone. */
export const WIDTHS = [1400, 390];

/**
 * Opens an HTML report in headless Chromium (playwright-core, no browser
 * download) at a viewport width, collecting console errors and page errors,
 * and waits for its charts. The caller closes the browser.
 *
 * @param {string} htmlPath
 * @param {number} [width]
 */
export async function openHtmlPage(htmlPath, width = 1400) {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: apt-get install chromium (scripts/setup-debian.sh does)`,
    );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({
      viewport: { width, height: width < 600 ? 844 : 900 },
    });
    /** @type {string[]} */
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`file://${htmlPath}`);
    await page.waitForFunction(() => window.chartsDrawn !== undefined);
    return { browser, page, consoleErrors };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * What a dashboard shows now: whether the page scrolls sideways, and per
 * chart whether it is drawn with data and ink, or explained by a note.
 *
 * @param {import('playwright-core').Page} page
 */
export function pageState(page) {
  return page.evaluate(() => {
    const inked = (/** @type {HTMLCanvasElement} */ c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) return false;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) ink++;
      return ink > 20;
    };
    const canvases = [...document.querySelectorAll('canvas')];
    const charts = [...document.querySelectorAll('section.chart, #absent li')].map((el) => {
      const id = el.getAttribute('data-chart');
      const canvas = el.querySelector('canvas');
      // @ts-expect-error Chart is the page's global
      const chart = canvas && !canvas.parentElement.hidden ? window.Chart.getChart(canvas) : null;
      const points = chart
        ? chart.data.datasets.reduce(
            (a, d) => a + d.data.filter((v) => v !== null && v !== undefined).length,
            0,
          )
        : 0;
      const note = (
        el.tagName === 'LI' ? el.textContent : (el.querySelector('.note')?.textContent ?? '')
      ).trim();
      return {
        id,
        drawn: Boolean(chart),
        points,
        inked: Boolean(chart) && inked(canvas),
        labelsDrawn: chart?.$labelsDrawn ?? 0,
        note,
      };
    });
    const root = document.documentElement;
    return {
      // @ts-expect-error set by the page's script
      chartsDrawn: window.chartsDrawn,
      canvases: canvases.length,
      inkedCanvases: canvases.filter(inked).length,
      scrollWidth: root.scrollWidth,
      clientWidth: root.clientWidth,
      horizontalScroll: root.scrollWidth > root.clientWidth,
      charts,
      unexplained: charts
        .filter((c) => !(c.drawn && c.points > 0 && c.inked) && !c.note)
        .map((c) => c.id),
    };
  });
}

/**
 * Opens an HTML report at each width, checks that it loads without console
 * errors, does not scroll sideways, and that every chart is drawn with data
 * or explained by a note; optionally saves a full-page screenshot per width.
 * The top-level chart counts are those of the first width.
 *
 * @param {string} htmlPath
 * @param {string | ((width: number) => string)} [screenshot] a path (the first width's; others get -<width> before .png) or a path per width
 * @param {number[]} [widths]
 */
export async function checkHtmlPage(htmlPath, screenshot, widths = [1400]) {
  const pathFor = (/** @type {number} */ w, /** @type {number} */ i) =>
    typeof screenshot === 'function'
      ? screenshot(w)
      : screenshot && (i === 0 ? screenshot : screenshot.replace(/(\.png)?$/, `-${w}.png`));
  const results = [];
  const consoleErrors = [];
  for (const [i, width] of widths.entries()) {
    const { browser, page, consoleErrors: errors } = await openHtmlPage(htmlPath, width);
    try {
      const state = await pageState(page);
      const path = pathFor(width, i);
      if (path) await page.screenshot({ path, fullPage: true });
      consoleErrors.push(...errors.map((e) => (widths.length > 1 ? `${width}px: ${e}` : e)));
      results.push({ width, consoleErrors: errors, screenshot: path, ...state });
    } finally {
      await browser.close();
    }
  }
  return {
    consoleErrors,
    chartsDrawn: results[0].chartsDrawn,
    inkedCanvases: results[0].inkedCanvases,
    canvases: results[0].canvases,
    widths: results,
  };
}

/**
 * The problems a check found, one line each (none: the page is fine at
 * every width).
 *
 * @param {Awaited<ReturnType<typeof checkHtmlPage>>} result
 */
export function pageProblems(result) {
  return result.widths.flatMap((w) => [
    ...w.consoleErrors.map((e) => `${w.width}px: console error: ${e}`),
    ...(w.horizontalScroll
      ? [`${w.width}px: scrolls sideways (${w.scrollWidth} px wide in ${w.clientWidth})`]
      : []),
    ...(w.chartsDrawn !== w.canvases
      ? [`${w.width}px: ${w.chartsDrawn} of ${w.canvases} charts drawn`]
      : []),
    ...w.unexplained.map((id) => `${w.width}px: chart ${id} is empty and says nothing`),
  ]);
}
