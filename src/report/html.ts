import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { revisionOfRules } from '../encodings/revisions.js';
import { baseLabel } from '../measure/growth.js';
import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import {
  CHART_IDS,
  type ChartId,
  chartSeries,
  DASHBOARD_FUNCTIONS_JS,
  type DashboardData,
  type Filter,
  type FilterKey,
  hasData,
  type Series,
} from './dashboard.js';
import {
  comparedTable,
  growthCell,
  growthColumns,
  latencyPoints,
  MODULE_HEAD,
  moduleCells,
  moduleErrors,
  moduleLayoutNote,
  moduleRows,
  n,
  paretoPoints,
  revisionNotes,
  summaryRows,
  toolName,
} from './model.js';

const require = createRequire(import.meta.url);

/** Chart.js's UMD bundle, inlined so the page needs no network to view. */
function chartJs(): string {
  // the package exports only its module entry points; the UMD bundle lies beside them
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/**
 * The page's own script: reads the embedded run, draws each chart the run
 * has data for, and on every filter change recomputes the series (with the
 * functions of dashboard-functions.js, inlined before it) and hides the rows the
 * filters leave out.
 */
const CLIENT = String.raw`
const RUN = JSON.parse(document.getElementById('run-data').textContent);
const data = RUN.data;
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const filter = { arch: '', config: '', compiler: '', rules: '', format: '', base: data.bases.length ? data.bases[0].id : '' };
// Chart.js writes no text beside points: this names each point by its format,
// leaving out a label that would overlap one already drawn (the tooltip has it)
const pointLabels = {
  id: 'pointLabels',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    const area = chart.chartArea;
    const placed = [];
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((ds, i) => {
      if (!chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach((el, j) => {
        const text = ds.data[j] && ds.data[j].label;
        if (!text) return;
        const w = ctx.measureText(text).width;
        // above right, below right, above left, below left: the first place free and inside the chart
        const box = [[7, -9], [7, 9], [-7 - w, -9], [-7 - w, 9]]
          .map(([dx, dy]) => ({ l: el.x + dx, r: el.x + dx + w, t: el.y + dy - 6, b: el.y + dy + 6 }))
          .find((b) => b.l >= area.left && b.r <= area.right && b.t >= area.top && b.b <= area.bottom &&
            !placed.some((p) => p.l < b.r && b.l < p.r && p.t < b.b && b.t < p.b));
        if (!box) return;
        placed.push(box);
        ctx.fillText(text, box.l, (box.t + box.b) / 2);
      });
    });
    ctx.restore();
    chart.$labelsDrawn = placed.length;
  },
};
function chartConfig(id, s) {
  const tooltip = { callbacks: { label: (c) => c.dataset.tips[c.dataIndex] || '' } };
  const axis = (title, extra) => ({ title: { display: true, text: title }, ...extra });
  if (s.kind === 'scatter') {
    const kernels = [...new Set(s.datasets.map((d) => d.label.replace(/ frontier$/, '')))];
    return {
      type: 'scatter',
      data: { datasets: s.datasets.map((d) => {
        const colour = PALETTE[kernels.indexOf(d.label.replace(/ frontier$/, '')) % PALETTE.length];
        const frontier = d.line && id === 'pareto';
        return { label: d.label, data: d.data, tips: d.tips, showLine: !!d.line, borderColor: colour, backgroundColor: colour, pointRadius: frontier ? 0 : 4, pointHoverRadius: frontier ? 0 : 6 };
      }) },
      options: { scales: { x: axis(s.x, { type: s.log ? 'logarithmic' : 'linear' }), y: axis(s.y, { grace: '8%' }) },
        // a frontier is drawn in its kernel's colour: one legend entry per kernel
        plugins: { tooltip, legend: { labels: { filter: (item) => !/ frontier$/.test(item.text) } } } },
      plugins: [pointLabels],
    };
  }
  const stacked = s.kind === 'stacked';
  const x = axis(s.x, { type: s.log ? 'logarithmic' : 'linear', stacked });
  if (s.min !== undefined) x.min = s.min;
  if (s.max !== undefined) x.max = s.max;
  return {
    type: 'bar',
    data: { labels: s.labels, datasets: s.datasets.map((d, i) => ({ label: d.label, data: d.data, tips: d.tips, backgroundColor: PALETTE[i % PALETTE.length], skipNull: true })) },
    // every category labelled: the axis never skips one
    options: { indexAxis: 'y', scales: { x, y: axis(s.y, { stacked, ticks: { autoSkip: false } }) }, plugins: { tooltip } },
  };
}
/** Room for every bar: horizontal bars grow the chart downwards, never sideways. */
function chartHeight(s, width) {
  if (s.kind === 'scatter') return 360;
  const legendWidth = s.datasets.reduce((a, d) => a + d.label.length * 7 + 44, 0);
  const legendRows = Math.ceil(legendWidth / Math.max(200, width - 20));
  const bars = s.kind === 'stacked' ? 1 : Math.max(1, ...s.labels.map((_, j) => s.datasets.filter((d) => d.data[j] !== null).length));
  return Math.max(200, 70 + 24 * legendRows + s.labels.length * (10 + 13 * bars));
}
const charts = {};
function render() {
  const series = chartSeries(data, filter);
  let drawn = 0;
  for (const id of Object.keys(RUN.charts)) {
    const s = series[id];
    const canvas = document.getElementById(id);
    const box = canvas.parentElement;
    if (charts[id]) charts[id].destroy();
    delete charts[id];
    document.getElementById(id + '-caption').textContent = s.caption;
    const note = document.getElementById(id + '-note');
    if (!hasData(s)) {
      box.hidden = true;
      note.textContent = s.empty || 'Nothing measured matches the filters.';
      continue;
    }
    box.hidden = false;
    note.textContent = '';
    box.style.height = chartHeight(s, box.clientWidth) + 'px';
    const config = chartConfig(id, s);
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    charts[id] = new Chart(canvas, config);
    drawn++;
  }
  window.chartsDrawn = drawn;
  for (const id of ['summary', 'tables', 'modules']) {
    const table = document.getElementById(id);
    if (!table) continue;
    let shown = 0;
    for (const tr of table.querySelectorAll('tr[data-kernel]')) {
      const keep = keeps(data, filter, tr.dataset.kernel, tr.dataset.rules, tr.dataset.format);
      tr.hidden = !keep;
      if (keep) shown++;
    }
    table.dataset.shown = String(shown);
  }
  const summaryShown = document.getElementById('summary').dataset.shown;
  document.getElementById('summary-note').textContent = summaryShown !== '0' ? '' :
    'No summary row matches the filters' + (filter.format ? ': the summary shows each rule set\'s first non-flat format; every table measured is listed below.' : '.');
  if (summaryShown === '0' && filter.format) document.getElementById('every-table').open = true;
  document.getElementById('shown').textContent = keptKernels(data, filter).length + ' of ' + data.kernels.length + ' kernels';
}
for (const el of document.querySelectorAll('select[data-filter]')) filter[el.name] = el.value;
document.addEventListener('change', (e) => {
  if (e.target.matches && e.target.matches('select[data-filter]')) {
    filter[e.target.name] = e.target.value;
    render();
  }
});
render();
`;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const CHART_TITLES: Record<ChartId, string> = {
  growth: 'Growth per arch',
  formats: 'Bytes per entry, per format',
  buckets: 'Where the bytes go, per format',
  agreement: 'Agreement with addr2line and llvm-symbolizer, per rule set',
  sweep: 'Block-size curve',
  latency: 'Lookup latency per format',
  pareto: 'Size against cold p99: the Pareto frontier',
};

/** The run's numbers as the dashboard's functions take them. */
export function dashboardData(run: RunResult): DashboardData {
  const rows = summaryRows(run);
  return {
    mainRules: mainRules(run.config),
    bases: growthColumns(run, rows),
    kernels: run.kernels.map((k) => {
      const md = k.measure.kernel.metadata;
      return {
        id: k.id,
        arch: md.arch,
        config: md.configName ?? '-',
        compiler: md.compiler ?? '-',
        version: md.kernelVersion ?? '',
        bases: Object.fromEntries(
          k.measure.bases.map((b) => [b.id, { bytes: b.bytes, label: baseLabel(b) }]),
        ),
      };
    }),
    tables: run.kernels.flatMap((k) =>
      k.measure.tables.map((t) => ({
        kernel: k.id,
        rules: t.rules,
        format: t.format,
        entries: t.entries,
        total: t.total,
        bytesPerEntry: t.bytesPerEntry,
        buckets: t.buckets,
        growth: t.growth,
        compared: comparedTable(k.measure.tables, t.rules).other === t,
      })),
    ),
    agreement: run.kernels.flatMap((k) =>
      (k.measure.agreement?.results ?? []).flatMap((r) =>
        r.tools.map((t) => {
          const p = r.printed?.tools.find((pt) => pt.tool === t.tool);
          return {
            kernel: k.id,
            rules: r.rules,
            tool: t.tool,
            samples: t.samples,
            agree: t.agree,
            ...(p && { printed: p.agree, lost: p.lost, wrong: p.wrong, stale: p.stale }),
          };
        }),
      ),
    ),
    latency: latencyPoints(run).map(({ kernel, format, set, mode, p50, p90, p99 }) => ({
      kernel,
      format,
      set,
      mode,
      p50,
      p90,
      p99,
    })),
    pareto: paretoPoints(run),
  };
}

/** The values each filter offers, in the order the run measured them. */
export function filterOptions(data: DashboardData): Record<FilterKey, string[]> {
  const d = (v: string[]) => [...new Set(v)];
  return {
    arch: d(data.kernels.map((k) => k.arch)),
    config: d(data.kernels.map((k) => k.config)),
    compiler: d(data.kernels.map((k) => k.compiler)),
    rules: d(data.tables.map((t) => t.rules)),
    format: d(data.tables.map((t) => t.format)),
  };
}

/** Why a chart the run has no data for is left out: one line, naming what would measure it. */
function absentNote(run: RunResult, data: DashboardData, id: ChartId): string {
  switch (id) {
    case 'agreement':
      return run.config.measure.agreement === 0
        ? 'not measured: the run config has measure.agreement = 0.'
        : 'not measured for any kernel of this run.';
    case 'sweep': {
      const sizes = [
        ...new Set(data.tables.flatMap((t) => /^blocks:(\d+):/.exec(t.format)?.[1] ?? [])),
      ];
      return `not measured: ${sizes.length ? `one block size per kernel (${sizes.join(', ')})` : 'no blocks format'}; a curve needs two or more, as formats blocks:16, blocks:64, blocks:256.`;
    }
    case 'latency':
      return 'not measured: the run config has no measure.latency (lineinfo-bench latency measures one kernel).';
    case 'pareto':
      return data.latency.length
        ? `not measured: needs cold-cache latency on the uniform address set for ${data.mainRules} tables.`
        : 'not measured: needs cold-cache latency (measure.latency in the run config).';
    default:
      return 'nothing measured.';
  }
}

/** Every filter at "all"; the growth chart on the first base. */
export function allFilter(data: DashboardData): Filter {
  return {
    arch: '',
    config: '',
    compiler: '',
    rules: '',
    format: '',
    base: data.bases[0]?.id ?? '',
  };
}

/** What the page embeds: the data its script filters, the filters offered, and the unfiltered charts. */
export function dashboardPayload(run: RunResult) {
  const data = dashboardData(run);
  const series = chartSeries(data, allFilter(data));
  const charts: Partial<Record<ChartId, Series>> = {};
  const absent: Partial<Record<ChartId, string>> = {};
  for (const id of CHART_IDS) {
    if (hasData(series[id])) charts[id] = series[id];
    else absent[id] = absentNote(run, data, id);
  }
  return { filters: filterOptions(data), charts, absent, data };
}

/** The rule set's name in the filter: with its revision, or the revision whose layouts ours use. */
function rulesOption(run: RunResult, rules: string): string {
  const rec = run.kernels[0]?.measure.revisions?.[rules];
  const rev = rec?.revision ?? revisionOfRules(rules).id;
  const ours = rec?.ours ?? revisionOfRules(rules).rules !== rules;
  if (ours) return `${rules} (ours, ${rev} layouts)`;
  return rev === rules ? rules : `${rules} (revision ${rev})`;
}

const attr = (name: string, v: string | undefined) =>
  v === undefined ? '' : ` data-${name}="${esc(v)}"`;

/**
 * A self-contained dashboard: filters, the summary table, every table, and
 * one chart per question (growth per arch, bytes per entry per format, where
 * the bytes go, agreement per rule set, and when measured the block-size
 * curve, latency and the Pareto frontier); a chart the run has no data for
 * is a one-line note. Drawn by Chart.js from the run's own numbers.
 */
export function renderHtml(run: RunResult): string {
  const rows = summaryRows(run);
  const columns = growthColumns(run, rows);
  const payload = dashboardPayload(run);
  const { data, filters } = payload;
  const tableRows = rows
    .map(
      (r) =>
        `<tr${attr('kernel', r.kernel)}${attr('rules', r.rules)}${attr('format', r.format)}><td>${esc(r.kernel)}</td><td>${esc(r.arch)}</td><td>${esc(r.rules)}</td><td>${n(r.entries)}</td><td>${n(r.files)}</td>` +
        `<td>${n(r.flatBytes)}</td><td>${esc(r.format ?? '-')}</td><td>${n(r.formatBytes)}</td><td>${r.bytesPerEntry?.toFixed(3) ?? '-'}</td>` +
        `<td>${r.ratio ? `${r.ratio.toFixed(2)}x` : '-'}</td>${columns.map((c) => `<td>${esc(growthCell(r, c))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const kernelOf = new Map(data.kernels.map((k) => [k.id, k]));
  const everyRow = data.tables
    .map((t) => {
      const k = kernelOf.get(t.kernel)!;
      return (
        `<tr${attr('kernel', t.kernel)}${attr('rules', t.rules)}${attr('format', t.format)}><td>${esc(t.kernel)}</td><td>${esc(k.arch)}</td><td>${esc(t.rules)}</td><td>${esc(t.format)}</td>` +
        `<td>${n(t.entries)}</td><td>${n(t.total)}</td><td>${t.bytesPerEntry.toFixed(3)}</td>` +
        `${columns.map((c) => `<td>${t.growth[c.id] === undefined ? '-' : `${t.growth[c.id].toFixed(2)}%`}</td>`).join('')}</tr>`
      );
    })
    .join('\n');
  const mods = moduleRows(run);
  const modulesTable = mods.length
    ? `<h2>Modules: the sum of their .mod_lineinfo sections (${esc(mods[0].format)})</h2>
<div class="scroll"><table id="modules">
<thead><tr>${MODULE_HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${mods
  .map(
    (r) =>
      `<tr${attr('kernel', r.kernel)}>${moduleCells(r)
        .map((c) => `<td>${esc(c)}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody>
</table></div>
<p class="note">Upstream: relocated as scripts/gen_lineinfo does (only .debug_line's 32-bit absolute relocations); full: every debug relocation applied. Percent of vmlinux's own table and growth are of the full sum. ${esc(moduleLayoutNote(mods))}</p>`
    : '';
  const failures = [
    ...run.failures.map((f) => `<p class="fail">${esc(f.id)} failed: ${esc(f.error)}</p>`),
    ...moduleErrors(run).map(
      (e) => `<p class="fail">${esc(e.kernel)}: modules not measured: ${esc(e.error)}</p>`,
    ),
  ].join('\n');
  const select = (key: FilterKey, label: (v: string) => string = (v) => v) =>
    `<label>${key === 'rules' ? 'rules (revision)' : key} <select name="${key}" data-filter>` +
    `<option value="">all (${filters[key].length})</option>` +
    filters[key].map((v) => `<option value="${esc(v)}">${esc(label(v))}</option>`).join('') +
    '</select></label>';
  const chartBox = (id: ChartId) => {
    const extra =
      id === 'growth' && data.bases.length > 1
        ? ` <label class="inline">of <select name="base" data-filter>${data.bases.map((b) => `<option value="${esc(b.id)}">${esc(b.heading)}</option>`).join('')}</select></label>`
        : '';
    return ` <section class="chart" data-chart="${id}"><h2>${esc(CHART_TITLES[id])}${extra}</h2><p class="caption" id="${id}-caption">${esc(payload.charts[id]!.caption)}</p><div class="canvas-box"><canvas id="${id}" role="img" aria-label="${esc(CHART_TITLES[id])}"></canvas></div><p class="note" id="${id}-note"></p></section>`;
  };
  const present = CHART_IDS.filter((id) => payload.charts[id]);
  const absent = CHART_IDS.filter((id) => payload.absent[id]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lineinfo-bench: ${esc(run.config.name)} (${esc(run.runId)})</title>
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; overflow-wrap: anywhere; }
 h1 { font-size: 1.6em; } h2 { font-size: 1.15em; margin: 0.6em 0 0.2em; }
 .scroll { overflow-x: auto; max-width: 100%; }
 table { border-collapse: collapse; margin: 12px 0; overflow-wrap: normal; }
 th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
 th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
 #tables th:nth-child(4), #tables td:nth-child(4) { text-align: left; }
 .filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 8px 12px; background: #f4f6f8; border: 1px solid #dde; position: sticky; top: 0; z-index: 1; }
 .filters select { max-width: 14em; }
 .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(560px, 100%), 1fr)); gap: 24px; }
 .chart { min-width: 0; } .canvas-box { position: relative; height: 340px; }
 .caption, .note { color: #666; margin: 0.2em 0; } .fail { color: #b00; }
 label.inline { font-size: 0.8em; font-weight: normal; }
 @media (max-width: 600px) { body { margin: 10px; } th, td { padding: 2px 4px; } .filters { position: static; } }
</style>
</head>
<body>
<h1>lineinfo-bench: ${esc(run.config.name)}</h1>
<p>${esc(run.config.description ?? '')}</p>
<p class="note">Rules: ${esc(revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; '))}.</p>
<p class="note">Run ${esc(run.runId)}, ${esc(toolName(run))}, ${run.machine.cpus} CPUs (${esc(run.machine.cpuModel)}).
Every table was verified (round trip; lookups against the flat search). B/entry = (index + data) / entries.</p>
<form id="filters" class="filters">
${select('arch')}
${select('config')}
${select('compiler')}
${select('rules', (v) => rulesOption(run, v))}
${select('format')}
<span id="shown" class="note">${data.kernels.length} of ${data.kernels.length} kernels</span>
</form>
<h2>Summary: each rule set's first non-flat format against flat</h2>
<div class="scroll"><table id="summary">
<thead><tr><th>kernel</th><th>arch</th><th>rules</th><th>entries</th><th>files</th><th>flat bytes</th><th>format</th><th>bytes</th><th>B/entry</th><th>ratio</th>${columns.map((c) => `<th>growth ${esc(c.heading)}</th>`).join('')}</tr></thead>
<tbody>
${tableRows}
</tbody>
</table></div>
<p class="note" id="summary-note"></p>
<details id="every-table"><summary>Every table measured (${data.tables.length})</summary>
<div class="scroll"><table id="tables">
<thead><tr><th>kernel</th><th>arch</th><th>rules</th><th>format</th><th>entries</th><th>bytes</th><th>B/entry</th>${columns.map((c) => `<th>growth ${esc(c.heading)}</th>`).join('')}</tr></thead>
<tbody>
${everyRow}
</tbody>
</table></div>
</details>
${modulesTable}
${failures}
<div class="charts">
${present.map(chartBox).join('\n')}
</div>
${absent.length ? `<h2>Not in this run</h2>\n<ul id="absent">\n${absent.map((id) => `<li data-chart="${id}"><b>${esc(CHART_TITLES[id])}</b>: ${esc(payload.absent[id]!)}</li>`).join('\n')}\n</ul>` : ''}

<script>${chartJs()}</script>
<script id="run-data" type="application/json">${scriptJson(payload)}</script>
<script>
${DASHBOARD_FUNCTIONS_JS}
${CLIENT}
</script>
</body>
</html>
`;
}
