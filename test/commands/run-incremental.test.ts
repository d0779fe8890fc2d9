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

describe('a run saves as it goes', () => {
  it('writes run.json after each kernel, unfinished until the end', async () => {
    const config = validateRunConfig(
      {
        name: 'inc',
        kernels: [
          { id: 'a', local: buildFixture('gcc-dwarf5'), base: '0' },
          { id: 'b', local: buildFixture('i686-dwarf5'), base: 'main' },
        ],
        formats: ['flat'],
        measure: { verifySamples: 100 },
      },
      'inc.json',
    );
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
