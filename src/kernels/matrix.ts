import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { CompilerName } from './arches.js';
import {
  type BuildDone,
  type BuildOptions,
  type BuildResult,
  type BuildSpec,
  resolveBuild,
  runBuild,
} from './build.js';
import type { SourceSpec } from './sources.js';

/**
 * A matrix file (JSON): explicit jobs, or the cross product of arches,
 * recipes and compilers, all from one source unless a job names its own.
 *
 *   { "source": { "kind": "tarball" },
 *     "arches": ["x86_64", "arm64"], "recipes": ["tinyconfig-dwarf5"], "compilers": ["gcc"],
 *     "jobs": [ { "arch": "riscv64", "recipe": "defconfig-dwarf5" } ],
 *     "parallel": 1, "makeJobs": 2 }
 */
export interface MatrixFile {
  source?: SourceSpec;
  arches?: string[];
  recipes?: string[];
  compilers?: CompilerName[];
  jobs?: Partial<BuildSpec>[];
  parallel?: number;
  makeJobs?: number;
}

export interface Matrix {
  jobs: BuildSpec[];
  parallel: number;
  makeJobs: number;
}

export function loadMatrix(path: string): Matrix {
  if (!existsSync(path)) throw new UserError('no such matrix file', path);
  let m: MatrixFile;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as MatrixFile;
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, path);
  }
  return expandMatrix(m, dirname(resolve(path)), path);
}

export function expandMatrix(m: MatrixFile, baseDir: string, name = 'matrix'): Matrix {
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const fixSource = (s: SourceSpec): SourceSpec =>
    s.kind === 'git'
      ? {
          ...s,
          repo: /^[a-z]+:\/\//.test(s.repo) || s.repo.includes('@') ? s.repo : rel(s.repo),
          patches: (s.patches ?? []).map(rel),
        }
      : {
          ...s,
          tarball: s.tarball ? rel(s.tarball) : undefined,
          patches: s.patches ? s.patches.map(rel) : undefined,
        };
  const source = fixSource(m.source ?? { kind: 'tarball' });
  const recipe = (r: string) => (r.endsWith('.json') ? rel(r) : r);
  const jobs: BuildSpec[] = [];
  for (const arch of m.arches ?? []) {
    for (const r of m.recipes ?? []) {
      for (const compiler of m.compilers ?? ['gcc'])
        jobs.push({ source, arch, recipe: recipe(r), compiler });
    }
  }
  for (const j of m.jobs ?? []) {
    if (!j.arch || !j.recipe) throw new UserError('every job needs "arch" and "recipe"', name);
    jobs.push({
      source: j.source ? fixSource(j.source) : source,
      arch: j.arch,
      recipe: recipe(j.recipe),
      compiler: j.compiler ?? 'gcc',
    });
  }
  if (jobs.length === 0)
    throw new UserError('no jobs: give "arches" and "recipes", or "jobs"', name);
  const parallel = m.parallel ?? 1;
  const makeJobs = m.makeJobs ?? Math.max(1, Math.floor(cpus().length / parallel));
  if (!(parallel >= 1) || !(makeJobs >= 1))
    throw new UserError('"parallel" and "makeJobs" must be at least 1', name);
  return { jobs, parallel, makeJobs };
}

export type MatrixEvent =
  | { type: 'start'; index: number; total: number; label: string }
  | {
      type: 'progress';
      index: number;
      total: number;
      label: string;
      text: string;
      /** The text without the label and time (`build: CC kernel/fork.o`), for a status line. */
      step: string;
      elapsedMs: number;
    }
  | { type: 'end'; index: number; total: number; result: MatrixJobResult };

export interface MatrixJobResult {
  spec: BuildSpec;
  label: string;
  status: BuildResult['status'];
  seconds: number;
  result?: BuildResult;
  /** A job that could not even be resolved (unknown arch, missing compiler) fails with this. */
  error?: string;
}

