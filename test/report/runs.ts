// The checked-in runs and what the renderer tests derive their expectations from.
// Expected figures are computed here from run.json with formatting of our own
// (not the renderers' helpers), so a change in either shows up.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelResult, RunResult } from '../../src/results/schema.js';
import { loadRun } from '../../src/results/store.js';

export type Table = KernelResult['measure']['tables'][number];

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS = join(ROOT, 'results', 'runs');

/**
 * The checked-in runs: the main job's and the multiarch run by the name their
 * rendered reports live under (report/<name>/), and an older run of each.
 */
export const RUNS = {
  default: '2026-12-02T03-41-44Z-default',
  multiarch: '2026-12-02T01-58-30Z-multiarch',
  // an older saved run the renderers must still read: v1-v4 first, arm64 without a boot image, no configFile, bases without labels
  defaultV1V4: '2026-11-25T13-43-59Z-default',
  // an older saved multiarch run: v1-v4 first, no newest, no printed agreement
  multiarchV1V4: '2026-11-25T16-41-21Z-multiarch',
} as const;
export type RunName = keyof typeof RUNS;
/** The runs rendered into report/<name>/ by publish-report.mjs. */
export type PublishedRun = Exclude<RunName, 'defaultV1V4' | 'multiarchV1V4'>;

/** A checked-in run through the store's loader (by id under results/runs). */
export function checkedInRun(name: RunName): RunResult {
  return loadRun(RUNS[name], RESULTS);
}

/** The run.json file's own text, read apart from the loader. */
export function runJsonText(name: RunName): string {
  return readFileSync(join(RESULTS, RUNS[name], 'run.json'), 'utf8');
}

export function kernelOf(run: RunResult, id: string): KernelResult {
  const k = run.kernels.find((x) => x.id === id);
  if (!k) throw new Error(`no kernel ${id} in run ${run.runId}`);
  return k;
}

export function tableOf(run: RunResult, id: string, rules: string, format: string): Table {
  const t = kernelOf(run, id).measure.tables.find((x) => x.rules === rules && x.format === format);
  if (!t) throw new Error(`no ${rules} ${format} table for ${id} in run ${run.runId}`);
  return t;
}

export function baseOf(run: RunResult, id: string, base: string): number {
  const b = kernelOf(run, id).measure.bases.find((x) => x.id === base);
  if (!b) throw new Error(`no base ${base} for ${id} in run ${run.runId}`);
  return b.bytes;
}

/**
 * The boot image's file name as reports should give it, read apart from the
 * renderers: the name in run.json's base ("boot image file (bzImage), ..."),
 * without a version suffix (Debian's vmlinuz-6.1.0-56-amd64 is a vmlinuz).
 */
export function imageFileOf(run: RunResult, id: string): string {
  const b = kernelOf(run, id).measure.bases.find((x) => x.id === 'image');
  if (!b) throw new Error(`no boot image for ${id} in run ${run.runId}`);
  const file = b.name.slice(b.name.indexOf('(') + 1, b.name.indexOf(')'));
  const dash = file.search(/-[0-9]/);
  return dash > 0 ? file.slice(0, dash) : file;
}

/** Rule sets of a kernel's tables, in the order measured. */
export function rulesOf(k: KernelResult): string[] {
  return [...new Set(k.measure.tables.map((t) => t.rules))];
}

/** The table every report compares against flat: blocks:64:sleb (the series' layout from v3 on) when measured, else the first non-flat one. */
export function comparedOf(k: KernelResult, rules: string): Table {
  const mine = k.measure.tables.filter((x) => x.rules === rules);
  const t =
    mine.find((x) => x.format === 'blocks:64:sleb') ?? mine.find((x) => x.format !== 'flat');
  if (!t) throw new Error(`no compared table for ${k.id} ${rules}`);
  return t;
}

/**
 * A kernel's module figures as the reports must quote them, worked out here
 * from run.json: under the newest rules (flat module-newest emitted, its
 * compression unpublished) the modules are quoted in module-v6:64:sleb
 * against vmlinux's blocks:64:sleb table, as vmlinux itself is quoted; other
 * rules in their own main layout against the vmlinux table stored beside.
 */
