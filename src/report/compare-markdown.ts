import {
  type Comparison,
  compareCells,
  compareHead,
  compareNotes,
  compareTitle,
  compareTotalCells,
} from './compare-model.js';

/** A comparison as a Markdown table: figures right-aligned, the total row in bold. */
export function renderCompareMarkdown(c: Comparison): string {
  const head = compareHead(c);
  const rows = c.rows.map((r) => compareCells(c, r));
  if (c.total) rows.push(compareTotalCells(c, c.total).map((x) => `**${x}**`));
  const sep = head.map((_, i) => (i === 0 ? '---' : '---:'));
  const out = [
    `**${compareTitle(c)}**`,
    '',
    ...[head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`),
  ];
  for (const note of compareNotes(c)) out.push('', note);
  return `${out.join('\n')}\n`;
}
