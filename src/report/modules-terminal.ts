import Table from 'cli-table3';
import type { ModuleMeasure } from '../measure/module-tables.js';
import type { ModuleSetResult } from '../measure/modules.js';

const n = (v: number) => v.toLocaleString('en-US');
const p = (v: number) => `${v.toFixed(2)}%`;
const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
const style = { head: [], border: [] };

/** One module's rows, upstream and full; a module the full relocation could not read shows '-' for it. */
function modeRows(m: ModuleMeasure, label = (mode: string) => mode): string[][] {
  return (['upstream', 'full'] as const).map((mode) => {
    const r = m[mode];
    return r
      ? [label(mode), n(r.entries), n(r.files), n(r.rowsRead), ...r.tables.map((x) => n(x.total))]
      : [label(mode), ...['-', '-', '-'], ...m.upstream.tables.map(() => '-')];
  });
}

function moduleLine(m: ModuleMeasure, main: string): string[] {
  const out: string[] = [];
  const t = new Table({
    head: [
      'relocation',
      'entries',
      'files',
      'rows read',
      ...m.upstream.tables.map((x) => x.format),
    ],
    chars,
    style,
  });
  t.push(...modeRows(m));
  out.push(t.toString());
  out.push(
    m.growth
      ? `${main} (full) grows .text (${n(m.sizes.text)} B) by ${p(m.growth.text)}, loaded sections (${n(m.sizes.alloc)} B) by ${p(m.growth.alloc)}, ` +
          `the .ko without DWARF (${n(m.sizes.stripped)} B) by ${p(m.growth.stripped)}`
      : `${main} (full): no figures, the full relocation could not read the module (see the warning); growth, quoted on the full table, is left out`,
  );
  return out;
}

