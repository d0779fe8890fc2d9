import type { RunResult } from '../results/schema.js';
import { comparedTable, moduleRows, n, revisionNotes } from './model.js';

const WIDTH = 72;

/** A label and a right-aligned value on one line of at most 72 columns. */
function line(label: string, value: string, indent = 4): string {
  const pad = Math.max(1, WIDTH - indent - label.length - value.length);
  return `${' '.repeat(indent)}${label}${' '.repeat(pad)}${value}`;
}

function wrap(text: string, indent = 0): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = ' '.repeat(indent);
  for (const w of words) {
    if (cur.trim() && cur.length + 1 + w.length > WIDTH) {
      lines.push(cur);
      cur = ' '.repeat(indent) + w;
    } else cur += (cur.trim() ? ' ' : '') + w;
  }
  if (cur.trim()) lines.push(cur);
  return lines;
}

/**
 * For a mailing-list reply: plain ASCII, at most 72 columns, in the style of
 * the series' own commit message ("Before (flat arrays): ... After: ...").
 */
export function renderMailText(run: RunResult): string {
  const out: string[] = [];
  for (const k of run.kernels) {
    const m = k.measure;
    const md = m.kernel.metadata;
    for (const rules of [...new Set(m.tables.map((t) => t.rules))]) {
      const { flat, other } = comparedTable(m.tables, rules);
      const any = other ?? flat;
      if (!any) continue;
      out.push(
        ...wrap(
          `${md.arch} ${k.id}${md.kernelVersion ? ` (Linux ${md.kernelVersion})` : ''}, ${rules} rules: ${n(any.entries)} entries, ${n(any.files)} files.`,
        ),
        '',
      );
      if (flat) {
        out.push('  Before (flat arrays):');
        out.push(line('lineinfo_addrs + file_ids + lines', `${n(flat.buckets.data)} bytes`));
        out.push(
          line(
            'bytes per entry (file tables not counted)',
            (flat.buckets.data / flat.entries).toFixed(2),
          ),
        );
      }
      if (other) {
        out.push(`  After (${other.format}):`);
        out.push(
          line('block index (block_addrs + block_offsets)', `${n(other.buckets.index)} bytes`),
        );
        out.push(line('lineinfo_data', `${n(other.buckets.data)} bytes`));
        out.push(line('total', `${n(other.buckets.index + other.buckets.data)} bytes`));
        out.push(line('bytes per entry (file tables not counted)', other.bytesPerEntry.toFixed(2)));
      }
      if (flat && other) {
        const before = flat.buckets.data;
        const after = other.buckets.index + other.buckets.data;
        out.push(
          `  Savings: ${n(before - after)} bytes (${((100 * (before - after)) / before).toFixed(1)}%), ${(before / after).toFixed(1)}x smaller.`,
        );
      }
      // the smallest format of ours in the run, against the one above
      const ours = m.tables
        .filter(
          (x) => x.rules === rules && x.format !== 'flat' && !/^blocks:|^module-/.test(x.format),
        )
        .sort((a, b) => a.total - b.total)[0];
      if (ours && other) {
        const a = other.buckets.index + other.buckets.data;
        const b = ours.buckets.index + ours.buckets.data;
        out.push(
          ...wrap(
            `Smallest of ours (${ours.format}): ${n(b)} bytes, ${ours.bytesPerEntry.toFixed(2)} B/entry, ${((100 * (a - b)) / a).toFixed(1)}% below ${other.format}.`,
            2,
          ),
        );
      }
      const t = other ?? flat!;
      out.push(
        `  File tables: ${n(t.buckets.file_offsets)} + ${n(t.buckets.filenames)} bytes of names.`,
      );
      const growth = m.bases
        .filter((b) => t.growth[b.id] !== undefined)
        .map(
          (b) =>
            `+${t.growth[b.id].toFixed(2)}% of the ${b.id === 'loaded' ? 'loaded size' : 'boot image'} (${n(b.bytes)} bytes)`,
        );
      if (growth.length) out.push(...wrap(`Growth: ${growth.join('; ')}.`, 2));
      out.push('');
    }
    if (k.modulesError) out.push(...wrap(`Modules not measured: ${k.modulesError}`, 2), '');
    const mod = moduleRows(run).find((r) => r.kernel === k.id);
    if (mod) {
      out.push(
        ...wrap(
          `Modules (${n(mod.modules)} .ko files, ${mod.format}, fully relocated): ${n(mod.fullEntries)} entries, ${n(mod.fullBytes)} bytes in all` +
            `${mod.percentOfVmlinux !== undefined ? `, ${mod.percentOfVmlinux.toFixed(1)}% of vmlinux's table` : ''}` +
            `; +${mod.growthAlloc.toFixed(2)}% of the modules' loaded size. Relocated as upstream does: ${n(mod.upstreamEntries)} entries, ${n(mod.upstreamBytes)} bytes.`,
          2,
        ),
        '',
      );
    }
  }
  out.push(
    ...wrap(
      `Measured with lineinfo-bench ${run.tool.version}, run ${run.runId} (${run.machine.cpus} CPUs, ${run.machine.cpuModel}). Every table was verified: round trip, and lookups against the flat search. Rules: ${revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; ')}.`,
    ),
  );
  return `${out.join('\n')}\n`;
}
