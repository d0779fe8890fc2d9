import { revisionOfRules } from '../encodings/revisions.js';
import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import {
  kernelBaseLabel,
  moduleLayoutNote,
  moduleRows,
  pct,
  revisionNotes,
  toolName,
  upstreamTable,
} from './model.js';

/** Words wrapped at 76 columns, as the kernel's .rst files are. */
function wrapRst(text: string): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > 76) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** The format of the rows: one name, or each named when kernels differ. */
function formatOf(formats: string[]): string {
  const set = [...new Set(formats)];
  return set.length ? set.join(' / ') : 'flat';
}

/** An RST simple table: columns separated by spaces, '=' rules above and below the header. */
function simpleTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const rule = w.map((x) => '='.repeat(x)).join('  ');
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(w[i]))
      .join('  ')
      .trimEnd();
  return [rule, fmt(head), rule, ...rows.map(fmt), rule].join('\n');
}

/**
 * The "Memory Overhead" table for Documentation/admin-guide/kallsyms-lineinfo.rst:
 * growth in percent per architecture and config, as reviewers asked, for the
 * run's revision (its main rule set) in that revision's own layout.
 */
export function renderRst(run: RunResult): string {
  const rules = mainRules(run.config);
  const rows = run.kernels.flatMap((k) => {
    const { table, revision } = upstreamTable(k.measure.tables, rules);
    return table ? [{ k, table, revision }] : [];
  });
  const revision = rows[0]?.revision ?? revisionOfRules(rules);
  const format = formatOf(rows.map((r) => r.table.format));
  const main = revision.vmlinuxLayouts[0];
  const out = [
    'Memory Overhead',
    '===============',
    '',
    ...wrapRst(
      `Revision ${revision.id} of the series (${revision.covers}): the tables grow the kernel as below (${format} format${format === main ? ", the revision's own" : `; ${revision.note}`}; ${rules} rules; ${toolName(run)}, run ${run.runId}).`,
    ),
    // rules of ours are measured in a revision's layouts: say so
    ...(revision.rules === rules
      ? []
      : wrapRst(`Rules: ${revisionNotes([rules], run.kernels[0]?.measure.revisions)[0]}.`)),
    '"Loaded size" is every SHF_ALLOC section of vmlinux; "Boot image" is the',
    'file named under "Image file", and counts the table compressed as that',
    'image is, with the compressor the .config selects.',
    '',
  ];
  out.push(
    simpleTable(
      [
        'Architecture',
        'Config',
        'Entries',
        'Bytes/entry',
        'Table',
        'Loaded size',
        'Boot image',
        'Image file',
      ],
      rows.map(({ k, table: t }) => {
        const md = k.measure.kernel.metadata;
        return [
          md.arch,
          // the same config from gcc and clang are two rows: say which
          `${md.configName ?? k.id}${md.compiler ? ` (${md.compiler})` : ''}`,
          t.entries.toLocaleString('en-US'),
          t.bytesPerEntry.toFixed(2),
          `${(t.total / 2 ** 20).toFixed(1)} MiB`,
          pct(t.growth.loaded),
          pct(t.growth.image),
          kernelBaseLabel(k.measure, 'image') ?? '-',
        ];
      }),
    ),
  );
  const mods = moduleRows(run);
  if (mods.length) {
    out.push(
      '',
      `Modules carry their own table (.mod_lineinfo, ${mods[0].format}); their sum,`,
      "fully relocated, against vmlinux's table and the modules' loaded size:",
      '',
      simpleTable(
        [
          'Architecture',
          'Kernel',
          'Modules',
          'Entries',
          'Table',
          '% of vmlinux table',
          'Loaded size',
        ],
        mods.map((r) => [
          r.arch,
          r.kernel,
          r.modules.toLocaleString('en-US'),
          r.fullEntries.toLocaleString('en-US'),
          `${(r.fullBytes / 2 ** 20).toFixed(1)} MiB`,
          pct(r.percentOfVmlinux),
          pct(r.growthAlloc),
        ]),
      ),
      '',
      ...wrapRst(moduleLayoutNote(mods)),
    );
  }
  return `${out.join('\n')}\n`;
}
