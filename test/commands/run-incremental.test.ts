import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../src/results/run.js';
import { validateRunConfig } from '../../src/results/config.js';
import type { RunResult } from '../../src/results/schema.js';
import { saveRun } from '../../src/results/store.js';
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
