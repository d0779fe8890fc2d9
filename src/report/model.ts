import { type Revision, revisionOfRules } from '../encodings/revisions.js';
import type { RuleAgreement } from '../measure/agreement.js';
import { baseLabel, IMAGE_FALLBACK_LABEL } from '../measure/growth.js';
import type { MeasuredTable, MeasureResult } from '../measure/kernel.js';
import { LOOKUP_TEXT } from '../measure/revision-lookup.js';
import { mainRules } from '../results/config.js';
import type { KernelResult, RunResult } from '../results/schema.js';
import { percentOf } from '../util/numbers.js';

/**
 * The figures every report shows, derived from saved results only (a result
 * is measured once and shown many ways).
 */
export interface SummaryRow {
  kernel: string;
  arch: string;
  version?: string;
  config?: string;
  /** gcc / clang, when the kernel says. */
  compiler?: string;
  rules: string;
  entries: number;
  files: number;
  /** The flat table's total bytes, if measured. */
  flatBytes?: number;
  /** The compared format (the first non-flat one). */
  format?: string;
  formatBytes?: number;
  /** (index + data) / entries of the compared format. */
  bytesPerEntry?: number;
  /** flat / compared. */
  ratio?: number;
  /** Growth in percent per base id, of the compared format. */
  growth: Record<string, number>;
  /** What each base is called for this kernel, by base id (its boot image's file name...). */
  baseLabels: Record<string, string>;
}

export function comparedTable(
  tables: MeasuredTable[],
  rules: string,
): { flat?: MeasuredTable; other?: MeasuredTable } {
  const mine = tables.filter((t) => t.rules === rules);
  // the revision's own compressed layout when measured (blocks:64:sleb for
  // v3 on), so every report quotes the same table; else the first measured
  const own = revisionLayouts(rules).filter((f) => f !== 'flat');
  return {
    flat: mine.find((t) => t.format === 'flat'),
    other:
      own.map((f) => mine.find((t) => t.format === f)).find((t) => t !== undefined) ??
      mine.find((t) => t.format !== 'flat'),
  };
}

/** A rule set's revision's vmlinux layouts, blocks of 64 first. */
function revisionLayouts(rules: string): string[] {
  const revision = revisionOfRules(rules);
  return [
    ...revision.vmlinuxLayouts.filter((f) => f.startsWith('blocks:64')),
    ...revision.vmlinuxLayouts,
  ];
}

/**
 * The upstream table a rule set's figures are quoted for: its revision's
 * vmlinux layout in blocks of 64 (the compressed form the series proposes;
 * for the newest revision it stands for the compression patch), else the
 * revision's main layout, else the first non-flat format measured.
 */
export function upstreamTable(
  tables: MeasuredTable[],
  rules: string,
): { table?: MeasuredTable; revision: Revision } {
  const revision = revisionOfRules(rules);
  const mine = tables.filter((t) => t.rules === rules);
  for (const f of revisionLayouts(rules)) {
    const table = mine.find((t) => t.format === f);
    if (table) return { table, revision };
  }
  const { flat, other } = comparedTable(tables, rules);
  return { table: other ?? flat, revision };
}

/** Our smallest format of a rule set (neither flat nor upstream's blocks nor a module layout). */
export function smallestOfOurs(tables: MeasuredTable[], rules: string): MeasuredTable | undefined {
  return tables
    .filter((x) => x.rules === rules && x.format !== 'flat' && !/^blocks:|^module-/.test(x.format))
    .sort((a, b) => a.total - b.total)[0];
}

/** What every report calls a kernel's growth base (bzImage, loaded size, covered code...). */
export function kernelBaseLabel(m: Pick<MeasureResult, 'bases'>, id: string): string | undefined {
  const b = m.bases.find((x) => x.id === id);
  return b && baseLabel(b);
}

/**
 * A growth column's heading across kernels: the base's label when every
 * kernel calls it the same, else "boot image" for the image (each cell then
 * names its kernel's file).
 */
export function baseHeading(run: RunResult, id: string): string {
  const labels = new Set(
    run.kernels.flatMap((k) => {
      const l = kernelBaseLabel(k.measure, id);
      return l ? [l] : [];
    }),
  );
  if (labels.size === 1) return [...labels][0];
  return id === 'image' ? IMAGE_FALLBACK_LABEL : id;
}

