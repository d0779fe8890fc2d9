import { UserError } from '../errors.js';
import type { RunResult } from './schema.js';
import { newRunId } from './store.js';

/**
 * Runs measured apart (one job per kernel on several machines) merged into
 * one: their kernels and failures side by side. They must have measured the
 * same way (formats, rules, seed, measurements), or the reports would compare
 * unlike figures. A kernel may be measured in one run only; its failure in
 * another run (a job that failed, then was retried) is dropped.
 */
export function mergeRuns(runs: RunResult[], name: string, now = new Date()): RunResult {
  if (runs.length === 0) throw new UserError('merge: no runs given');
  const first = runs[0];
  const how = (r: RunResult) =>
    JSON.stringify([r.config.formats, r.config.rules, r.config.seed, r.config.measure]);
  for (const r of runs.slice(1)) {
    if (how(r) !== how(first)) {
      throw new UserError(
        `merge: run ${r.runId} measured differently from ${first.runId} (formats, rules, seed or measure differ)`,
      );
    }
  }
  // a kernel measured in one run supersedes its failure in another (a retried job)
  const measured = new Set<string>();
  for (const r of runs) {
    for (const k of r.kernels) {
      if (measured.has(k.id)) throw new UserError(`merge: kernel ${k.id} is in more than one run`);
      measured.add(k.id);
    }
  }
  const failures = new Map<string, RunResult['failures'][number]>();
  for (const r of runs)
    for (const f of r.failures) if (!measured.has(f.id)) failures.set(f.id, f);
  const seen = new Set<string>();
  const kernelSpecs = runs
    .flatMap((r) => r.config.kernels)
    .filter((k) => !seen.has(k.id) && seen.add(k.id));
  const starts = runs.map((r) => r.startedAt).sort();
  const ends = runs.map((r) => r.finishedAt);
  return {
    ...first,
    runId: newRunId(name, now),
    config: { ...first.config, name, kernels: kernelSpecs },
    startedAt: starts[0],
    // unfinished if any part is
    finishedAt: ends.some((e) => !e) ? '' : ends.sort().at(-1)!,
    kernels: runs.flatMap((r) => r.kernels),
    failures: [...failures.values()],
  };
}
