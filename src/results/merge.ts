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
  for (const r of runs) for (const f of r.failures) if (!measured.has(f.id)) failures.set(f.id, f);
  // each kernel's spec once, from the run that measured it (a retry may have changed it)
  const specs = new Map<string, RunResult['config']['kernels'][number]>();
  for (const r of runs)
    for (const k of r.config.kernels) {
      const mine = r.kernels.some((x) => x.id === k.id);
      if (!specs.has(k.id) || mine) specs.set(k.id, k);
    }
  const kernelSpecs = [...specs.values()];
  // jobs of one matrix (`run --only`) merge back into it: say what is still missing, if anything
  const covered = kernelSpecs.map((k) => k.id).filter((id) => measured.has(id) || failures.has(id));
  const only = covered.length === kernelSpecs.length ? undefined : covered;
  const files = new Set(runs.map((r) => r.configFile));
  const starts = runs.map((r) => r.startedAt).sort();
  const ends = runs.map((r) => r.finishedAt);
  return {
    ...first,
    runId: newRunId(name, now),
    config: { ...first.config, name, kernels: kernelSpecs },
    // a row's "run <config> --only <id>" is only right when every part ran from one config file
    configFile: files.size === 1 ? first.configFile : undefined,
    only,
    startedAt: starts[0],
    // unfinished if any part is
    finishedAt: ends.some((e) => !e) ? '' : ends.sort().at(-1)!,
    // in the order of the specs: a retried kernel takes its place in the matrix again
    kernels: runs
      .flatMap((r) => r.kernels)
      .sort(
        (a, b) =>
          kernelSpecs.findIndex((k) => k.id === a.id) - kernelSpecs.findIndex((k) => k.id === b.id),
      ),
    failures: [...failures.values()],
  };
}
