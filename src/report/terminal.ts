import asciichart from 'asciichart';
import Table from 'cli-table3';
import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import { renderMeasureTerminal } from './measure-terminal.js';
import {
  growthColumns,
  latencyPoints,
  MODULE_HEAD,
  moduleCells,
  moduleErrors,
  moduleLayoutNote,
  moduleRows,
  ns,
  paretoPoints,
  pct,
  revisionNotes,
  summaryCells,
  summaryHead,
  summaryRows,
  sweepSeries,
} from './model.js';
import { renderModulesTerminal } from './modules-terminal.js';

const plain = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** Horizontal bars, one per label, scaled to the largest value. */
export function bars(items: { label: string; value: number; text: string }[], width = 40): string {
  const max = Math.max(...items.map((i) => i.value), 1e-9);
  const lw = Math.max(...items.map((i) => i.label.length));
  return items
    .map(
      (i) =>
        `${i.label.padEnd(lw)} ${'#'.repeat(Math.max(1, Math.round((width * i.value) / max)))} ${i.text}`,
    )
    .join('\n');
}

/** A text scatter plot: x = bytes per entry, y = microseconds; points listed with their marks below. */
export function scatter(
  points: { x: number; y: number; mark: string; label: string }[],
  w = 56,
  h = 14,
): string {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  const grid = Array.from({ length: h }, () => new Array(w).fill(' '));
  points.forEach((p, i) => {
    const col = x1 > x0 ? Math.round(((p.x - x0) / (x1 - x0)) * (w - 1)) : 0;
    const row = y1 > y0 ? h - 1 - Math.round(((p.y - y0) / (y1 - y0)) * (h - 1)) : h - 1;
    grid[row][col] =
      p.mark === '*' ? String.fromCharCode(65 + (i % 26)) : String.fromCharCode(97 + (i % 26));
  });
  const lines = grid.map(
    (r, i) =>
      `${(i === 0 ? `${y1.toFixed(1)} us` : i === h - 1 ? `${y0.toFixed(1)} us` : '').padStart(8)} |${r.join('')}`,
  );
  lines.push(`${''.padStart(8)} +${'-'.repeat(w)}`);
  lines.push(
    `${''.padStart(10)}${x0.toFixed(2)} B/entry${''.padStart(Math.max(1, w - 26))}${x1.toFixed(2)}`,
  );
  points.forEach((p, i) => {
    const letter =
      p.mark === '*' ? String.fromCharCode(65 + (i % 26)) : String.fromCharCode(97 + (i % 26));
    lines.push(
      `  ${letter} ${p.label}: ${p.x.toFixed(3)} B/entry, ${p.y.toFixed(2)} us${p.mark === '*' ? ' (frontier)' : ''}`,
    );
  });
  return lines.join('\n');
}

/** The run for a terminal: a summary table, each kernel's tables, and charts. */
export function renderTerminal(run: RunResult): string {
  const out: string[] = [
    `run ${run.runId}: ${run.config.name}${run.config.description ? ` - ${run.config.description}` : ''}`,
    `rules: ${revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; ')}`,
  ];
  const rows = summaryRows(run);
  const columns = growthColumns(run, rows);
  const t = new Table({
    head: summaryHead(columns),
    chars: plain,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push(summaryCells(r, columns));
  }
  out.push('', t.toString());

  const sweep = sweepSeries(run);
  if (sweep.length) {
    out.push('', 'Bytes per entry (index + data) against block size:');
    const sizes = [...new Set(sweep.flatMap((s) => s.points.map((p) => p[0])))].sort(
      (a, b) => a - b,
    );
    const series = sweep.map((s) =>
      sizes.map((b) => s.points.find((p) => p[0] === b)?.[1] ?? Number.NaN),
    );
    out.push(
      asciichart.plot(series, { height: 10, format: (x: number) => x.toFixed(2).padStart(6) }),
    );
    out.push(
      `  x: block size ${sizes.join(', ')}  (${sweep.map((s, i) => `${i + 1}: ${s.label}`).join('; ')})`,
    );
  }
  const growth = rows.filter(
    (r) => r.growth.loaded !== undefined && r.rules === mainRules(run.config),
  );
  if (growth.length > 1) {
    out.push(
      '',
      `Growth of the loaded size per kernel (${growth[0].format ?? 'flat'}, ${mainRules(run.config)} rules):`,
    );
    out.push(
      bars(
        growth.map((r) => ({
          label: `${r.arch} ${r.kernel}`,
          value: r.growth.loaded,
          text: pct(r.growth.loaded),
        })),
      ),
    );
  }
  const lat = latencyPoints(run);
  if (lat.length) {
    out.push('', 'Lookup latency per call (p50 / p99), by address set and cache state:');
    const lt = new Table({
      head: ['kernel', 'format', 'set', 'warm p50', 'warm p99', 'cold p50', 'cold p99', 'engine'],
      chars: plain,
      style: { head: [], border: [] },
    });
    const keys = [...new Set(lat.map((p) => `${p.kernel}\t${p.format}\t${p.set}`))];
    for (const key of keys) {
      const [kernel, format, set] = key.split('\t');
      const get = (mode: string) =>
        lat.find(
          (p) => p.kernel === kernel && p.format === format && p.set === set && p.mode === mode,
        );
      const w = get('warm');
      const c = get('cold');
      lt.push([
        kernel,
        format,
        set,
        ns(w?.p50),
        ns(w?.p99),
        ns(c?.p50),
        ns(c?.p99),
        (w ?? c)!.engine,
      ]);
    }
    out.push(lt.toString());
  }
  const pareto = paretoPoints(run);
  if (pareto.length) {
    out.push('', 'Size against cold p99 (uniform addresses); capitals mark the Pareto frontier:');
    out.push(
      scatter(
        pareto.map((p) => ({
          x: p.bytesPerEntry,
          y: p.coldP99 / 1000,
          mark: p.frontier ? '*' : 'o',
          label: `${p.kernel} ${p.format}`,
        })),
      ),
    );
  }
  const mods = moduleRows(run);
  if (mods.length) {
    out.push(
      '',
      `Modules: the sum of their .mod_lineinfo sections (${mods[0].format}), ${mainRules(run.config)} rules:`,
    );
    const mt = new Table({ head: MODULE_HEAD, chars: plain, style: { head: [], border: [] } });
    for (const r of mods) mt.push(moduleCells(r));
    out.push(mt.toString(), moduleLayoutNote(mods));
  }
  for (const e of moduleErrors(run))
    out.push('', `!! ${e.kernel}: modules not measured: ${e.error}`);
  for (const k of run.kernels) {
    out.push('', `== ${k.id}`, renderMeasureTerminal(k.measure).trimEnd());
    if (k.modules) out.push('', `-- ${k.id} modules`, renderModulesTerminal(k.modules).trimEnd());
  }
  for (const f of run.failures) out.push('', `!! ${f.id} failed: ${f.error}`);
  return `${out.join('\n')}\n`;
}