/** A job's label before it is resolved (a git build's label gains its commit then). */
export function jobLabel(spec: BuildSpec): string {
  return `${spec.arch}-${spec.recipe}-${spec.compiler ?? 'gcc'}`;
}

/**
 * Runs the jobs, at most `parallel` at a time. A failing job does not stop
 * the others: its result carries the cause and the last lines of its log.
 */
export async function runMatrix(
  matrix: Matrix,
  opts: Omit<BuildOptions, 'onProgress' | 'makeJobs'> & { onEvent?: (e: MatrixEvent) => void },
): Promise<MatrixJobResult[]> {
  const total = matrix.jobs.length;
  const results: MatrixJobResult[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const spec = matrix.jobs[index];
      const t0 = Date.now();
      let label = jobLabel(spec);
      opts.onEvent?.({ type: 'start', index, total, label });
      let res: MatrixJobResult;
      try {
        const onProgress = (text: string, step?: string) =>
          opts.onEvent?.({
            type: 'progress',
            index,
            total,
            label,
            text,
            step: step ?? text,
            elapsedMs: Date.now() - t0,
          });
        const b = await resolveBuild(spec, { ...opts, onProgress });
        label = b.label;
        const r = await runBuild(b, { ...opts, makeJobs: matrix.makeJobs, onProgress });
        res = {
          spec,
          label,
          status: r.status,
          seconds: (Date.now() - t0) / 1000,
          result: r,
          error: r.error,
        };
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        res = {
          spec,
          label,
          status: opts.signal?.aborted ? 'killed' : 'failed',
          seconds: (Date.now() - t0) / 1000,
          error: e.line(),
        };
      }
      results[index] = res;
      opts.onEvent?.({ type: 'end', index, total, result: res });
      if (opts.signal?.aborted) break;
    }
  };
  await Promise.all(Array.from({ length: Math.min(matrix.parallel, total) }, worker));
  return results.filter(Boolean);
}

/** A small JSON record of one build's time, for results/builds/. */
export function buildRecord(
  done: BuildDone,
  extra: { kernelVersion?: string; nproc?: number },
): Record<string, unknown> {
  return {
    schemaVersion: 1,
    arch: done.arch,
    recipe: done.recipe,
    compiler: done.compiler,
    compilerText: done.compilerText,
    kernelVersion: extra.kernelVersion,
    source: `${done.source.kind}:${done.source.ref}`,
    makeJobs: done.makeJobs,
    hostCpus: extra.nproc ?? cpus().length,
    seconds: Math.round((done.configSeconds + done.makeSeconds) * 10) / 10,
    configSeconds: done.configSeconds,
    makeSeconds: done.makeSeconds,
    resumed: done.resumed,
    vmlinuxBytes: done.vmlinuxBytes,
    bootImage: done.bootImage,
    loadAvg: done.loadAvg,
    finishedAt: done.finishedAt,
    jobKey: done.key,
  };
}

export function writeBuildRecord(dir: string, done: BuildDone, kernelVersion?: string): string {
  const path = join(dir, `${done.label}.json`);
  writeFileAtomic(path, `${JSON.stringify(buildRecord(done, { kernelVersion }), null, 2)}\n`);
  return path;
}

/**
 * The time a finished build of this label took, from its record in `dir`
 * (`<label>.json`): make and config plus the boot image, in ms. None for a
 * missing or unreadable record, a failure, or a resumed build (its time is
 * of the last part only).
 */
export function recordedBuildMs(dir: string, label: string): number | undefined {
  const path = join(dir, `${label}.json`);
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as {
      seconds?: unknown;
      resumed?: unknown;
      bootImage?: { seconds?: unknown };
    };
    if (typeof r.seconds !== 'number' || r.resumed === true) return undefined;
    const image = typeof r.bootImage?.seconds === 'number' ? r.bootImage.seconds : 0;
    return Math.round((r.seconds + image) * 1000);
  } catch {
    return undefined;
  }
}