/** `modules` for the terminal: totals of both relocation modes, the distribution, the largest, and where the modes differ. */
export function renderModulesTerminal(r: ModuleSetResult): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(
    `${r.source}: ${n(s.modules)} modules${s.arch ? ` (${s.arch})` : ''}, ${n(s.skipped)} skipped, rules ${r.rules}, ` +
      `read in ${(r.timeMs / 1000).toFixed(1)} s on ${r.jobs} thread${r.jobs === 1 ? '' : 's'}`,
  );
  if (r.modules.length === 1) {
    out.push('', ...moduleLine(r.modules[0], r.mainFormat));
    // the sums below are over the modules read both ways: none here
    if (!r.modules[0].full) return `${out.join('\n')}\n`;
  } else {
    const t = new Table({
      head: ['relocation', 'entries', 'files (sum)', 'rows read', ...r.formats],
      chars,
      style,
    });
    for (const mode of ['upstream', 'full'] as const) {
      const x = s.totals[mode];
      t.push([
        mode,
        n(x.entries),
        n(x.files),
        n(x.rowsRead),
        ...r.formats.map((f) => n(x.bytes[f])),
      ]);
    }
    const only = s.upstreamOnly ?? { count: 0, modules: [] };
    out.push(
      '',
      only.count
        ? `Totals (bytes of each .mod_lineinfo layout, summed over the ${n(s.modules - only.count)} modules read both ways; ` +
            `${n(only.count)} read with upstream relocation only ${only.count === 1 ? 'is' : 'are'} left out of every figure below):`
        : 'Totals (bytes of each .mod_lineinfo layout, summed over the modules):',
      t.toString(),
    );
    if (only.count) {
      const u = new Table({
        head: ['upstream relocation only', 'entries', 'files', 'rows read', ...r.formats],
        chars,
        style,
      });
      const listed = r.modules.filter((m) => !m.full).slice(0, 20);
      for (const m of listed) u.push(...modeRows(m, (mode) => `${m.name} (${mode})`));
      out.push(
        '',
        `The full relocation could not read ${n(only.count)} module${only.count === 1 ? '' : 's'} (see the warnings): upstream figures only, no comparison or growth:`,
      );
      // a run keeps no per-module list: the summary's names and entries then
      if (listed.length) out.push(u.toString());
      else
        for (const m of only.modules)
          out.push(
            `  ${m.name}: ${n(m.upstreamEntries)} entries, ${n(m.upstreamBytes)} B upstream (${m.reason})`,
          );
      if (only.count > Math.max(listed.length, only.modules.length))
        out.push(
          `  ... and ${n(only.count - Math.max(listed.length, only.modules.length))} more (modules --json lists them all)`,
        );
    }
    const d = s.distribution;
    const u = s.distributionUpstream;
    out.push(
      '',
      `Per module, ${r.mainFormat}: median ${n(d.median)} B, p90 ${n(d.p90)} B, max ${n(d.max)} B, mean ${n(Math.round(d.mean))} B` +
        ` (upstream relocation: median ${n(u.median)}, p90 ${n(u.p90)})`,
      `Sum ${n(d.sum)} B grows the modules' .text (${n(s.sizes.text)} B) by ${p(s.growth.text)}, loaded sections (${n(s.sizes.alloc)} B) by ${p(s.growth.alloc)}, ` +
        `.ko files without DWARF (${n(s.sizes.stripped)} B) by ${p(s.growth.stripped)}`,
    );
    if (r.vmlinux) {
      out.push(
        `vmlinux's table (${r.vmlinux.format}): ${n(r.vmlinux.bytes)} B for ${n(r.vmlinux.entries)} entries; the modules add ${p(r.vmlinux.modulesPercent)} of that`,
      );
    }
    const l = new Table({
      head: ['largest twenty', 'bytes', 'entries', '.text', '% .text'],
      chars,
      style,
    });
    for (const x of s.largest)
      l.push([x.name, n(x.bytes), n(x.entries), n(x.text), p(x.growthText)]);
    out.push('', l.toString());
  }
  const unknown = { ...s.totals.full.unknownRelocations };
  if (Object.keys(unknown).length) {
    out.push(
      '',
      `Unknown relocation types, not applied: ${Object.entries(unknown)
        .map(([k, v]) => `${k} x${n(v)}`)
        .join(', ')}`,
    );
  }
  const up = s.totals.upstream;
  const covered = Boolean(s.totals.full.sections);
  out.push(
    '',
    `Line tables read: ${n(up.unitsWithLines)} of ${n(up.units)} compile units with upstream relocation (.debug_info unrelocated: ` +
      `later units parse as garbage), ${n(s.totals.full.unitsWithLines)} fully relocated; full relocation dropped ` +
      (covered
        ? `${n(s.totals.full.rowsOutsideText)} rows outside the covered sections (.text.unlikely and other code sections get no table).`
        : `${n(s.totals.full.rowsOutsideText)} rows at or past .text's end (other sections' sequences, and end rows at .text's end).`),
  );
  if (covered) {
    const sec = (t: Record<string, number> | undefined) =>
      Object.entries(t ?? {})
        .map(([name, count]) => `${name} ${n(count)}`)
        .join(', ');
    out.push(
      `Entries per covered section: upstream ${sec(s.totals.upstream.sections)}; full ${sec(s.totals.full.sections)}.`,
    );
  }
  const both = s.modules - (s.upstreamOnly?.count ?? 0);
  out.push(
    '',
    `The two relocations differ in ${n(s.differ.count)} of ${n(both)} modules${both === s.modules ? '' : ' read both ways'}:`,
  );
  for (const [c, count] of Object.entries(s.differ.byCause).sort((a, b) => b[1] - a[1]))
    out.push(`  ${c.padEnd(15)}${n(count).padStart(6)}  ${r.causes[c] ?? ''}`);
  const shown = s.differ.modules.slice(0, 20);
  for (const m of shown)
    out.push(
      `  ${m.name}: ${n(m.upstreamEntries)} vs ${n(m.fullEntries)} entries (${m.causes.join(', ')})`,
    );
  if (s.differ.count > shown.length)
    out.push(`  ... and ${n(s.differ.count - shown.length)} more (modules --json lists them all)`);
  return `${out.join('\n')}\n`;
}
