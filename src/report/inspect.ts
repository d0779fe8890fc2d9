import type { InspectResult } from '../lineinfo/inspect.js';
import { RULE_SETS } from '../lineinfo/rules.js';

const n = (v: number) => v.toLocaleString('en-US');

const DROP_LABELS: Record<string, string> = {
  lineZero: 'line 0',
  noFileName: 'no file name',
  belowBase: 'below the base',
  aboveEnd: 'at or above the end',
  offsetOver4G: 'offset > 4 GiB',
  notStatement: 'not a statement row',
  endSequence: 'end of sequence',
  outsideUnits: "in no compile unit's ranges",
  unorderedSequence: 'in an unordered sequence, not what llvm-symbolizer answers',
  sameOffset: 'another row at its offset won',
  sameFileLine: 'same file:line as the one before',
};

function versions(v: Record<string, number>): string {
  return Object.entries(v)
    .map(([ver, count]) => `v${ver} x${n(count)}`)
    .join(', ');
}

/** `inspect` as aligned plain text, ready to paste into a mail. */
export function renderInspectText(r: InspectResult): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(14)}${v}`);
  lines.push(r.file);
  row('arch', `${r.arch} (ELF${r.bits}, ${r.endianness}-endian, ${r.elfType})`);
  row(
    'DWARF',
    `units ${versions(r.dwarf.unitVersions)}; line tables ${versions(r.dwarf.lineVersions)}`,
  );
  const compressed = Object.entries(r.dwarf.compression).filter(([, c]) => c !== 'none');
  row(
    'compressed',
    compressed.length ? compressed.map(([s, c]) => `${s} (${c})`).join(', ') : 'no',
  );
  row(
    'units',
    `${n(r.dwarf.units)} (${n(r.dwarf.unitsWithLines)} with a line table, ${n(r.dwarf.sequences)} sequences` +
      `${r.dwarf.unitsSkipped ? `, ${n(r.dwarf.unitsSkipped)} skipped as libdw skips them` : ''})`,
  );
  row('.debug_line', `${n(r.dwarf.debugLineBytes)} bytes`);
  row('base', `${r.baseFrom} = ${r.base}`);
  if (r.revision) row('revision', r.revision);
  row(
    'rules',
    `${r.rules}: ${RULE_SETS[r.rules]?.description ?? '?'}${r.end ? ` (end ${r.end})` : ''}`,
  );
  if (r.buildRoots) row('build roots', r.buildRoots.length ? r.buildRoots.join(', ') : 'none');
  row('rows read', n(r.rowsRead));
  row('rows dropped', n(r.rowsDropped));
  const width = Math.max(...Object.values(r.drops).map((v) => n(v).length));
  for (const [k, v] of Object.entries(r.drops)) {
    lines.push(`    ${(DROP_LABELS[k] ?? k).padEnd(34)}${n(v).padStart(width)}`);
  }
  if (r.symbolStarts) {
    row('symbol starts', `${n(r.symbolStarts.synthesized)} entries copied to a function start,`);
    row('', `${n(r.symbolStarts.keptAtStart)} kept there though they repeat the line before`);
  }
  if (r.unitRangeGaps !== undefined)
    row(
      'unit gaps',
      `${n(r.unitRangeGaps)} "no line" entries where no compile unit covers the code`,
    );
  if (r.warnings.length > 0) {
    // one line per part read past, as the drops: what it is, and what was left out
    row(
      'read past',
      `${n(r.warnings.length)} part${r.warnings.length === 1 ? '' : 's'} of the file (see the warnings)`,
    );
    for (const w of r.warnings) lines.push(`    ${w.part}: skipped ${w.skipped}`);
  }
  row('entries', n(r.entries));
  row('files', n(r.files));
  row('time', `${(r.timeMs / 1000).toFixed(2)} s`);
  return `${lines.join('\n')}\n`;
}
