import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toJson } from '../util/json.js';
import { tablesCsv } from './csv.js';
import { RESULTS_SCHEMA_VERSION, type RunResult } from './schema.js';

/** A run id: the config name and the start time, sortable. */
export function newRunId(name: string, at = new Date()): string {
  return `${at
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z')}-${name}`;
}

/** Writes run.json and tables.csv under dir/<run-id>/, each atomically. */
export function saveRun(dir: string, run: RunResult): string {
  const out = join(dir, run.runId);
  writeFileAtomic(join(out, 'run.json'), toJson(run));
  writeFileAtomic(join(out, 'tables.csv'), tablesCsv(run));
  return out;
}

/**
 * A run by path (a run directory or its run.json) or by id under `dir`
 * ("latest" for the newest).
 */
export function loadRun(ref: string, dir: string): RunResult {
  let path = resolve(ref);
  if (!existsSync(path)) {
    const runs = listRuns(dir);
    const id =
      ref === 'latest' ? runs[runs.length - 1] : runs.find((r) => r === ref || r.startsWith(ref));
    if (!id)
      throw new UserError(
        ref === 'latest' ? `no runs in ${dir}` : `no run ${ref} in ${dir} (and no such path)`,
      );
    path = join(dir, id);
  }
  if (statSync(path).isDirectory()) path = join(path, 'run.json');
  if (!existsSync(path)) throw new UserError('no run.json here', path);
  let run: RunResult;
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as RunResult;
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, path);
  }
  if (run.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UserError(
      `results schema version ${run.schemaVersion}, this lineinfo-bench reads ${RESULTS_SCHEMA_VERSION}`,
      path,
    );
  }
  return run;
}

/** Run ids under dir, oldest first. */
export function listRuns(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'run.json')))
    .sort();
}

/**
 * The newest unfinished run under `dir` of exactly this config (and `--only`
 * subset) by this version of the tool: what `run` resumes after a kill. A
 * run.json that does not parse is passed over (saves are atomic, so that is
 * not a half-written one of ours).
 */
export function findUnfinishedRun(
  dir: string,
  config: RunResult['config'],
  only: string[] | undefined,
  version: string,
): RunResult | undefined {
  const want = JSON.stringify({ config, only: only ?? null });
  for (const id of listRuns(dir).reverse()) {
    let run: RunResult;
    try {
      run = JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')) as RunResult;
    } catch {
      continue;
    }
    if (run.schemaVersion !== RESULTS_SCHEMA_VERSION || run.finishedAt !== '') continue;
    if (run.tool?.version !== version) continue;
    if (JSON.stringify({ config: run.config, only: run.only ?? null }) === want) return run;
  }
  return undefined;
}
