import asciichart from 'asciichart';
import Table from 'cli-table3';
import type { RunResult } from '../results/schema.js';
import { renderMeasureTerminal } from './measure-terminal.js';
import { n, pct, summaryRows, sweepSeries } from './model.js';

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

/** The run for a terminal: a summary table, each kernel's tables, and charts. */
export function renderTerminal(run: RunResult): string {
  const out: string[] = [
    `run ${run.runId}: ${run.config.name}${run.config.description ? ` - ${run.config.description}` : ''}`,
  ];
  const rows = summaryRows(run);
  const bases = [...new Set(rows.flatMap((r) => Object.keys(r.growth)))];
  const t = new Table({
    head: [
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
      ...bases.map((b) => `% ${b}`),
    ],
    chars: plain,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push([
      r.kernel,
      r.arch,
      r.rules,
      n(r.entries),
      n(r.files),
      n(r.flatBytes),
      r.format ?? '-',
      n(r.formatBytes),
      r.bytesPerEntry?.toFixed(3) ?? '-',
      r.ratio ? `${r.ratio.toFixed(2)}x` : '-',
      ...bases.map((b) => pct(r.growth[b])),
    ]);
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
    (r) => r.growth.loaded !== undefined && r.rules === run.config.rules[0],
  );
  if (growth.length > 1) {
    out.push(
      '',
      `Growth of the loaded size per kernel (${growth[0].format ?? 'flat'}, ${run.config.rules[0]} rules):`,
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
  for (const k of run.kernels)
    out.push('', `== ${k.id}`, renderMeasureTerminal(k.measure).trimEnd());
  for (const f of run.failures) out.push('', `!! ${f.id} failed: ${f.error}`);
  return `${out.join('\n')}\n`;
}
