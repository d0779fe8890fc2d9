import type { RunDiff } from '../results/diff.js';

/** The diff as bloat-o-meter prints it. */
export function renderDiff(d: RunDiff): string {
  const out = [
    `add/remove: ${d.added}/${d.removed} grow/shrink: ${d.grown}/${d.shrunk} up/down: ${d.up}/${d.down} (${d.up + d.down})`,
  ];
  const w = Math.max(5, ...d.rows.map((r) => r.name.length));
  out.push(
    `${'Table'.padEnd(w)} ${'old'.padStart(12)} ${'new'.padStart(12)} ${'delta'.padStart(12)}`,
  );
  for (const r of d.rows) {
    const sign = r.delta > 0 ? '+' : '';
    out.push(
      `${r.name.padEnd(w)} ${String(r.before ?? '-').padStart(12)} ${String(r.after ?? '-').padStart(12)} ${(sign + r.delta).padStart(12)}`,
    );
  }
  if (d.rows.length === 0) out.push('[ = ]');
  const chg = d.totalBefore ? (100 * (d.totalAfter - d.totalBefore)) / d.totalBefore : 0;
  out.push(
    `Total: Before=${d.totalBefore}, After=${d.totalAfter}, chg ${chg >= 0 ? '+' : ''}${chg.toFixed(2)}%`,
  );
  return `${out.join('\n')}\n`;
}
