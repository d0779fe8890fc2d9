import {
  alignColumns,
  type Comparison,
  compareCells,
  compareHead,
  compareNotes,
  compareTitle,
  compareTotalCells,
} from './compare-model.js';

const BAR = 16;

/** The delta as a bar beside the table, scaled to the largest delta: growth ▶, savings ◀. */
function deltaBar(delta: number | undefined, largest: number): string {
  if (delta === undefined || largest === 0) return '';
  const cells = Math.max(delta === 0 ? 0 : 1, Math.round((BAR * Math.abs(delta)) / largest));
  return `${delta > 0 ? '+' : '-'}${'█'.repeat(cells)}`;
}

/** A comparison for the terminal: the sides, the table sorted by delta with a bar per kernel, the total. */
export function renderCompareTerminal(c: Comparison): string {
  const largest = Math.max(0, ...c.rows.map((r) => Math.abs(r.delta ?? 0)));
  const body = c.rows.map((r) => [...compareCells(c, r), deltaBar(r.delta, largest)]);
  const total = c.total ? [...compareTotalCells(c, c.total), ''] : undefined;
  const fixed = alignColumns([[...compareHead(c), ''], ...body, ...(total ? [total] : [])], [0, 5]);
  const rule = '─'.repeat(Math.max(...fixed.map((l) => l.length)));
  const out = [compareTitle(c), '', fixed[0], rule, ...fixed.slice(1, 1 + body.length)];
  if (total) out.push(rule, fixed[fixed.length - 1]);
  const notes = compareNotes(c);
  if (notes.length) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}
