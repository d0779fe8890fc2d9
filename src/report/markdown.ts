import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import {
  growthColumns,
  kernelBaseLabel,
  lostCell,
  MODULE_HEAD,
  moduleCells,
  moduleErrors,
  moduleLayoutNote,
  moduleRows,
  n,
  pct,
  printedNote,
  revisionNotes,
  smallestOfOurs,
  summaryCells,
  summaryHead,
  summaryRows,
  toolName,
  upstreamTable,
  wrongCell,
} from './model.js';

function table(head: string[], rows: string[][], right: boolean[]): string {
  const sep = head.map((_, i) => (right[i] ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/**
 * How to get one kernel's figures again: the run's own config cut down to
 * that kernel (same formats, rules, seed), or, for a run saved without its
 * config file's name, the commands that get and measure it.
 */
function reproduce(run: RunResult, id: string): string {
  if (run.configFile) return `\`lineinfo-bench run ${run.configFile} --only ${id}\``;
  const spec = run.config.kernels.find((k) => k.id === id);
  if (!spec) return '-';
  const fmts = `--format ${run.config.formats.join(',')}`;
  if ('debian' in spec) {
    // the version the run resolved, so the row names the very package
    const prov = run.kernels.find((k) => k.id === id)?.provenance;
    const version = spec.debian.version ?? (prov?.kind === 'debian' ? prov.version : undefined);
    return `\`lineinfo-bench measure debian:${spec.debian.flavour}${version ? `@${version}` : ''} ${fmts}\``;
  }
  if ('local' in spec) return `\`lineinfo-bench measure ${spec.local} ${fmts}\``;
  if ('tuxmake' in spec) return `\`lineinfo-bench measure tuxmake:${spec.tuxmake} ${fmts}\``;
  const b = spec.build;
  return `\`lineinfo-bench kernels build ${b.recipe} --arch ${b.arch}${b.compiler ? ` --compiler ${b.compiler}` : ''}\`, then \`measure\` its build directory`;
}

/**
 * Growth in percent per architecture and config, for upstream's format (the
 * revision's blocks of 64) and the smallest format of ours in the run: of
 * the loaded size and of the boot image file (the table compressed as the
 * image is), with the command that reproduces each row.
 */
export function growthByArch(run: RunResult): string {
  const rules = mainRules(run.config);
  const rows: string[][] = [];
  for (const k of run.kernels) {
    const up = upstreamTable(k.measure.tables, rules).table;
    const ours = smallestOfOurs(k.measure.tables, rules);
    if (!up || up.format === 'flat') continue;
    const md = k.measure.kernel.metadata;
    rows.push([
      md.arch,
      k.id,
      n(up.entries),
      `${up.format}: ${up.bytesPerEntry.toFixed(2)}`,
      pct(up.growth.loaded),
      pct(up.growth.image),
      ours ? `${ours.format}: ${ours.bytesPerEntry.toFixed(2)}` : '-',
      ours ? pct(ours.growth.loaded) : '-',
      ours ? pct(ours.growth.image) : '-',
      kernelBaseLabel(k.measure, 'image') ?? '-',
      reproduce(run, k.id),
    ]);
  }
  return table(
    [
      'arch',
      'kernel',
      'entries',
      'upstream B/entry',
      'upstream % loaded size',
      'upstream % boot image',
      'ours B/entry',
      'ours % loaded size',
      'ours % boot image',
      'boot image file',
      'reproduce',
    ],
    rows,
    [false, false, true, true, true, true, false, true, true, false, false],
  );
}

/**
 * The modules' .mod_lineinfo sections per kernel: entries and bytes under
 * upstream's relocation and fully relocated, and the full sum against
 * vmlinux's own table and the modules' sizes.
 */
export function modulesTable(run: RunResult): string {
  return table(MODULE_HEAD, moduleRows(run).map(moduleCells), [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
}

export function renderMarkdown(run: RunResult): string {
  const rows = summaryRows(run);
  const columns = growthColumns(run, rows);
  const out = [
    `# lineinfo-bench run ${run.runId}`,
    '',
    run.config.description ?? run.config.name,
    '',
    `Rules: ${revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; ')}.`,
    '',
    `Measured with ${toolName(run)}.`,
    '',
  ];
  out.push(
    table(
      summaryHead(columns, (h) => `growth ${h}`),
      rows.map((r) => summaryCells(r, columns)),
      [false, false, false, true, true, true, false, true, true, true, ...columns.map(() => true)],
    ),
  );
  if (
    run.kernels.some(
      (k) => upstreamTable(k.measure.tables, mainRules(run.config)).table?.format !== 'flat',
    )
  ) {
    out.push(
      '',
      `## Growth of the loaded size and the boot image (${mainRules(run.config)} rules)`,
      '',
      growthByArch(run),
    );
  }
  if (moduleRows(run).length)
    out.push(
      '',
      `## Modules (${mainRules(run.config)} rules)`,
      '',
      modulesTable(run),
      '',
      moduleLayoutNote(moduleRows(run)),
    );
  for (const e of moduleErrors(run))
    out.push('', `**${e.kernel}: modules not measured:** ${e.error}`);
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
      const printed = a.results.some((r) => r.printed);
      out.push(
        table(
          printed
            ? ['rules', 'tool', 'agree (table)', 'agree (as printed)', 'lost', 'wrong']
            : ['rules', 'tool', 'agree'],
          a.results.flatMap((r) =>
            r.tools.map((t) => {
              const cells = [r.rules, t.tool, `${t.percent.toFixed(2)}%`];
              if (!printed) return cells;
              const p = r.printed?.tools.find((pt) => pt.tool === t.tool);
              if (!p) return [...cells, '-', '-', '-'];
              return [...cells, `${p.percent.toFixed(2)}%`, lostCell(p), wrongCell(p)];
            }),
          ),
          printed ? [false, false, true, true, true, true] : [false, false, true],
        ),
      );
      if (printed) {
        const note = printedNote(a.results);
        out.push('', `${note.heading} ${note.legend}.`, '', ...note.lookups.map((l) => `- ${l}`));
      }
    }
  }
  for (const f of run.failures) out.push('', `**${f.id} failed:** ${f.error}`);
  return `${out.join('\n')}\n`;
}