export function summaryRows(run: RunResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const k of run.kernels) {
    const m = k.measure;
    for (const rules of [...new Set(m.tables.map((t) => t.rules))]) {
      const { flat, other } = comparedTable(m.tables, rules);
      const any = other ?? flat!;
      rows.push({
        kernel: k.id,
        arch: m.kernel.metadata.arch,
        version: m.kernel.metadata.kernelVersion,
        config: m.kernel.metadata.configName,
        compiler: m.kernel.metadata.compiler,
        rules,
        entries: any.entries,
        files: any.files,
        flatBytes: flat?.total,
        format: other?.format,
        formatBytes: other?.total,
        bytesPerEntry: other?.bytesPerEntry,
        ratio: flat && other ? flat.total / other.total : undefined,
        growth: (other ?? flat)!.growth,
        baseLabels: Object.fromEntries(m.bases.map((b) => [b.id, baseLabel(b)])),
      });
    }
  }
  return rows;
}

/** Block-size sweep points: (block size, bytes per entry) per kernel and rule set, from every blocks:B table. */
export function sweepSeries(run: RunResult): { label: string; points: [number, number][] }[] {
  const out: { label: string; points: [number, number][] }[] = [];
  for (const k of run.kernels) {
    for (const rules of [...new Set(k.measure.tables.map((t) => t.rules))]) {
      const points = k.measure.tables
        .filter((t) => t.rules === rules && /^blocks:\d+:/.test(t.format))
        .map((t) => [Number(t.format.split(':')[1]), t.bytesPerEntry] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      // a sweep needs two block sizes at least (64:zigzag and 64:sleb are one)
      if (new Set(points.map((p) => p[0])).size >= 2)
        out.push({ label: `${k.id} ${rules}`, points });
    }
  }
  return out;
}

/**
 * The code behind a run's figures: "lineinfo-bench 0.1.0 at <commit>", with
 * uncommitted changes and resumed runs' other commits named. Runs saved
 * before commits were recorded give the version alone.
 */
export function toolName(run: Pick<RunResult, 'tool'>): string {
  const at = (c: { commit?: string; dirty?: boolean }) =>
    c.commit ? ` at ${c.commit.slice(0, 12)}${c.dirty ? ' with uncommitted changes' : ''}` : '';
  const resumed = (run.tool.resumedAt ?? []).map(
    (r) => `${r.kernels.join(', ')}${at(r) || ' at unknown code'}`,
  );
  return (
    `lineinfo-bench ${run.tool.version}${at(run.tool)}` +
    (resumed.length ? ` (resumed: ${resumed.join('; ')})` : '')
  );
}

export const n = (v: number | undefined) => (v === undefined ? '-' : v.toLocaleString('en-US'));
export const pct = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}%`);
export const mib = (v: number | undefined) =>
  v === undefined ? '-' : `${(v / 2 ** 20).toFixed(1)} MiB`;

/** Latency figures of one format in a run: p50/p99 ns per cache mode, for one address set. */
export interface LatencyPoint {
  kernel: string;
  format: string;
  set: string;
  mode: 'warm' | 'cold';
  p50: number;
  p90: number;
  p99: number;
  engine: string;
}

export function latencyPoints(run: RunResult): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  for (const k of run.kernels) {
    for (const r of k.latency?.runs ?? []) {
      out.push({
        kernel: k.id,
        format: r.format,
        set: r.set,
        mode: r.mode,
        p50: r.stats.p50,
        p90: r.stats.p90,
        p99: r.stats.p99,
        engine: r.engine,
      });
    }
  }
  return out;
}

/** One point of the size/speed trade-off and whether it is on the Pareto frontier. */
export interface ParetoPoint {
  kernel: string;
  format: string;
  bytesPerEntry: number;
  coldP99: number;
  frontier: boolean;
}

/**
 * Bytes per entry against cold-cache p99 (the figure that matters in an oops),
 * per kernel; a point is on the frontier when no other is smaller and faster.
 */
export function paretoPoints(run: RunResult, set = 'uniform'): ParetoPoint[] {
  const out: ParetoPoint[] = [];
  for (const k of run.kernels) {
    const rules = mainRules(run.config);
    const pts: ParetoPoint[] = [];
    for (const r of k.latency?.runs ?? []) {
      if (r.mode !== 'cold' || r.set !== set) continue;
      const t = k.measure.tables.find((x) => x.rules === rules && x.format === r.format);
      if (t)
        pts.push({
          kernel: k.id,
          format: r.format,
          bytesPerEntry: t.bytesPerEntry,
          coldP99: r.stats.p99,
          frontier: false,
        });
    }
    for (const p of pts) {
      p.frontier = !pts.some(
        (q) =>
          q !== p &&
          q.bytesPerEntry <= p.bytesPerEntry &&
          q.coldP99 <= p.coldP99 &&
          (q.bytesPerEntry < p.bytesPerEntry || q.coldP99 < p.coldP99),
      );
    }
    out.push(...pts.sort((a, b) => a.bytesPerEntry - b.bytesPerEntry));
  }
  return out;
}

export const ns = (v: number | undefined) =>
  v === undefined ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} us` : `${v.toFixed(0)} ns`;

