import { describe, expect, it } from 'vitest';
import { mergeRuns } from '../../src/results/merge.js';
import type { KernelResult, RunResult } from '../../src/results/schema.js';

/** A run as a job leaves it: one config, measured kernels (their figures do not matter to merge) and failures. */
function job(ids: string[], failed: string[], finishedAt = '2026-11-25T10:00:00.000Z'): RunResult {
  const spec = (id: string) => ({ id, local: `/k/${id}` });
  return {
    schemaVersion: 1,
    runId: `r-${ids.join('-')}-${failed.join('-')}`,
    config: {
      name: 'm',
      kernels: [...ids, ...failed].map(spec),
      formats: ['flat'],
      rules: ['v1-v4'],
      seed: 1,
      measure: { verifySamples: 10, agreement: 0 },
      allowInstall: false,
    },
    startedAt: '2026-11-25T09:00:00.000Z',
    finishedAt,
    tool: { name: 'lineinfo-bench', version: '0', node: 'v20' },
    machine: { cpus: 2, cpuModel: 'x', memoryBytes: 1, loadAverage: [0, 0, 0] },
    kernels: ids.map((id) => ({ id }) as KernelResult),
    failures: failed.map((id) => ({ id, error: `${id} did not build` })),
  };
}

describe('mergeRuns', () => {
  it('drops a failure that another run measured (a retried job), keeps the others', () => {
    const first = job(['a'], ['b', 'c']);
    const retry = job(['b'], [], '2026-11-25T11:00:00.000Z');
    // the retry built b another way (a build fix, say): its spec is the one kept
    retry.config.kernels = [{ id: 'b', local: '/k/b-fixed' }];
    const m = mergeRuns([first, retry], 'all', new Date('2026-11-25T12:00:00Z'));
    expect(m.kernels.map((k) => k.id)).toEqual(['a', 'b']);
    // kernels in the matrix's order, whichever run measured them
    const late = mergeRuns([job(['a'], ['b', 'c']), job(['c'], []), job(['b'], [])], 'all');
    expect(late.kernels.map((k) => k.id)).toEqual(['a', 'b', 'c']);
    expect(late.failures).toEqual([]);
    expect(m.failures).toEqual([{ id: 'c', error: 'c did not build' }]);
    // each kernel's spec once, in first-seen order, from the run that measured it
    expect(m.config.kernels).toEqual([
      { id: 'a', local: '/k/a' },
      { id: 'b', local: '/k/b-fixed' },
      { id: 'c', local: '/k/c' },
    ]);
    expect(m.finishedAt).toBe('2026-11-25T11:00:00.000Z');
  });

  it('jobs of one matrix (run --only) merge back in the matrix order, with the config file they share', () => {
    const part = (id: string, file = 'configs/m.json') => {
      const r = job([id], []);
      r.config.kernels = ['a', 'b', 'c'].map((k) => ({ id: k, local: `/k/${k}` }));
      r.only = [id];
      r.configFile = file;
      return r;
    };
    const m = mergeRuns([part('c'), part('a'), part('b')], 'm');
    expect(m.kernels.map((k) => k.id)).toEqual(['a', 'b', 'c']);
    expect(m.only).toBeUndefined();
    expect(m.configFile).toBe('configs/m.json');
    const some = mergeRuns([part('c'), part('a', 'configs/other.json')], 'm');
    expect(some.only).toEqual(['a', 'c']);
    expect(some.configFile).toBeUndefined();
  });

  it('refuses a kernel measured twice', () => {
    expect(() => mergeRuns([job(['a'], []), job(['a'], [])], 'x')).toThrow(
      'merge: kernel a is in more than one run',
    );
  });
});