export function quotedModulesOf(k: KernelResult) {
  const m = k.modules;
  if (!m) throw new Error(`no modules for ${k.id}`);
  const s = m.summary;
  if (m.rules !== 'newest')
    return {
      format: m.mainFormat,
      upstreamBytes: s.totals.upstream.bytes[m.mainFormat],
      fullBytes: s.totals.full.bytes[m.mainFormat],
      percentOfVmlinux: m.vmlinux?.modulesPercent,
      growthAlloc: s.growth.alloc,
      growthText: s.growth.text,
    };
  const f = 'module-v6:64:sleb';
  const vmlinux = k.measure.tables.find(
    (t) => t.rules === 'newest' && t.format === 'blocks:64:sleb',
  );
  if (!vmlinux) throw new Error(`no newest blocks:64:sleb table for ${k.id}`);
  const full = s.totals.full.bytes[f];
  return {
    format: f,
    upstreamBytes: s.totals.upstream.bytes[f],
    fullBytes: full,
    percentOfVmlinux: (full / vmlinux.total) * 100,
    growthAlloc: (full / s.sizes.alloc) * 100,
    growthText: (full / s.sizes.text) * 100,
    emitted: {
      format: m.mainFormat,
      fullBytes: s.totals.full.bytes[m.mainFormat],
      percentOfVmlinux: m.vmlinux?.modulesPercent,
    },
  };
}

/**
 * A kernel's Pareto frontier, worked out here from run.json: the formats whose
 * table under the run's first rule set no other beats on both size (bytes per
 * entry) and cold-cache p99 on uniform addresses, smallest first.
 */
export function paretoFrontierOf(run: RunResult, id: string): string[] {
  const pts = (kernelOf(run, id).latency?.runs ?? [])
    .filter((r) => r.set === 'uniform' && r.mode === 'cold')
    .map((r) => ({
      format: r.format,
      x: tableOf(run, id, run.config.rules[0], r.format).bytesPerEntry,
      y: r.stats.p99,
    }));
  return pts
    .filter(
      (p) => !pts.some((q) => q !== p && q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)),
    )
    .sort((a, b) => a.x - b.x)
    .map((p) => p.format);
}

/** 1234567 -> "1,234,567", independent of the renderers and of the locale. */
export const commas = (v: number) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
export const pct2 = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}%`);
export const mib1 = (v: number) => `${(v / 1024 / 1024).toFixed(1)} MiB`;

/** Where two texts first part, for a readable note (1-based line). */
export function firstDifference(
  a: string,
  b: string,
): { line: number; checkedIn: string; rendered: string } | undefined {
  if (a === b) return undefined;
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return {
        line: i + 1,
        checkedIn: (x[i] ?? '<end>').slice(0, 200),
        rendered: (y[i] ?? '<end>').slice(0, 200),
      };
  }
  return undefined;
}

/**
 * Compares a checked-in file (path relative to the repository) with what a
 * reporter renders now. Checked-in files may come from an older renderer, so
 * a difference is a note (an annotation and a warning), not a failure, unless
 * STRICT_REPORTS=1. Returns whether they are equal.
 */
export async function noteDifference(
  annotate: (message: string, type?: string) => Promise<unknown>,
  path: string,
  rendered: string,
  hint: string,
): Promise<boolean> {
  const full = join(ROOT, path);
  if (!existsSync(full)) {
    await annotate(`${path} is not checked in`, 'warning');
    return false;
  }
  const d = firstDifference(readFileSync(full, 'utf8'), rendered);
  if (!d) return true;
  const msg =
    `${path} differs from what the reporter renders now ` +
    `(line ${d.line}: checked in ${JSON.stringify(d.checkedIn)}, rendered ${JSON.stringify(d.rendered)}); ${hint}`;
  if (process.env.STRICT_REPORTS === '1') throw new Error(msg);
  console.warn(msg);
  await annotate(msg, 'warning');
  return false;
}

/** noteDifference for report/<name>/<name>.<extension>, which publish-report.mjs renders. */
export function noteCheckedInDifference(
  annotate: (message: string, type?: string) => Promise<unknown>,
  name: PublishedRun,
  extension: string,
  rendered: string,
): Promise<boolean> {
  return noteDifference(
    annotate,
    `report/${name}/${name}.${extension}`,
    rendered,
    `re-render it with npm run build && node scripts/publish-report.mjs ${RUNS[name]}`,
  );
}
