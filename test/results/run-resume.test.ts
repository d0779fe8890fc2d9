import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KernelResult, RunResult } from '../../src/results/schema.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

/**
 * A run killed with SIGKILL between two kernels and started again with the
 * same config loses nothing it had finished: the kernels saved before the
 * kill are kept as they were (not measured again), the rest are measured,
 * and the figures equal those of a run that was never interrupted.
 */

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'lineinfo-bench.js');
const dir = scratchDir('resume');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runJsons = (results: string) =>
  existsSync(results)
    ? readdirSync(results)
        .map((d) => join(results, d, 'run.json'))
        .filter(existsSync)
    : [];

function readRun(path: string): RunResult | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunResult;
  } catch {
    return undefined; // never expected: saves are atomic (the test asserts it below)
  }
}

/** A kernel's figures without what depends on the clock. */
const figures = (k: KernelResult) => ({
  id: k.id,
  extractions: k.extractions,
  tables: k.measure.tables,
  bounds: k.measure.bounds,
  agreement: k.measure.agreement,
});

describe('run after a SIGKILL', () => {
  it('resumes the unfinished run: kernels saved before the kill are kept, the rest measured, figures as an uninterrupted run', async () => {
    const config = join(dir, 'resume.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'resume',
        kernels: [
          { id: 'a', local: buildFixture('gcc-dwarf5'), base: '0' },
          { id: 'b', local: buildFixture('gcc-dwarf5-O0'), base: '0' },
          { id: 'c', local: buildFixture('clang-dwarf5'), base: '0' },
        ],
        formats: ['flat', 'blocks:64', 'mru-huffman:64'],
        rules: ['v1-v4', 'symbolizer'],
        // agreement asks addr2line and llvm-symbolizer: seconds per kernel, time to kill between two
        measure: { verifySamples: 200000, agreement: 20000 },
      }),
    );
    const results = join(dir, 'runs');
    const env = { ...process.env, LINEINFO_BENCH_CACHE: join(dir, 'cache') };

    // the first attempt, killed as soon as one kernel is saved
    const child = spawn(process.execPath, [CLI, 'run', config, '--results', results], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    while (child.exitCode === null) {
      const [path] = runJsons(results);
      if (path) {
        const run = readRun(path);
        expect(run, 'run.json is never half-written').toBeDefined();
        if (run && run.kernels.length >= 1) {
          child.kill('SIGKILL');
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exited, 'the first attempt was killed, not finished').toBeNull();
    const [killedPath] = runJsons(results);
    const saved = readRun(killedPath);
    expect(saved?.finishedAt).toBe('');
    const before = saved!.kernels;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(3);

    // started again: the same run, resumed
    const again = spawnSync(process.execPath, [CLI, 'run', config, '--results', results], {
      env,
      encoding: 'utf8',
    });
    expect(again.stderr).toContain(`resuming`);
    expect(again.status).toBe(0);
    expect(runJsons(results)).toEqual([killedPath]);
    const resumed = readRun(killedPath)!;
    expect(resumed.runId).toBe(saved!.runId);
    expect(resumed.finishedAt).not.toBe('');
    expect(resumed.kernels.map((k) => k.id)).toEqual(['a', 'b', 'c']);
    // what was saved before the kill is kept as it was, timings included: not measured again
    for (const k of before) expect(resumed.kernels.find((r) => r.id === k.id)).toEqual(k);
    // one extraction per rule set, agreement and verification included
    for (const k of resumed.kernels) expect(k.extractions).toBe(2);

    // an uninterrupted run of the same config gives the same figures
    const fresh = spawnSync(
      process.execPath,
      [CLI, 'run', config, '--results', join(dir, 'fresh')],
      { env, encoding: 'utf8' },
    );
    expect(fresh.status).toBe(0);
    const [freshPath] = runJsons(join(dir, 'fresh'));
    expect(readRun(freshPath)!.kernels.map(figures)).toEqual(resumed.kernels.map(figures));
  }, 180_000);
});
