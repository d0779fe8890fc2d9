import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLocal } from '../../src/kernels/local.js';
import type { HistoryResult } from '../../src/measure/history.js';
import { measureHistoryFile } from '../../src/measure/history.js';
import { renderHistory, wrap } from '../../src/report/history.js';
import { buildKern } from '../helpers/kern-fixture.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'results', 'history');
const n = (v: number) => v.toLocaleString('en-US');

describe('the history renderer', () => {
  it('prints every revision row, its agreement and its changes, in at most 100 columns', async () => {
    const path = buildKern('gcc');
    const kernel = await describeLocal({ path, modules: false });
    const r = measureHistoryFile(kernel, {
      agreeSamples: 400,
      seed: 2,
      command: `lineinfo-bench history ${path} --agree 400 --seed 2`,
    });
    const text = renderHistory(r);
    const lines = text.split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(text).toContain('  made by:\n    lineinfo-bench history');
    for (const x of r.rows) {
      // the table row: revision, layout, entries, files, bytes per entry, total
      const cells = [x.revision, x.layout, n(x.entries), n(x.files), x.bytesPerEntry.toFixed(3)];
      const tableRow = lines.find((l) => l.startsWith(`${x.revision} `) && l.includes(x.layout));
      expect(tableRow?.split(/\s+/).slice(0, 5)).toEqual(cells);
      expect(tableRow).toContain(n(x.total));
      expect(tableRow).toContain(`${x.growth.loaded.toFixed(2)}%`);
      // the agreement rows, one per tool
      for (const t of x.agreement!.tools) {
        const line = lines.find(
          (l, i) =>
            l.includes(` ${t.tool} `) &&
            lines
              .slice(0, i + 1)
              .reverse()
              .find((p) => /^(v1-v4|v5|v6|newest) +floor/.test(p))
              ?.startsWith(`${x.revision} `),
        );
        expect(line).toMatch(
          new RegExp(` ${n(t.agree)} +${t.percent.toFixed(2)}% +${n(t.lost)} +${n(t.wrong)} `),
        );
      }
      if (x.change)
        expect(lines.some((l) => l.startsWith(`${x.change!.from} -> ${x.revision} `))).toBe(true);
    }
    expect(text).toContain('floor+guard (newest)');
    expect(text).toMatch(/^Symbol starts in newest: 0 entries synthesized/m);
  });

  it('fills words into lines of at most 100 columns, and keeps no-break spaces', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const lines = wrap(`${words} floor\u00a0%`, '  ', '    ');
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines[0].startsWith('  word0 ')).toBe(true);
    expect(lines[1].startsWith('    ')).toBe(true);
    expect(lines.join(' ')).toContain('floor %');
  });

  const saved = existsSync(RESULTS) ? readdirSync(RESULTS).filter((f) => f.endsWith('.json')) : [];
  it.skipIf(saved.length === 0)('renders each saved result as its checked-in text', () => {
    for (const f of saved) {
      const r = JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as HistoryResult;
      const txt = readFileSync(join(RESULTS, f.replace(/\.json$/, '.txt')), 'utf8');
      expect(renderHistory(r)).toBe(txt);
      expect(r.rows.map((x) => x.revision)).toEqual(['v1-v4', 'v5', 'v6', 'newest']);
      for (const l of txt.split('\n')) expect(l.length).toBeLessThanOrEqual(100);
    }
  });
});
