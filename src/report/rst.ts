import { mainRules } from '../results/config.js';
import type { RunResult } from '../results/schema.js';
import { moduleRows, pct, revisionNotes, summaryRows } from './model.js';

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
 * growth in percent per architecture and config, as reviewers asked.
 */
export function renderRst(run: RunResult): string {
  const rows = summaryRows(run).filter((r) => r.rules === mainRules(run.config));
  const format = rows.find((r) => r.format)?.format ?? 'flat';
  const out = [
    'Memory Overhead',
    '===============',
    '',
    `The tables grow the kernel as below (${format} format, ${mainRules(run.config)}`,
    `rules; lineinfo-bench ${run.tool.version}, run ${run.runId}).`,
    `Rules: ${revisionNotes([mainRules(run.config)], run.kernels[0]?.measure.revisions)[0]}.`,
    '"Loaded" is every SHF_ALLOC section of vmlinux; "boot image" counts the',
    'table compressed as the image is, with the compressor the .config selects.',
    '',
  ];
  out.push(
    simpleTable(
      ['Architecture', 'Config', 'Entries', 'Bytes/entry', 'Table', 'Loaded', 'Boot image'],
      rows.map((r) => [
        r.arch,
        // the same config from gcc and clang are two rows: say which
        `${r.config ?? r.kernel}${r.compiler ? ` (${r.compiler})` : ''}`,
        r.entries.toLocaleString('en-US'),
        (r.bytesPerEntry ?? 10).toFixed(2),
        `${((r.formatBytes ?? r.flatBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`,
        pct(r.growth.loaded),
        pct(r.growth.image),
      ]),
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
        ['Architecture', 'Kernel', 'Modules', 'Entries', 'Table', '% of vmlinux table', 'Loaded'],
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
    );
  }
  return `${out.join('\n')}\n`;
}
