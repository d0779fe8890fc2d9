import type { RunResult } from '../results/schema.js';
import { n, summaryCells, summaryHead, summaryRows } from './model.js';

function table(head: string[], rows: string[][], right: boolean[]): string {
  const sep = head.map((_, i) => (right[i] ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function renderMarkdown(run: RunResult): string {
  const rows = summaryRows(run);
  const bases = [...new Set(rows.flatMap((r) => Object.keys(r.growth)))];
  const out = [
    `# lineinfo-bench run ${run.runId}`,
    '',
    run.config.description ?? run.config.name,
    '',
  ];
  out.push(
    table(
      summaryHead(bases, (b) => `growth ${b}`),
      rows.map((r) => summaryCells(r, bases)),
      [false, false, false, true, true, true, false, true, true, true, ...bases.map(() => true)],
    ),
  );
  for (const k of run.kernels) {
    out.push('', `## ${k.id}`, '', 'Bytes by bucket (they add up to the total):', '');
    out.push(
      table(
        [
          'rules',
          'format',
          'counts',
          'index',
          'data',
          'file offsets',
          'file names',
          'padding',
          'total',
        ],
        k.measure.tables.map((t) => [
          t.rules,
          t.format,
          n(t.buckets.counts),
          n(t.buckets.index),
          n(t.buckets.data),
          n(t.buckets.file_offsets),
          n(t.buckets.filenames),
          n(t.buckets.padding),
          n(t.total),
        ]),
        [false, false, true, true, true, true, true, true, true],
      ),
    );
    const a = k.measure.agreement;
    if (a) {
      out.push(
        '',
        `Agreement with the tools on ${n(a.samples)} sampled addresses (seed ${a.seed}):`,
        '',
      );
      out.push(
        table(
          ['rules', 'tool', 'agree'],
          a.results.flatMap((r) =>
            r.tools.map((t) => [r.rules, t.tool, `${t.percent.toFixed(2)}%`]),
          ),
          [false, false, true],
        ),
      );
    }
  }
  for (const f of run.failures) out.push('', `**${f.id} failed:** ${f.error}`);
  return `${out.join('\n')}\n`;
}
