import { UserError } from '../errors.js';
import type { MeasuredTable } from '../measure/kernel.js';
import type { KernelResult, RunResult } from '../results/schema.js';
import { kernelBaseLabel, n, upstreamTable } from './model.js';

/**
 * One side of a comparison: a run, a rule set and a table format. Without a
 * format, each kernel's upstream table of that rule set (upstreamTable: the
 * revision's blocks of 64, as the mail text quotes it).
 */
export interface CompareSide {
  run: RunResult;
  rules: string;
  format?: string;
}

export const COMPARE_METRICS = [
  'bytes',
  'bpe',
  'entries',
  'growth.loaded',
  'growth.image',
  'growth.code',
] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

/** One kernel, before and after; a value is absent where that side has no such table (or base). */
export interface CompareRow {
  kernel: string;
  arch: string;
  before?: number;
  after?: number;
  /** after - before, in the metric's unit (percentage points for growth). */
  delta?: number;
  /** delta in percent of before. */
  percent?: number;
}

/** The kernels measured on both sides, taken together. */
export interface CompareTotal {
  /** How many kernels it covers (those with both values). */
  kernels: number;
  before: number;
  after: number;
  delta: number;
  percent?: number;
  /** What the total is: a sum, or a ratio over all the kernels' bytes and entries (or bases). */
  how: string;
}

export interface Comparison {
  metric: CompareMetric;
  /** "table bytes", "bytes per entry", "growth of the loaded size"... */
  metricLabel: string;
  unit: 'bytes' | 'entries' | 'B/entry' | '%';
  /** Each side named by what differs (run, rules, format), for column headings. */
  beforeLabel: string;
  afterLabel: string;
  /** What both sides share, said once ("rules v1-v4, run ..."); empty when nothing is shared. */
  common: string;
  /** Sorted by delta, largest growth first; kernels missing on a side come last. */
  rows: CompareRow[];
  total?: CompareTotal;
}

interface MetricDef {
  label: (run: RunResult) => string;
  unit: Comparison['unit'];
  /** What the total is, when not a sum. */
  totalHow?: string;
  /** The kernel's value and the weight a ratio total gives it (none: the total is a sum). */
  value(t: MeasuredTable, k: KernelResult): { value: number; weight?: number } | undefined;
}

/** Growth of a base: weighted by the base's bytes, so the total is all tables over all bases. */
function growthMetric(id: string): MetricDef {
  return {
    label: (run) => {
      const labels = new Set(run.kernels.map((k) => kernelBaseLabel(k.measure, id)));
      labels.delete(undefined);
      const name = labels.size === 1 ? [...labels][0] : id === 'image' ? 'boot image' : id;
      return `growth of the ${name}`;
    },
    unit: '%',
    totalHow: "all the kernels' table bytes over all their bases, not a mean of the rows",
    value: (t, k) => {
      const g = t.growth[id];
      const base = k.measure.bases.find((b) => b.id === id);
      return g === undefined || !base ? undefined : { value: g, weight: base.bytes };
    },
  };
}

const METRICS: Record<CompareMetric, MetricDef> = {
  bytes: { label: () => 'table bytes', unit: 'bytes', value: (t) => ({ value: t.total }) },
  entries: { label: () => 'entries', unit: 'entries', value: (t) => ({ value: t.entries }) },
  // (index + data) per entry, so the total weighs each kernel by its entries
  bpe: {
    label: () => 'bytes per entry',
    unit: 'B/entry',
    totalHow: "all the kernels' bytes over all their entries, not a mean of the rows",
    value: (t) => ({ value: t.bytesPerEntry, weight: t.entries }),
  },
  'growth.loaded': growthMetric('loaded'),
  'growth.image': growthMetric('image'),
  'growth.code': growthMetric('code'),
};

/** The table a side stands for in one kernel. */
function sideTable(k: KernelResult, side: CompareSide): MeasuredTable | undefined {
  if (side.format === undefined) return upstreamTable(k.measure.tables, side.rules).table;
  return k.measure.tables.find((t) => t.rules === side.rules && t.format === side.format);
}