/** A growth column of a summary table: the base's id and what its heading calls it. */
export interface GrowthColumn {
  id: string;
  heading: string;
}

/** The growth columns of a run's summary rows, in the order the bases were measured. */
export function growthColumns(run: RunResult, rows: SummaryRow[]): GrowthColumn[] {
  const ids = [...new Set(rows.flatMap((r) => Object.keys(r.growth)))];
  return ids.map((id) => ({ id, heading: baseHeading(run, id) }));
}

/** A growth cell: the percent, and the kernel's own base name where the heading cannot give it. */
export function growthCell(r: SummaryRow, c: GrowthColumn): string {
  const v = r.growth[c.id];
  if (v === undefined) return '-';
  const label = r.baseLabels[c.id];
  return label && label !== c.heading ? `${pct(v)} ${label}` : pct(v);
}

/** The summary table's header and cells, shared by the terminal, Markdown and HTML reports. */
export function summaryHead(
  columns: GrowthColumn[],
  growthLabel = (heading: string) => `% ${heading}`,
): string[] {
  return [
    'kernel',
    'arch',
    'rules',
    'entries',
    'files',
    'flat bytes',
    'format',
    'bytes',
    'B/entry',
    'ratio',
    ...columns.map((c) => growthLabel(c.heading)),
  ];
}
export function summaryCells(r: SummaryRow, columns: GrowthColumn[]): string[] {
  return [
    r.kernel,
    r.arch,
    r.rules,
    n(r.entries),
    n(r.files),
    n(r.flatBytes),
    r.format ?? '-',
    n(r.formatBytes),
    r.bytesPerEntry?.toFixed(3) ?? '-',
    r.ratio ? `${r.ratio.toFixed(2)}x` : '-',
    ...columns.map((c) => growthCell(r, c)),
  ];
}

/** One kernel's modules in a run: the sum of their .mod_lineinfo sections against vmlinux's table. */
export interface ModuleRow {
  kernel: string;
  arch: string;
  modules: number;
  skipped: number;
  /** Modules the full relocation could not read: left out of every figure after `modules`. */
  upstreamOnly: number;
  /** The layout quoted: the revision's module stand-in when vmlinux is quoted in one, else its own. */
  format: string;
  /** Entries and bytes of the quoted layout, relocated as upstream does and fully (the modules read both ways). */
  upstreamEntries: number;
  upstreamBytes: number;
  fullEntries: number;
  fullBytes: number;
  /** vmlinux's own table in the layout it is quoted in, and the modules' full sum in percent of it. */
  vmlinuxFormat?: string;
  vmlinuxBytes?: number;
  percentOfVmlinux?: number;
  /** Growth of the modules' loaded sections and .text, in percent (full relocation). */
  growthAlloc: number;
  growthText: number;
  /** Modules whose tables differ between the two relocations. */
  differ: number;
  /** Where a stand-in is quoted: the layout the generator emits, its full sum and that in percent of vmlinux's table in its own emitted layout. */
  emitted?: { format: string; why: string; fullBytes: number; percentOfVmlinux?: number };
}

/**
 * The modules' figures in the layout vmlinux's are quoted in. Under a
 * revision that emits flat arrays (newest), the reports quote vmlinux in
 * the blocks standing for its unpublished compression (upstreamTable); the
 * modules are then quoted in the matching stand-in, recomputed from the
 * saved sums, and what the generator emits is kept beside it.
 */
