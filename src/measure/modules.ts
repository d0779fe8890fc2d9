import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ElfFile } from '../elf/elf-file.js';
import { parseFormat } from '../encodings/registry.js';
import { revisionOfRules } from '../encodings/revisions.js';
import { FormatError, UserError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { extractUpstream } from '../lineinfo/extract.js';
import {
  CAUSES,
  FULL_LEFT_OUT,
  MODULE_MODES,
  type ModuleMeasure,
  type ModuleMode,
  type ModuleModeResult,
  measureModule,
  moduleLayoutsFor,
} from '../measure/module-tables.js';
import { percentile, percentOf } from '../util/numbers.js';
import { account } from './accounting.js';

/** A module that could not be measured, and why (no DWARF line tables, for one). */
export interface ModuleSkip {
  name: string;
  reason: string;
}

export interface ModuleSetOptions {
  /** Names are paths relative to this. */
  root?: string;
  /** Worker threads (default: the cores, at most 2 here); 1 reads in this thread. */
  jobs?: number;
  rules?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface Distribution {
  count: number;
  sum: number;
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
}

export function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    sum,
    min: s[0] ?? 0,
    median: s.length ? percentile(s, 50) : 0,
    p90: s.length ? percentile(s, 90) : 0,
    max: s[s.length - 1] ?? 0,
    mean: s.length ? sum / s.length : 0,
  };
}

/** One relocation mode summed over the modules: the per-module counters, and what only a sum has. */
export interface ModeTotals
  extends Pick<
    ModuleModeResult,
    'entries' | 'files' | 'rowsRead' | 'units' | 'unitsWithLines' | 'unitsUnreadable'
  > {
  /**
   * Rows dropped at or past .text's end (full: other sections' sequences, and
   * end rows at .text's end); newest rules: rows outside every covered section.
   */
  rowsOutsideText: number;
  /** Newest rules: entries per covered section, summed over the modules. */
  sections?: Record<string, number>;
  /** Table bytes by format id, summed over the modules. */
  bytes: Record<string, number>;
  unknownRelocations: Record<string, number>;
}

/** A module the full relocation could not read: its upstream figures only (see its warnings). */
export interface UpstreamOnlyModule {
  name: string;
  upstreamEntries: number;
  /** The main layout's bytes under upstream relocation. */
  upstreamBytes: number;
  /** The part and cause of the warning (`part: cause`). */
  reason: string;
}

export interface ModuleSetSummary {
  /** Every module measured, those read with upstream relocation only among them. */
  modules: number;
  skipped: number;
  arch?: string;
  /**
   * Modules the full relocation (strict) could not read: left out of every
   * figure below (totals of both modes, sizes, distributions, largest,
   * growth, differ), which are over the other modules, read both ways.
   * Absent in runs saved before it was counted (none then).
   */
  upstreamOnly?: { count: number; modules: UpstreamOnlyModule[] };
  /** Over the modules read both ways (see upstreamOnly). */
  totals: Record<ModuleMode, ModeTotals>;
  sizes: { text: number; alloc: number; stripped: number; file: number };
  /** The main layout's bytes per module (full relocation). */
  distribution: Distribution;
  /** The main layout's bytes per module under upstream relocation. */
  distributionUpstream: Distribution;
  /** Largest twenty by the main layout's bytes (full relocation). */
  largest: { name: string; bytes: number; entries: number; text: number; growthText: number }[];
  /** Growth of the sum in percent of each summed size. */
  growth: { text: number; alloc: number; stripped: number; file: number };
  differ: {
    count: number;
    byCause: Record<string, number>;
    modules: { name: string; causes: string[]; upstreamEntries: number; fullEntries: number }[];
  };
}

export interface VmlinuxComparison {
  vmlinux: string;
  format: string;
  entries: number;
  bytes: number;
  /** Sum of the modules' main layout (full relocation) in percent of vmlinux's table. */
  modulesPercent: number;
}

export interface ModuleSetResult {
  schemaVersion: 1;
  source: string;
  rules: string;
  formats: string[];
  mainFormat: string;
  causes: Record<string, string>;
  summary: ModuleSetSummary;
  vmlinux?: VmlinuxComparison;
  modules: ModuleMeasure[];
  skipped: ModuleSkip[];
  jobs: number;
  timeMs: number;
}

const NO_DWARF = /no DWARF line information|no \.debug_/;

