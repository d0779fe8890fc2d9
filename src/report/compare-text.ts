import {
  alignColumns,
  type Comparison,
  compareCells,
  compareHead,
  compareNotes,
  compareTitle,
  compareTotalCells,
} from './compare-model.js';

const WIDTH = 72;

function wrap(text: string, indent = ''): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > WIDTH) {
      lines.push(cur);
      cur = indent + w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/**
 * A comparison as plain ASCII of at most 72 columns, to paste into a
 * mailing-list reply: what is compared, the table sorted by delta,
 * the total, and how the total is taken. Columns are headed by what differs
 * (v1-v4, mru-huffman:64) when that fits, else "before" and "after".
 */
export function renderCompareText(c: Comparison): string {
  const body = c.rows.map((r) => compareCells(c, r));
  const total = c.total ? compareTotalCells(c, c.total) : undefined;
  const table = (head: string[]) => {
    const lines = alignColumns([head, ...body, ...(total ? [total] : [])]);
    const rule = '-'.repeat(Math.max(...lines.map((l) => l.length)));
    const out = [lines[0], rule, ...lines.slice(1, 1 + body.length)];
    if (total) out.push(rule, lines[lines.length - 1]);
    return out;
  };
  let lines = table(compareHead(c));
  const named = lines.every((l) => l.length <= WIDTH);
  if (!named) lines = table(['kernel', 'before', 'after', 'delta', 'percent']);
  const out = [...wrap(compareTitle(c)), ''];
  // headed "before" and "after": say which is which
  if (!named) out.push(`before: ${c.beforeLabel}`, `after:  ${c.afterLabel}`, '');
  out.push(...lines);
  const notes = compareNotes(c);
  if (notes.length) out.push('', ...notes.flatMap((x) => wrap(x)));
  return `${out.join('\n')}\n`;
}