export function moduleRows(run: RunResult): ModuleRow[] {
  return run.kernels.flatMap((k) => {
    const r = k.modules;
    if (!r) return [];
    const s = r.summary;
    const standInOf = revisionOfRules(r.rules).moduleStandIn;
    const standIn = standInOf?.layout;
    const vmlinuxStandIn = upstreamTable(k.measure.tables, r.rules).table;
    const quoteStandIn =
      standIn !== undefined &&
      s.totals.full.bytes[standIn] !== undefined &&
      s.totals.upstream.bytes[standIn] !== undefined &&
      s.sizes !== undefined &&
      vmlinuxStandIn !== undefined &&
      vmlinuxStandIn.format !== r.vmlinux?.format;
    const row: ModuleRow = {
      kernel: k.id,
      arch: s.arch ?? k.measure.kernel.metadata.arch,
      modules: s.modules,
      skipped: s.skipped,
      upstreamOnly: s.upstreamOnly?.count ?? 0,
      format: r.mainFormat,
      upstreamEntries: s.totals.upstream.entries,
      upstreamBytes: s.totals.upstream.bytes[r.mainFormat],
      fullEntries: s.totals.full.entries,
      fullBytes: s.totals.full.bytes[r.mainFormat],
      vmlinuxFormat: r.vmlinux?.format,
      vmlinuxBytes: r.vmlinux?.bytes,
      percentOfVmlinux: r.vmlinux?.modulesPercent,
      growthAlloc: s.growth.alloc,
      growthText: s.growth.text,
      differ: s.differ.count,
    };
    if (!quoteStandIn) return [row];
    const full = s.totals.full.bytes[standIn];
    return [
      {
        ...row,
        format: standIn,
        upstreamBytes: s.totals.upstream.bytes[standIn],
        fullBytes: full,
        vmlinuxFormat: vmlinuxStandIn.format,
        vmlinuxBytes: vmlinuxStandIn.total,
        percentOfVmlinux: percentOf(full, vmlinuxStandIn.total),
        growthAlloc: percentOf(full, s.sizes.alloc),
        growthText: percentOf(full, s.sizes.text),
        emitted: {
          format: r.mainFormat,
          why: standInOf!.why,
          fullBytes: row.fullBytes,
          percentOfVmlinux: r.vmlinux?.modulesPercent,
        },
      },
    ];
  });
}

/**
 * What the module figures are quoted in, for a note under the modules table:
 * one sentence naming the layout and vmlinux's, and where a stand-in is
 * quoted, what the generator emits instead, per kernel. Empty when there are
 * no module rows.
 */
export function moduleLayoutNote(rows: readonly ModuleRow[]): string {
  if (!rows.length) return '';
  const r = rows[0];
  const against = r.vmlinuxFormat ? ` against vmlinux's ${r.vmlinuxFormat} table` : '';
  const withEmitted = rows.filter((x) => x.emitted);
  if (!withEmitted.length) return `Modules in ${r.format}${against}.`;
  const emitted = withEmitted[0].emitted!;
  return (
    `Modules in ${r.format}${against}: ${emitted.why}. ` +
    `As emitted (${emitted.format}, fully relocated, against vmlinux's flat table): ` +
    withEmitted
      .map(
        (x) => `${x.kernel} ${n(x.emitted!.fullBytes)} bytes, ${pct(x.emitted!.percentOfVmlinux)}`,
      )
      .join('; ') +
    '.'
  );
}

/** Kernels whose modules were asked for but could not be measured, and why. */
export function moduleErrors(run: RunResult): { kernel: string; error: string }[] {
  return run.kernels.flatMap((k) =>
    k.modulesError ? [{ kernel: k.id, error: k.modulesError }] : [],
  );
}

/** The modules table's header and cells, shared by the terminal, Markdown, RST and HTML reports. */
export const MODULE_HEAD = [
  'kernel',
  'modules',
  'entries (upstream / full)',
  'bytes (upstream / full)',
  '% of vmlinux table',
  'growth loaded',
  'growth .text',
  'differ',
];
export function moduleCells(r: ModuleRow): string[] {
  return [
    r.kernel,
    `${n(r.modules)}${r.skipped ? ` (+${n(r.skipped)} without DWARF)` : ''}` +
      (r.upstreamOnly ? ` (${n(r.upstreamOnly)} upstream only, left out of the sums)` : ''),
    `${n(r.upstreamEntries)} / ${n(r.fullEntries)}`,
    `${n(r.upstreamBytes)} / ${n(r.fullBytes)}`,
    pct(r.percentOfVmlinux),
    pct(r.growthAlloc),
    pct(r.growthText),
    n(r.differ),
  ];
}

