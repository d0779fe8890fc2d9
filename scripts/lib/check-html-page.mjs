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

/**
 * Opens an HTML report in headless Chromium (playwright-core, no browser
 * download), checks that it loads without console errors and that every
 * chart drew, and optionally saves a full-page screenshot.
 *
 * @param {string} htmlPath
 * @param {string} [screenshot]
 * @returns {Promise<{consoleErrors: string[], chartsDrawn: number, inkedCanvases: number, canvases: number}>}
 */
export async function checkHtmlPage(htmlPath, screenshot) {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: apt-get install chromium (scripts/setup-debian.sh does)`,
    );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`file://${htmlPath}`);
    await page.waitForFunction(() => window.chartsDrawn !== undefined);
    const result = await page.evaluate(() => {
      const canvases = [...document.querySelectorAll('canvas')];
      let inked = 0;
      for (const c of canvases) {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0) continue;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) ink++;
        if (ink > 20) inked++;
      }
      return { chartsDrawn: window.chartsDrawn, inked, canvases: canvases.length };
    });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return {
      consoleErrors,
      chartsDrawn: result.chartsDrawn,
      inkedCanvases: result.inked,
      canvases: result.canvases,
    };
  } finally {
    await browser.close();
  }
}
