import Table from 'cli-table3';
import { CAUSES, type RuleAgreement } from '../measure/agreement.js';
import { baseLabel } from '../measure/growth.js';
import type { MeasureResult } from '../measure/kernel.js';
import { lostCell, printedNote, revisionNotes, wrongCell } from './model.js';

const n = (v: number) => v.toLocaleString('en-US');

/** `measure` for the terminal: one table of sizes and growth, one of agreement; plain ASCII borders paste well. */
export function renderMeasureTerminal(r: MeasureResult): string {
  const m = r.kernel.metadata;
  const out: string[] = [];
  out.push(
    `${r.kernel.vmlinux}\n  ${m.arch} (${m.bits}-bit ${m.endianness}-endian)${m.kernelVersion ? `, Linux ${m.kernelVersion}` : ''}` +
      `${m.compilerText ? `, ${m.compilerText}` : ''}`,
  );
  out.push('', `Rules: ${revisionNotes(Object.keys(r.bounds ?? {}), r.revisions).join('; ')}`);
  out.push('', 'Growth bases:');
  for (const b of r.bases)
    out.push(`  ${baseLabel(b).padEnd(17)}${n(b.bytes).padStart(14)} B  ${b.name}`);
  const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
  const head = [
    'rules',
    'format',
    'entries',
    'files',
    'index',
    'data',
    'file tables',
    'counts+pad',
    'total',
    'B/entry',
    'above bound',
    'all B/entry',
    ...r.bases.map((b) => `% ${baseLabel(b)}`),
  ];
  const t = new Table({ head, chars, style: { head: [], border: [] } });
  for (const x of r.tables) {
    t.push([
      x.rules,
      x.format,
      n(x.entries),
      n(x.files),
      n(x.buckets.index),
      n(x.buckets.data),
      n(x.buckets.file_offsets + x.buckets.filenames),
      n(x.buckets.counts + x.buckets.padding),
      n(x.total),
      x.bytesPerEntry.toFixed(3),
      `${x.aboveBoundPct.toFixed(0)}%`,
      x.bytesPerEntryAll.toFixed(3),
      ...r.bases.map((b) => (x.growth[b.id] === undefined ? '-' : `${x.growth[b.id].toFixed(2)}%`)),
    ]);
  }
  out.push('', t.toString());
  out.push(
    'B/entry = (index + data) / entries, as the series quotes it; all B/entry counts every byte.',
  );
  for (const [rules, b] of Object.entries(r.bounds ?? {})) {
    out.push(
      `Bound (${rules}): order-0 entropy of the deltas ${b.joint.toFixed(3)} B/entry jointly, ${b.separate.toFixed(3)} separately ` +
        `(offset ${b.offsetDelta.toFixed(3)}, file ${b.fileDelta.toFixed(3)}, line ${b.lineDelta.toFixed(3)}); "above bound" is against the joint one.`,
    );
  }
  out.push(
    'Columns add up: index + data + file tables + counts+pad = total. Every table verified (round trip, lookups).',
  );
  if (r.agreement) {
    out.push(
      '',
      `Agreement with the tools on ${n(r.agreement.samples)} addresses inside functions (seed ${r.agreement.seed}), each table's answer (a plain floor search):`,
    );
    const a = new Table({
      head: ['rules', 'entries', 'tool', 'agree', 'mismatches by cause'],
      chars,
      style: { head: [], border: [] },
    });
    for (const ra of r.agreement.results) {
      for (const tl of ra.tools) {
        const causes = CAUSES.filter((c) => tl.causes[c] > 0)
          .map((c) => `${n(tl.causes[c])} ${c}`)
          .join('\n');
        a.push([ra.rules, n(ra.entries), tl.tool, `${tl.percent.toFixed(2)}%`, causes || '-']);
      }
    }
    out.push(a.toString());
    out.push(...printedLines(r.agreement.results, chars));
  }
  out.push(`(${(r.timeMs / 1000).toFixed(1)} s)`);
  return `${out.join('\n')}\n`;
}

/** What each upstream revision's kernel would print (its own lookup): lost and wrong apart. */
function printedLines(results: RuleAgreement[], chars: Record<string, string>): string[] {
  const printed = results.filter((ra) => ra.printed);
  if (printed.length === 0) return [];
  const t = new Table({
    head: ['rules', 'revision', 'tool', 'agree', 'lost', 'wrong'],
    chars,
    style: { head: [], border: [] },
  });
  for (const ra of printed) {
    const p = ra.printed!;
    for (const tl of p.tools)
      t.push([
        ra.rules,
        p.revision,
        tl.tool,
        `${tl.percent.toFixed(2)}%`,
        lostCell(tl),
        wrongCell(tl),
      ]);
  }
  const note = printedNote(results);
  return ['', note.heading, `${note.legend}:`, t.toString(), ...note.lookups.map((l) => `  ${l}`)];
}
