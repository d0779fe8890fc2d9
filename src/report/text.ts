import { baseLabel } from '../measure/growth.js';
import type { MeasureResult } from '../measure/kernel.js';
import { mainRules } from '../results/config.js';
import type { KernelResult, RunResult } from '../results/schema.js';
import {
  comparedTable,
  kernelBaseLabel,
  moduleRows,
  n,
  pooledAgreement,
  revisionNotes,
  smallestOfOurs,
  toolName,
  upstreamTable,
} from './model.js';

/** What the text report shows beyond its default. */
export interface MailTextOptions {
  /** A run of several kernels: each kernel's paragraphs after the table. */
  detail?: boolean;
}

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

/** Growth of a base in prose: "+23.08% of vmlinuz (14,186,432 bytes)". */
function growthPhrase(b: MeasureResult['bases'][number], percent: number): string {
  const label = baseLabel(b);
  // a file is named bare (bzImage); a size is "the loaded size"
  const what = b.id === 'image' && label !== 'boot image' ? label : `the ${label}`;
  return `+${percent.toFixed(2)}% of ${what} (${n(b.bytes)} bytes)`;
}

/**
 * One kernel per paragraph group, in the style of the series' own commit
 * message ("Before (flat arrays): ... After: ...").
 */
function kernelParagraphs(run: RunResult): string[] {
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
      const ours = smallestOfOurs(m.tables, rules);
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
        .map((b) => growthPhrase(b, t.growth[b.id]));
      if (growth.length) out.push(...wrap(`Growth: ${growth.join('; ')}.`, 2));
      out.push('');
    }
    const agreement = agreementSentence([k]);
    if (agreement) out.push(...wrap(agreement, 2), '');
    if (k.modulesError) out.push(...wrap(`Modules not measured: ${k.modulesError}`, 2), '');
    const mod = moduleRows(run).find((r) => r.kernel === k.id);
    if (mod) {
      out.push(
        ...wrap(
          `Modules (${n(mod.modules)} .ko files, ${mod.format}, fully relocated): ${n(mod.fullEntries)} entries, ${n(mod.fullBytes)} bytes in all` +
            (mod.upstreamOnly
              ? ` (${n(mod.upstreamOnly)} the full relocation could not read left out, of these figures and those after)`
              : '') +
            `${mod.percentOfVmlinux !== undefined ? `, ${mod.percentOfVmlinux.toFixed(1)}% of vmlinux's table` : ''}` +
            `; +${mod.growthAlloc.toFixed(2)}% of the modules' loaded size. Relocated as upstream does: ${n(mod.upstreamEntries)} entries, ${n(mod.upstreamBytes)} bytes.` +
            (mod.emitted
              ? ` As the generator emits them (${mod.emitted.format}, flat; ${mod.format} stands for its unpublished compression): ${n(mod.emitted.fullBytes)} bytes fully relocated${mod.emitted.percentOfVmlinux !== undefined ? `, ${mod.emitted.percentOfVmlinux.toFixed(1)}% of vmlinux's flat table` : ''}.`
              : ''),
          2,
        ),
        '',
      );
    }
  }
  return out;
}

/**
 * One sentence of agreement with llvm-symbolizer, pooled over `kernels`:
 * what each upstream revision's kernel prints (lost and wrong apart), and
 * our rule sets' table answers.
 */