function workerUrl(): URL | undefined {
  const url = new URL('./modules-worker.js', import.meta.url);
  // under vitest the sources are .ts: no compiled worker next to them, read in-thread
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

export type Outcome =
  | { ok: ModuleMeasure }
  | { skip: ModuleSkip }
  | { error: string; file: string };

export function measureOne(path: string, name: string, rules: string): Outcome {
  try {
    return { ok: measureModule(path, name, rules) };
  } catch (e) {
    if (e instanceof FormatError && NO_DWARF.test(e.message))
      return { skip: { name, reason: e.message } };
    if (e instanceof UserError) return { error: e.message, file: e.file ?? path };
    throw e;
  }
}

/** Measures every module, largest first over `jobs` threads; results in path order. */
export async function measureModules(
  paths: string[],
  o: ModuleSetOptions = {},
): Promise<{ modules: ModuleMeasure[]; skipped: ModuleSkip[]; jobs: number }> {
  const rules = o.rules ?? 'v1-v4';
  const nameOf = (p: string) => (o.root ? relative(o.root, p) : p);
  const order = paths
    .map((p, i) => ({ p, i, size: statSync(p).size }))
    .sort((a, b) => b.size - a.size);
  const outcomes: Outcome[] = new Array(paths.length);
  const url = workerUrl();
  const jobs = Math.max(1, Math.min(o.jobs ?? Math.min(2, availableParallelism()), paths.length));
  let done = 0;
  if (jobs === 1 || !url) {
    for (const { p, i } of order) {
      outcomes[i] = measureOne(p, nameOf(p), rules);
      o.onProgress?.(++done, paths.length);
    }
  } else {
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let live = jobs;
      for (let w = 0; w < jobs; w++) {
        const worker = new Worker(url, { workerData: { rules } });
        const feed = () => {
          if (next >= order.length) {
            void worker.terminate();
            if (--live === 0) resolve();
            return;
          }
          const { p, i } = order[next++];
          worker.postMessage({ i, path: p, name: nameOf(p) });
        };
        worker.on('message', (m: { i: number; outcome: Outcome }) => {
          outcomes[m.i] = m.outcome;
          o.onProgress?.(++done, paths.length);
          feed();
        });
        worker.on('error', reject);
        feed();
      }
    });
  }
  const modules: ModuleMeasure[] = [];
  const skipped: ModuleSkip[] = [];
  for (const r of outcomes) {
    if ('error' in r) throw new UserError(r.error, r.file);
    if ('skip' in r) skipped.push(r.skip);
    else modules.push(r.ok);
  }
  return { modules, skipped, jobs: url ? jobs : 1 };
}

/** A module read both ways: what the totals are taken over. */
type BothWays = ModuleMeasure &
  Required<Pick<ModuleMeasure, 'full' | 'differ' | 'causes' | 'growth'>>;

const readBothWays = (m: ModuleMeasure): m is BothWays => m.full !== undefined;

const mainBytes = (m: ModuleMeasure, mode: ModuleMode) =>
  m[mode]!.tables.find((t) => t.format === m.mainFormat)!.total;

/**
 * Sums the modules; `rules` names the layouts they were measured in (see
 * moduleLayoutsFor). A module without full figures is counted in
 * `upstreamOnly` and left out of every sum, so both modes sum the same modules.
 */
export function summarize(
  measured: ModuleMeasure[],
  skipped: number,
  rules = 'v1-v4',
): ModuleSetSummary {
  const layouts = moduleLayoutsFor(rules);
  const modules = measured.filter(readBothWays);
  const upstreamOnly = measured.filter((m) => !readBothWays(m));
  const totals = {} as Record<ModuleMode, ModeTotals>;
  for (const mode of MODULE_MODES) {
    const t: ModeTotals = {
      entries: 0,
      files: 0,
      rowsRead: 0,
      units: 0,
      unitsWithLines: 0,
      unitsUnreadable: 0,
      rowsOutsideText: 0,
      bytes: {},
      unknownRelocations: {},
    };
    for (const f of layouts.formats) t.bytes[f.id] = 0;
    for (const m of modules) {
      const r = m[mode];
      if (r.sections) {
        t.sections ??= {};
        for (const s of r.sections) t.sections[s.name] = (t.sections[s.name] ?? 0) + s.entries;
      }
      t.entries += r.entries;
      t.files += r.files;
      t.rowsRead += r.rowsRead;
      t.units += r.units;
      t.unitsWithLines += r.unitsWithLines;
      t.unitsUnreadable += r.unitsUnreadable;
      t.rowsOutsideText += r.drops.aboveEnd;
      for (const tb of r.tables) t.bytes[tb.format] += tb.total;
      for (const [k, v] of Object.entries(r.unknownTypes))
        t.unknownRelocations[k] = (t.unknownRelocations[k] ?? 0) + v;
    }
    totals[mode] = t;
  }
  const sizes = { text: 0, alloc: 0, stripped: 0, file: 0 };
  for (const m of modules)
    for (const k of Object.keys(sizes) as (keyof typeof sizes)[]) sizes[k] += m.sizes[k];
  const main = totals.full.bytes[layouts.main];
  const differing = modules.filter((m) => m.differ);
  const byCause: Record<string, number> = {};
  for (const m of differing) for (const c of m.causes) byCause[c] = (byCause[c] ?? 0) + 1;
  const largest = [...modules]
    .sort((a, b) => mainBytes(b, 'full') - mainBytes(a, 'full') || a.name.localeCompare(b.name))
    .slice(0, 20)
    .map((m) => ({
      name: m.name,
      bytes: mainBytes(m, 'full'),
      entries: m.full.entries,
      text: m.sizes.text,
      growthText: m.growth.text,
    }));
  return {
    modules: measured.length,
    skipped,
    arch: measured[0]?.arch,
    upstreamOnly: {
      count: upstreamOnly.length,
      modules: upstreamOnly.map((m) => {
        const w = m.warnings?.find((x) => x.skipped === FULL_LEFT_OUT);
        return {
          name: m.name,
          upstreamEntries: m.upstream.entries,
          upstreamBytes: mainBytes(m, 'upstream'),
          reason: w ? `${w.part}: ${w.cause}` : 'the full relocation could not read it',
        };
      }),
    },
    totals,
    sizes,
    distribution: distribution(modules.map((m) => mainBytes(m, 'full'))),
    distributionUpstream: distribution(modules.map((m) => mainBytes(m, 'upstream'))),
    largest,
    growth: {
      text: percentOf(main, sizes.text),
      alloc: percentOf(main, sizes.alloc),
      stripped: percentOf(main, sizes.stripped),
      file: percentOf(main, sizes.file),
    },
    differ: {
      count: differing.length,
      byCause,
      modules: differing.map((m) => ({
        name: m.name,
        causes: m.causes,
        upstreamEntries: m.upstream.entries,
        fullEntries: m.full.entries,
      })),
    },
  };
}

