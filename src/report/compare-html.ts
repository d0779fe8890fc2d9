import {
  type Comparison,
  compareCells,
  compareHead,
  compareNotes,
  compareTitle,
  compareTotalCells,
} from './compare-model.js';

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** A bar for the delta, scaled to the largest: growth red to the right, savings green to the left. */
function deltaBar(delta: number | undefined, largest: number): string {
  if (delta === undefined || largest === 0) return '';
  const width = ((100 * Math.abs(delta)) / largest).toFixed(1);
  return `<span class="bar ${delta > 0 ? 'up' : 'down'}" style="width:${width}%"></span>`;
}

/**
 * A comparison as a small self-contained HTML page (no script, no network):
 * the sides, the table sorted by delta with a bar per kernel, the total row.
 */
export function renderCompareHtml(c: Comparison): string {
  const largest = Math.max(0, ...c.rows.map((r) => Math.abs(r.delta ?? 0)));
  const row = (cells: string[], bar: string, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${cells
      .map((x, i) => (i === 0 ? `<th scope="row">${esc(x)}</th>` : `<td>${esc(x)}</td>`))
      .join('')}<td class="delta-bar">${bar}</td></tr>`;
  const body = c.rows.map((r) => row(compareCells(c, r), deltaBar(r.delta, largest)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(compareTitle(c))}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
td { text-align: right; }
th[scope="row"] { text-align: left; font-weight: normal; }
thead th { text-align: right; border-bottom: 2px solid #888; }
thead th:first-child { text-align: left; }
tfoot th, tfoot td { font-weight: bold; border-top: 2px solid #888; }
td.delta-bar { width: 10em; text-align: left; }
.bar { display: inline-block; height: 0.8em; }
.bar.up { background: #c0392b; }
.bar.down { background: #27ae60; }
</style>
</head>
<body>
<h1>${esc(compareTitle(c))}</h1>
<table>
<thead><tr>${compareHead(c)
    .map((h) => `<th>${esc(h)}</th>`)
    .join('')}<th></th></tr></thead>
<tbody>
${body.join('\n')}
</tbody>
${c.total ? `<tfoot>\n${row(compareTotalCells(c, c.total), '')}\n</tfoot>\n` : ''}</table>
${compareNotes(c)
  .map((p) => `<p>${esc(p)}</p>`)
  .join('\n')}
</body>
</html>
`;
}