function agreementSentence(kernels: RunResult['kernels']): string | undefined {
  const pooled = pooledAgreement(kernels);
  if (pooled.length === 0) return undefined;
  const measured = kernels.filter((k) => k.measure.agreement);
  const sizes = [...new Set(measured.map((k) => k.measure.agreement!.samples))];
  const p = (v: number, of: number) => `${((100 * v) / of).toFixed(2)}%`;
  const printed = pooled.filter((x) => x.printed);
  const table = pooled.filter((x) => !x.printed);
  const parts: string[] = [];
  if (printed.length)
    parts.push(
      `as each revision's kernel prints: ${printed
        .map((x) => {
          const how = [
            ...(x.lost
              ? [
                  `lost ${p(x.lost, x.samples)}${x.pastEtextLost ? `, ${x.pastEtextLost === x.lost ? 'all' : `${n(x.pastEtextLost)} of ${n(x.lost)}`} past _etext` : ''}`,
                ]
              : []),
            `wrong ${p(x.wrong, x.samples)}${x.stale ? `, stale among them ${p(x.stale, x.samples)}` : ''}`,
          ];
          return `${x.rules} ${p(x.agree, x.samples)} (${how.join('; ')})`;
        })
        .join(', ')}`,
    );
  if (table.length)
    parts.push(
      `${printed.length ? "ours, the table's answer: " : "each table's answer: "}${table.map((x) => `${x.rules} ${p(x.agree, x.samples)}`).join(', ')}`,
    );
  const addresses = `${sizes.map(n).join(' or ')} addresses${measured.length > 1 ? ` per kernel, pooled over ${measured.length}` : ''}`;
  return `Agreement with llvm-symbolizer (${addresses}), ${parts.join('; ')}.`;
}

/** The closing paragraph: the tool, the run, the machine and the revision behind each rule set. */
function measuredWith(run: RunResult): string[] {
  return wrap(
    `Measured with ${toolName(run)}, run ${run.runId} (${run.machine.cpus} CPUs, ${run.machine.cpuModel}). Every table was verified: round trip, and lookups against the flat search. Rules: ${revisionNotes(run.config.rules, run.kernels[0]?.measure.revisions).join('; ')}.`,
  );
}

/** A column of the compact table: its heading, alignment and cells. */
interface Column {
  head: string;
  right: boolean;
  cells: string[];
  /** A label over a run of columns (a format's name), on the first of them. */
  group?: string;
  /** Spaces before the column. */
  gap: number;
}

/** A kernel's row group: config, compiler and version, as the rows under it share them. */
function groupOf(k: KernelResult): string {
  const md = k.measure.kernel.metadata;
  return [md.configName ?? k.id, md.compiler, md.kernelVersion && `Linux ${md.kernelVersion}`]
    .filter(Boolean)
    .join(', ');
}

/** The format each kernel's column shows: its name when all kernels share it, else a generic one. */
function formatHeading(names: (string | undefined)[], generic: string): string {
  const set = new Set(names.filter((x) => x !== undefined));
  return set.size === 1 ? [...set][0] : generic;
}

/**
 * Several kernels in one table a maintainer reads in one screen: per kernel
 * (grouped by config), the entries, and for upstream's format and our
 * smallest one the bytes per entry and the growth of the loaded size and
 * of the boot image file, then a few lines of notes.
 */