/**
 * The layout vmlinux's own table is compared in: the main vmlinux layout of
 * the revision the rules stand for (v1-v4: blocks of 64, SLEB128; newest:
 * the flat arrays its generator emits), so modules and vmlinux are measured
 * in the same revision.
 */
export function vmlinuxLayoutFor(rules: string): string {
  return revisionOfRules(rules).vmlinuxLayouts[0];
}

/** vmlinux's own table in the revision's main layout, for scale. */
export function vmlinuxTable(
  vmlinux: string,
  rules = 'v1-v4',
  base?: string | bigint,
): VmlinuxComparison {
  const elf = ElfFile.open(vmlinux);
  try {
    const ex = extractUpstream(elf, { rules, base });
    return {
      vmlinux,
      format: vmlinuxLayoutFor(rules),
      ...upstreamVmlinuxSize(ex.table, elf.littleEndian, rules),
      modulesPercent: 0,
    };
  } finally {
    elf.close();
  }
}

/** Entries and bytes of vmlinux's table in the revision's main layout (vmlinuxLayoutFor). */
export function upstreamVmlinuxSize(
  table: EntryTable,
  littleEndian: boolean,
  rules: string,
): { entries: number; bytes: number } {
  const acc = account(parseFormat(vmlinuxLayoutFor(rules)).encode(table, littleEndian));
  return { entries: acc.entries, bytes: acc.total };
}

export interface ModuleSetRequest extends ModuleSetOptions {
  source: string;
  paths: string[];
  vmlinux?: string;
  /** vmlinux's base address or symbol, when it is not a vmlinux with _text (test objects). */
  vmlinuxBase?: string | bigint;
  /** vmlinux's table in vmlinuxLayoutFor(rules) when the caller has measured it already (run does): not read twice. */
  vmlinuxMeasured?: { entries: number; bytes: number };
}

export async function measureModuleSet(req: ModuleSetRequest): Promise<ModuleSetResult> {
  const t0 = performance.now();
  const rules = req.rules ?? 'v1-v4';
  if (req.paths.length === 0) throw new UserError('no .ko files found', req.source);
  const { modules, skipped, jobs } = await measureModules(req.paths, { ...req, rules });
  const summary = summarize(modules, skipped.length, rules);
  const layouts = moduleLayoutsFor(rules);
  let vmlinux: VmlinuxComparison | undefined;
  if (req.vmlinux) {
    vmlinux = req.vmlinuxMeasured
      ? {
          vmlinux: req.vmlinux,
          format: vmlinuxLayoutFor(rules),
          modulesPercent: 0,
          ...req.vmlinuxMeasured,
        }
      : vmlinuxTable(req.vmlinux, rules, req.vmlinuxBase);
    vmlinux.modulesPercent = percentOf(summary.totals.full.bytes[layouts.main], vmlinux.bytes);
  }
  return {
    schemaVersion: 1,
    source: req.source,
    rules,
    formats: layouts.formats.map((f) => f.id),
    mainFormat: layouts.main,
    causes: CAUSES,
    summary,
    vmlinux,
    modules,
    skipped,
    jobs,
    timeMs: Math.round(performance.now() - t0),
  };
}

/** How many of the differing modules a run keeps by name (the count and causes are always whole). */
export const DIFFER_KEPT = 20;

/**
 * A module set as a run stores it: the summary without the per-module list
 * (1,121 modules would make run.json tens of MB), naming only the first
 * DIFFER_KEPT modules where the relocations differ.
 */
export function compactModuleSet(r: ModuleSetResult): ModuleSetResult {
  return {
    ...r,
    modules: [],
    summary: {
      ...r.summary,
      differ: { ...r.summary.differ, modules: r.summary.differ.modules.slice(0, DIFFER_KEPT) },
      upstreamOnly: r.summary.upstreamOnly && {
        ...r.summary.upstreamOnly,
        modules: r.summary.upstreamOnly.modules.slice(0, DIFFER_KEPT),
      },
    },
  };
}