/** A side's format as a label: the one format used, or each kernel's upstream table. */
function formatLabel(side: CompareSide): string {
  if (side.format !== undefined) return side.format;
  const used = new Set(side.run.kernels.flatMap((k) => sideTable(k, side)?.format ?? []));
  return used.size === 1 ? [...used][0] : 'upstream table';
}

/** Checks that a side names something the run measured; a typo is named with what there is. */
function checkSide(side: CompareSide, which: string): void {
  const tables = side.run.kernels.flatMap((k) => k.measure.tables);
  const rules = [...new Set(tables.map((t) => t.rules))];
  if (!rules.includes(side.rules))
    throw new UserError(
      `${which}: run ${side.run.runId} has no rule set ${side.rules} (it has ${rules.join(', ')})`,
    );
  if (side.format !== undefined && !tables.some((t) => t.format === side.format))
    throw new UserError(
      `${which}: run ${side.run.runId} has no format ${side.format} (it has ${[...new Set(tables.map((t) => t.format))].join(', ')})`,
    );
}

function ratioOrSum(pairs: { value: number; weight?: number }[]): number {
  if (pairs.every((p) => p.weight === undefined)) return pairs.reduce((s, p) => s + p.value, 0);
  const w = pairs.reduce((s, p) => s + (p.weight ?? 0), 0);
  return w ? pairs.reduce((s, p) => s + p.value * (p.weight ?? 0), 0) / w : 0;
}

const percentOf = (delta: number, before: number) => (before ? (100 * delta) / before : undefined);

/**
 * Two sides of a comparison per kernel (matched by kernel id): two rule sets
 * or two formats of one run, or two runs; the absolute values, the delta
 * and the percent, sorted by delta, and a total over the kernels measured
 * on both sides.
 */
export function compare(
  before: CompareSide,
  after: CompareSide,
  metric: CompareMetric = 'bytes',
): Comparison {
  checkSide(before, 'before');
  checkSide(after, 'after');
  const def = METRICS[metric];
  const sameRun = before.run.runId === after.run.runId;
  const fb = formatLabel(before);
  const fa = formatLabel(after);
  const parts = (side: CompareSide, format: string) => ({
    run: `run ${side.run.runId}`,
    rules: `rules ${side.rules}`,
    format: `format ${format}`,
  });
  const pb = parts(before, fb);
  const differs = {
    run: !sameRun,
    rules: before.rules !== after.rules,
    format: fb !== fa,
  };
  if (!differs.run && !differs.rules && !differs.format)
    throw new UserError(
      `both sides are ${pb.run}, ${pb.rules}, ${pb.format}: name two rule sets, two formats or two runs`,
    );
  const keys = ['run', 'rules', 'format'] as const;
  // a side's heading: what differs, without the "run"/"rules" words (short, for a column)
  const short = (side: CompareSide, format: string) =>
    keys
      .filter((k) => differs[k])
      .map((k) => (k === 'run' ? side.run.runId : k === 'rules' ? side.rules : format))
      .join(' ');
  const common = keys
    .filter((k) => !differs[k])
    .map((k) => pb[k])
    .join(', ');

  const beforeKernels = new Map(before.run.kernels.map((k) => [k.id, k]));
  const afterKernels = new Map(after.run.kernels.map((k) => [k.id, k]));
  const ids = [...new Set([...beforeKernels.keys(), ...afterKernels.keys()])];
  const rows: CompareRow[] = [];
  const both: { b: { value: number; weight?: number }; a: { value: number; weight?: number } }[] =
    [];
  for (const id of ids) {
    const kb = beforeKernels.get(id);
    const ka = afterKernels.get(id);
    const tb = kb && sideTable(kb, before);
    const ta = ka && sideTable(ka, after);
    const vb = kb && tb ? def.value(tb, kb) : undefined;
    const va = ka && ta ? def.value(ta, ka) : undefined;
    const row: CompareRow = {
      kernel: id,
      arch: (kb ?? ka)!.measure.kernel.metadata.arch,
      before: vb?.value,
      after: va?.value,
    };
    if (vb && va) {
      row.delta = va.value - vb.value;
      row.percent = percentOf(row.delta, vb.value);
      both.push({ b: vb, a: va });
    }
    rows.push(row);
  }
  rows.sort(
    (p, q) =>
      (p.delta === undefined ? 1 : 0) - (q.delta === undefined ? 1 : 0) ||
      (q.delta ?? 0) - (p.delta ?? 0) ||
      p.kernel.localeCompare(q.kernel),
  );

  let total: CompareTotal | undefined;
  if (both.length) {
    const tb = ratioOrSum(both.map((x) => x.b));
    const ta = ratioOrSum(both.map((x) => x.a));
    total = {
      kernels: both.length,
      before: tb,
      after: ta,
      delta: ta - tb,
      percent: percentOf(ta - tb, tb),
      how: def.totalHow ?? 'sum',
    };
  }
  return {
    metric,
    metricLabel: def.label(before.run),
    unit: def.unit,
    beforeLabel: short(before, fb),
    afterLabel: short(after, fa),
    common,
    rows,
    total,
  };
}