function compactTable(run: RunResult): string[] {
  const rules = mainRules(run.config);
  const rows = run.kernels.map((k) => {
    const { table: up, revision } = upstreamTable(k.measure.tables, rules);
    return { k, up, revision, ours: smallestOfOurs(k.measure.tables, rules) };
  });
  const revision = rows[0]?.revision;
  // percent without the sign: the heading says what the figures are
  const g = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  const be = (t: { bytesPerEntry: number } | undefined) => t?.bytesPerEntry.toFixed(2) ?? '-';
  const upName = formatHeading(
    rows.map((r) => r.up?.format),
    'upstream',
  );
  const oursName = formatHeading(
    rows.map((r) => r.ours?.format),
    'smallest of ours',
  );
  const cols: Column[] = [
    {
      head: 'arch',
      right: false,
      gap: 2,
      cells: rows.map((r) => r.k.measure.kernel.metadata.arch),
    },
    { head: 'entries', right: true, gap: 2, cells: rows.map((r) => n((r.up ?? r.ours)?.entries)) },
    { head: 'B/e', right: true, gap: 2, group: upName, cells: rows.map((r) => be(r.up)) },
    { head: 'loaded', right: true, gap: 1, cells: rows.map((r) => g(r.up?.growth.loaded)) },
    { head: 'image', right: true, gap: 1, cells: rows.map((r) => g(r.up?.growth.image)) },
    { head: 'B/e', right: true, gap: 2, group: oursName, cells: rows.map((r) => be(r.ours)) },
    { head: 'loaded', right: true, gap: 1, cells: rows.map((r) => g(r.ours?.growth.loaded)) },
    { head: 'image', right: true, gap: 1, cells: rows.map((r) => g(r.ours?.growth.image)) },
    {
      head: 'image file',
      right: false,
      gap: 2,
      cells: rows.map((r) => kernelBaseLabel(r.k.measure, 'image') ?? '-'),
    },
  ];
  const widths = cols.map((c) => Math.max(c.head.length, ...c.cells.map((x) => x.length)));
  // a format's name spans its columns; a longer name widens the first of them
  cols.forEach((c, i) => {
    if (!c.group) return;
    let span = widths[i];
    for (let j = i + 1; j < cols.length && !cols[j].group && cols[j].gap === 1; j++)
      span += cols[j].gap + widths[j];
    if (c.group.length > span) widths[i] += c.group.length - span;
  });
  const render = (cells: string[]) =>
    cells
      .map(
        (x, i) =>
          ' '.repeat(cols[i].gap) + (cols[i].right ? x.padStart(widths[i]) : x.padEnd(widths[i])),
      )
      .join('')
      .trimEnd();
  let groups = '';
  cols.forEach((c, i) => {
    const at = cols.slice(0, i).reduce((s, x, j) => s + x.gap + widths[j], 0) + c.gap;
    if (c.group) groups = groups.padEnd(at) + c.group;
  });
  const out = [
    ...wrap(
      `Line tables of ${run.kernels.length} kernels, ${rules} rules${!revision ? '' : revision.rules === rules ? ` (revision ${revision.id})` : ` (ours, in revision ${revision.id}'s layouts)`}; growth in %:`,
    ),
    '',
    groups,
    render(cols.map((c) => c.head)),
  ];
  let group: string | undefined;
  rows.forEach((r, i) => {
    const gr = groupOf(r.k);
    if (gr !== group) out.push(`${gr}:`);
    group = gr;
    out.push(render(cols.map((c) => c.cells[i])));
  });
  for (const f of run.failures)
    out.push(...wrap(`Not measured: ${f.id} (${f.error.split('\n')[0]})`));
  const notes = [
    'B/e = (index + data) / entries. Growth of the loaded size (all SHF_ALLOC sections of vmlinux) and of the image file named, the table compressed as that image is.',
    `Rules: ${revisionNotes([rules], run.kernels[0]?.measure.revisions)[0]}; every table verified. ${toolName(run)}, run ${run.runId}.`,
  ];
  if (upName === 'upstream' || oursName === 'smallest of ours')
    notes.push(
      `Formats: ${rows.map((r) => `${r.k.id} ${r.up?.format ?? '-'}/${r.ours?.format ?? '-'}`).join(', ')}.`,
    );
  const agreement = agreementSentence(run.kernels);
  if (agreement) notes.push(agreement);
  // a run saved without its config file's name still holds the config itself
  const config = run.configFile ?? 'the config in run.json (jq .config)';
  notes.push(
    `Reproduce: lineinfo-bench run ${config}; each kernel's figures: report --format text --detail.`,
  );
  out.push('');
  for (const x of notes) out.push(...wrap(x));
  return out;
}

/**
 * For a mailing-list reply: plain ASCII, at most 72 columns. One kernel: its
 * paragraphs; several: one table and a few notes, their paragraphs with
 * `detail`.
 */
export function renderMailText(run: RunResult, options: MailTextOptions = {}): string {
  const out =
    run.kernels.length > 1
      ? [
          ...compactTable(run),
          ...(options.detail ? ['', ...kernelParagraphs(run), ...measuredWith(run)] : []),
        ]
      : [...kernelParagraphs(run), ...measuredWith(run)];
  return `${out.join('\n')}\n`;
}
