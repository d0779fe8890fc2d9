import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import {
  growthCell,
  growthColumns,
  latencyPoints,
  MODULE_HEAD,
  moduleCells,
  moduleErrors,
  moduleRows,
  n,
  paretoPoints,
  revisionNotes,
  summaryRows,
  sweepSeries,
} from './model.js';

const require = createRequire(import.meta.url);

/** Chart.js's UMD bundle, inlined so the page needs no network to view. */
function chartJs(): string {
  // the package exports only its module entry points; the UMD bundle lies beside them
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/**
 * A self-contained dashboard: summary table, size per format by bucket,
 * growth per kernel, the block-size trade-off, and agreement; every chart
 * drawn by Chart.js from the run's own numbers.
 */
export function renderHtml(run: RunResult): string {
  const rows = summaryRows(run);
  const columns = growthColumns(run, rows);
  const data = {
    sizes: run.kernels.flatMap((k) =>
      k.measure.tables.map((t) => ({
        label: `${k.id} ${t.rules} ${t.format}`,
        buckets: t.buckets,
      })),
    ),
    growth: rows
      .filter((r) => r.rules === mainRules(run.config))
      .map((r) => ({ label: `${r.arch} ${r.kernel}`, growth: r.growth })),
    bases: columns,
    sweep: sweepSeries(run),
    latency: latencyPoints(run),
    pareto: paretoPoints(run),
    agreement: run.kernels.flatMap((k) =>
      (k.measure.agreement?.results ?? []).flatMap((r) =>
        r.tools.map((t) => ({ label: `${k.id} ${r.rules}`, tool: t.tool, percent: t.percent })),
      ),
    ),
  };
  const tableRows = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.kernel)}</td><td>${esc(r.arch)}</td><td>${esc(r.rules)}</td><td>${n(r.entries)}</td><td>${n(r.files)}</td>` +
        `<td>${n(r.flatBytes)}</td><td>${esc(r.format ?? '-')}</td><td>${n(r.formatBytes)}</td><td>${r.bytesPerEntry?.toFixed(3) ?? '-'}</td>` +
        `<td>${r.ratio ? `${r.ratio.toFixed(2)}x` : '-'}</td>${columns.map((c) => `<td>${esc(growthCell(r, c))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const mods = moduleRows(run);
  const modulesTable = mods.length
    ? `<h2>Modules: the sum of their .mod_lineinfo sections (${esc(mods[0].format)})</h2>
<table id="modules">
<thead><tr>${MODULE_HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${mods
  .map(
    (r) =>
      `<tr>${moduleCells(r)
        .map((c) => `<td>${esc(c)}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody>
</table>
<p class="note">Upstream: relocated as scripts/gen_lineinfo does (only .debug_line's 32-bit absolute relocations); full: every debug relocation applied. Percent of vmlinux's own table (blocks of 64) and growth are of the full sum.</p>`
    : '';
  const failures = [
    ...run.failures.map((f) => `<p class="fail">${esc(f.id)} failed: ${esc(f.error)}</p>`),
    ...moduleErrors(run).map(
      (e) => `<p class="fail">${esc(e.kernel)}: modules not measured: ${esc(e.error)}</p>`,
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lineinfo-bench: ${esc(run.config.name)} (${esc(run.runId)})</title>
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
 table { border-collapse: collapse; margin: 12px 0; }
 th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
 th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
 .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px; }
 .chart { height: 340px; } .fail { color: #b00; } .note { color: #666; }
</style>
</head>
<body>
<h1>lineinfo-bench: ${esc(run.config.name)}</h1>
<p>${esc(run.config.description ?? '')}</p>
<p class="note">Rules: ${esc(revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; '))}.</p>
<p class="note">Run ${esc(run.runId)}, lineinfo-bench ${esc(run.tool.version)}, ${run.machine.cpus} CPUs (${esc(run.machine.cpuModel)}).
Every table was verified (round trip; lookups against the flat search). B/entry = (index + data) / entries.</p>
<table id="summary">
<thead><tr><th>kernel</th><th>arch</th><th>rules</th><th>entries</th><th>files</th><th>flat bytes</th><th>format</th><th>bytes</th><th>B/entry</th><th>ratio</th>${columns.map((c) => `<th>growth ${esc(c.heading)}</th>`).join('')}</tr></thead>
<tbody>
${tableRows}
</tbody>
</table>
${modulesTable}
${failures}
<div class="charts">
 <div><h2>Size per format, by bucket</h2><div class="chart"><canvas id="sizes"></canvas></div></div>
 <div><h2>Growth per kernel</h2><div class="chart"><canvas id="growth"></canvas></div></div>
 <div><h2>Block size trade-off</h2><div class="chart"><canvas id="sweep"></canvas></div><p class="note" id="sweep-note"></p></div>
 <div><h2>Agreement with addr2line and llvm-symbolizer</h2><div class="chart"><canvas id="agreement"></canvas></div><p class="note" id="agreement-note"></p></div>
 <div><h2>Lookup latency (p50, p90, p99 per call)</h2><div class="chart"><canvas id="latency"></canvas></div><p class="note" id="latency-note"></p></div>
 <div><h2>Size against cold p99: the Pareto frontier</h2><div class="chart"><canvas id="pareto"></canvas></div><p class="note" id="pareto-note"></p></div>
</div>

<script>${chartJs()}</script>
<script id="run-data" type="application/json">${scriptJson(data)}</script>
<script>
const data = JSON.parse(document.getElementById('run-data').textContent);
const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
const buckets = ['counts', 'index', 'data', 'file_offsets', 'filenames', 'padding'];
window.chartsDrawn = 0;
function draw(id, config) {
  new Chart(document.getElementById(id), { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  window.chartsDrawn++;
}
draw('sizes', { type: 'bar', data: { labels: data.sizes.map((s) => s.label), datasets: buckets.map((b, i) => ({ label: b, data: data.sizes.map((s) => s.buckets[b]), backgroundColor: palette[i] })) },
  options: { indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'bytes' } }, y: { stacked: true } } } });
draw('growth', { type: 'bar', data: { labels: data.growth.map((g) => g.label), datasets: data.bases.map((b, i) => ({ label: '% of ' + b.heading, data: data.growth.map((g) => g.growth[b.id] ?? null), backgroundColor: palette[i] })) },
  options: { scales: { y: { title: { display: true, text: 'growth, percent' } } } } });
draw('sweep', { type: 'line', data: { datasets: data.sweep.map((s, i) => ({ label: s.label, data: s.points.map(([x, y]) => ({ x, y })), borderColor: palette[i], backgroundColor: palette[i] })) },
  options: { scales: { x: { type: 'logarithmic', title: { display: true, text: 'block size (entries)' } }, y: { title: { display: true, text: 'bytes per entry (index + data)' } } } } });
if (!data.sweep.length) document.getElementById('sweep-note').textContent = 'This run measured fewer than two block sizes.';
draw('agreement', { type: 'bar', data: { labels: data.agreement.map((a) => a.label + ' / ' + a.tool), datasets: [{ label: 'agree, percent', data: data.agreement.map((a) => a.percent), backgroundColor: palette[0] }] },
  options: { indexAxis: 'y', scales: { x: { min: 0, max: 100 } } } });
if (!data.agreement.length) document.getElementById('agreement-note').textContent = 'This run did not measure agreement (measure.agreement = 0).';
const latLabels = data.latency.map((p) => p.kernel + ' ' + p.format + ' ' + p.set + ' ' + p.mode);
draw('latency', { type: 'bar', data: { labels: latLabels, datasets: ['p50', 'p90', 'p99'].map((q, i) => ({ label: q, data: data.latency.map((p) => p[q]), backgroundColor: palette[i] })) },
  options: { indexAxis: 'y', scales: { x: { type: 'logarithmic', title: { display: true, text: 'ns per lookup' } } } } });
if (!data.latency.length) document.getElementById('latency-note').textContent = 'This run did not measure latency (measure.latency absent); see lineinfo-bench latency.';
const kernels = [...new Set(data.pareto.map((p) => p.kernel))];
draw('pareto', { type: 'scatter', data: { datasets: kernels.flatMap((k, i) => {
    const pts = data.pareto.filter((p) => p.kernel === k);
    const front = pts.filter((p) => p.frontier).sort((a, b) => a.bytesPerEntry - b.bytesPerEntry);
    return [
      { label: k, data: pts.map((p) => ({ x: p.bytesPerEntry, y: p.coldP99, label: p.format })), backgroundColor: palette[i % 8], pointRadius: 5 },
      { label: k + ' frontier', type: 'line', data: front.map((p) => ({ x: p.bytesPerEntry, y: p.coldP99 })), borderColor: palette[i % 8], backgroundColor: palette[i % 8], showLine: true, pointRadius: 0 },
    ];
  }) },
  options: { scales: { x: { title: { display: true, text: 'bytes per entry (index + data)' } }, y: { title: { display: true, text: 'cold p99, ns' } } },
    plugins: { tooltip: { callbacks: { label: (c) => (c.raw.label ?? '') + ': ' + c.raw.x.toFixed(3) + ' B/entry, ' + Math.round(c.raw.y) + ' ns' } } } } });
if (!data.pareto.length) document.getElementById('pareto-note').textContent = 'Needs cold latency on the uniform set (measure.latency).';
</script>
</body>
</html>
`;
}