/**
 * What each rule set's figures stand for: a revision of the series (its
 * generator's rules), or for a rule set of ours the revision whose layouts
 * it is measured in. From the run's own record, else from the tool's
 * profiles (runs saved before revisions were named).
 */
export function revisionNotes(
  rules: readonly string[],
  recorded?: MeasureResult['revisions'],
): string[] {
  return rules.map((r) => {
    const rec = recorded?.[r];
    const rev = rec ?? {
      revision: revisionOfRules(r).id,
      covers: revisionOfRules(r).covers,
      ours: revisionOfRules(r).rules !== r,
    };
    return rev.ours
      ? `${r}: rules of ours, in the layouts of revision ${rev.revision}`
      : `${r}: revision ${rev.revision} (${rev.covers})`;
  });
}

/**
 * What "as printed" means under an agreement table: a heading, what lost and
 * wrong are, and the lookup each revision's kernel answers through.
 */
export function printedNote(results: readonly RuleAgreement[]): {
  heading: string;
  legend: string;
  lookups: string[];
} {
  const printed = results.filter((ra) => ra.printed);
  const kinds = [...new Set(printed.map((ra) => ra.printed!.lookup))];
  return {
    heading:
      "As printed: what each revision's kernel would print, through its own lookup, on the same addresses",
    legend:
      '(lost: no line where the tool has one; wrong: another line, or a line where the tool has none; stale: from an entry past _etext, wrong whatever it says)',
    lookups: kinds.map(
      (k) =>
        `${printed
          .filter((ra) => ra.printed!.lookup === k)
          .map((ra) => ra.printed!.revision)
          .join(', ')}: ${LOOKUP_TEXT[k]}.`,
    ),
  };
}

/** A printed tally's wrong answers, with how many of them are stale (v1-v4). */
export function wrongCell(t: { wrong: number; stale: number }): string {
  return t.stale ? `${n(t.wrong)} (${n(t.stale)} stale)` : n(t.wrong);
}

/** A printed tally's lost lines, with how many of them lie at or past `_etext` (the cap's, not the lookup's). */
export function lostCell(t: { lost: number; pastEtext?: { lost: number } }): string {
  return t.pastEtext?.lost ? `${n(t.lost)} (${n(t.pastEtext.lost)} past _etext)` : n(t.lost);
}

/** One rule set's agreement with a tool, pooled over kernels: printed (its revision's lookup) where the run has it. */
export interface PooledAgreement {
  rules: string;
  /** Through the revision's own lookup (an upstream rule set); else the table's answer. */
  printed: boolean;
  samples: number;
  agree: number;
  lost: number;
  /** Of `lost`: at addresses at or past `_etext` (where the table stops from v5 on). */
  pastEtextLost: number;
  wrong: number;
  stale: number;
}

/**
 * Each rule set's agreement with `tool`, summed over `kernels`: what its
 * revision's kernel prints where every kernel has that, else the table's
 * answer (our rule sets; runs before printed agreement).
 */
export function pooledAgreement(
  kernels: readonly KernelResult[],
  tool = 'llvm-symbolizer',
): PooledAgreement[] {
  const out = new Map<string, PooledAgreement & { all: boolean }>();
  const withAgreement = kernels.filter((k) => k.measure.agreement);
  for (const k of withAgreement) {
    for (const r of k.measure.agreement!.results) {
      const p = out.get(r.rules) ?? {
        rules: r.rules,
        printed: false,
        all: true,
        samples: 0,
        agree: 0,
        lost: 0,
        pastEtextLost: 0,
        wrong: 0,
        stale: 0,
      };
      p.all &&= r.printed !== undefined;
      out.set(r.rules, p);
    }
  }
  for (const p of out.values()) {
    p.printed = p.all;
    for (const k of withAgreement) {
      const r = k.measure.agreement!.results.find((x) => x.rules === p.rules);
      const t = (p.printed ? r?.printed?.tools : r?.tools)?.find((x) => x.tool === tool);
      if (!t) continue;
      p.samples += t.samples;
      p.agree += t.agree;
      if ('lost' in t) {
        p.lost += t.lost;
        p.pastEtextLost += t.pastEtext?.lost ?? 0;
        p.wrong += t.wrong;
        p.stale += t.stale;
      } else p.wrong += t.samples - t.agree;
    }
  }
  return [...out.values()].filter((p) => p.samples > 0).map(({ all: _, ...p }) => p);
}