/** A value in the metric's unit: 1,234 bytes; 3.634 B/entry; 8.89%. */
export function compareValue(c: Pick<Comparison, 'unit'>, v: number | undefined): string {
  if (v === undefined) return '-';
  if (c.unit === 'B/entry') return v.toFixed(3);
  if (c.unit === '%') return `${v.toFixed(2)}%`;
  return n(Math.round(v));
}

/** A delta with its sign, in the metric's unit (percentage points for growth). */
export function compareDelta(c: Pick<Comparison, 'unit'>, v: number | undefined): string {
  if (v === undefined) return '-';
  const sign = v > 0 ? '+' : v < 0 ? '-' : '';
  const abs = Math.abs(v);
  if (c.unit === 'B/entry') return `${sign}${abs.toFixed(3)}`;
  if (c.unit === '%') return `${sign}${abs.toFixed(2)}pp`;
  return `${sign}${n(Math.round(abs))}`;
}

export function comparePercent(v: number | undefined): string {
  if (v === undefined) return '-';
  return `${v > 0 ? '+' : ''}${v.toFixed(2)}%`;
}

/** The row cells every renderer shows: kernel, before, after, delta, percent. */
export function compareCells(c: Comparison, r: CompareRow): string[] {
  return [
    r.kernel,
    compareValue(c, r.before),
    compareValue(c, r.after),
    compareDelta(c, r.delta),
    comparePercent(r.percent),
  ];
}

/** The total row's cells; the label says how many kernels it covers. */
export function compareTotalCells(c: Comparison, t: CompareTotal): string[] {
  return [
    t.kernels === c.rows.length ? 'total' : `total (${t.kernels} of ${c.rows.length})`,
    compareValue(c, t.before),
    compareValue(c, t.after),
    compareDelta(c, t.delta),
    comparePercent(t.percent),
  ];
}

export const compareHead = (c: Comparison): string[] => [
  'kernel',
  c.beforeLabel,
  c.afterLabel,
  'delta',
  'percent',
];

/** The comparison in one sentence: "table bytes: v1-v4 -> symbolizer (format ..., run ...)". */
export function compareTitle(c: Comparison): string {
  return `${c.metricLabel}: ${c.beforeLabel} -> ${c.afterLabel}${c.common ? ` (${c.common})` : ''}`;
}

/** What is said under the table: how the total is taken, and which kernels it leaves out. */
export function compareNotes(c: Comparison): string[] {
  const t = c.total;
  if (!t) return ['No kernel is measured on both sides, so there is no total.'];
  const notes: string[] = [];
  if (t.how !== 'sum') notes.push(`Total: ${t.how}.`);
  if (t.kernels < c.rows.length)
    notes.push('Kernels measured on one side only are listed last, outside the total.');
  return notes;
}

/** Columns padded to their widest cell: those in `left` left-aligned (the kernel), the figures right-aligned. */
export function alignColumns(rows: string[][], left: number[] = [0]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (left.includes(i) ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd(),
  );
}
