import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { validateRunConfig } from '../../src/results/config.js';
import { executeRun } from '../../src/results/run.js';
import type { RunResult } from '../../src/results/schema.js';
import { saveRun } from '../../src/results/store.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('incremental');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config of two small compiled kernels, a (x86_64) and b (i686), flat tables only. */
function twoKernels(name: string) {
  return validateRunConfig(
    {
      name,
      kernels: [
        { id: 'a', local: buildFixture('gcc-dwarf5'), base: '0' },
        { id: 'b', local: buildFixture('i686-dwarf5'), base: 'main' },
      ],
      formats: ['flat'],
      measure: { verifySamples: 100 },
    },
    `${name}.json`,
  );
}

describe('a run saves as it goes', () => {
  it('writes run.json after each kernel, unfinished until the end', async () => {
    const config = twoKernels('inc');
    const seen: { kernels: number; finished: string }[] = [];
    const run = await executeRun(config, {
      cache: dir,
      onKernelDone: (partial: RunResult) => {
        const out = saveRun(dir, partial);
        const saved = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
        seen.push({ kernels: saved.kernels.length, finished: saved.finishedAt });
      },
    });
    expect(seen).toEqual([
      { kernels: 1, finished: '' },
      { kernels: 2, finished: '' },
    ]);
    expect(run.finishedAt).not.toBe('');
    expect(existsSync(join(dir, run.runId, 'tables.csv'))).toBe(true);
  });
});

describe('a run names the code it was measured with', () => {
  const config = twoKernels('commit');
  const started = { commit: 'a'.repeat(40), dirty: false };
  const later = { commit: 'b'.repeat(40), dirty: true };

  it('records the commit it started at, and a resumed kernel measured at another under resumedAt', async () => {
    const first = await executeRun(config, { cache: dir, commit: started, only: ['a'] });
    expect(first.tool).toMatchObject(started);
    expect(first.tool.resumedAt).toBeUndefined();
    // b measured later by other code: named apart, a's record unchanged
    const resumed = await executeRun(config, {
      cache: dir,
      commit: later,
      resume: { ...first, only: undefined, finishedAt: '' },
    });
    expect(resumed.kernels.map((k) => k.id)).toEqual(['a', 'b']);
    expect(resumed.tool).toMatchObject(started);
    expect(resumed.tool.resumedAt).toEqual([{ ...later, kernels: ['b'] }]);
    expect(first.tool.resumedAt).toBeUndefined();
    // resumed at the same code: nothing to say
    const same = await executeRun(config, {
      cache: dir,
      commit: started,
      resume: { ...first, only: undefined, finishedAt: '' },
    });
    expect(same.tool.resumedAt).toBeUndefined();
  });

  it("records the checkout's own commit by default", async () => {
    const run = await executeRun(config, { cache: dir, only: ['a'] });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    }).trim();
    expect(run.tool.commit).toBe(head);
    expect(typeof run.tool.dirty).toBe('boolean');
  });
});

describe('run --fail-on', () => {
  it('saves the run, then exits 1 with a line per kernel and table over the limit', async () => {
    const cfg = join(dir, 'limits.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'limits',
        kernels: [
          { id: 'a', local: buildFixture('gcc-dwarf5'), base: '0' },
          { id: 'b', local: buildFixture('i686-dwarf5'), base: 'main' },
        ],
        formats: ['flat', 'blocks:64'],
        measure: { verifySamples: 100 },
      }),
    );
    const results = join(dir, 'limits');
    const p = fakeProcess(['run', cfg, '--results', results, '--fail-on', 'bpe>5']);
    expect(await run(p.proc)).toBe(1);
    const lines = p.stderr().trim().split('\n');
    // flat spends 10 B/entry on every kernel, blocks of 64 far less: one line per kernel
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^threshold: a: flat \(newest\): bytes per entry \(index \+ data\) 10\.000, limit 5 \(--fail-on bpe>5\)$/,
    );
    expect(lines[1]).toMatch(/^threshold: b: flat \(newest\): /);
    // the run was saved first: the limits judge it, they do not lose it
    const saved = JSON.parse(
      readFileSync(join(results, readdirSync(results)[0], 'run.json'), 'utf8'),
    );
    expect(saved.kernels.map((k: { id: string }) => k.id)).toEqual(['a', 'b']);
  });
});
