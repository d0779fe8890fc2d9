import { describe, expect, it } from 'vitest';
import { compactModuleSet, DIFFER_KEPT, type ModuleSetResult } from '../../src/measure/modules.js';

describe('compactModuleSet', () => {
  it('drops the per-module list and keeps DIFFER_KEPT names, the count and causes whole', () => {
    const differing = Array.from({ length: 30 }, (_, i) => ({
      name: `drivers/m${i}.ko`,
      causes: ['init-exit'],
      upstreamEntries: i,
      fullEntries: i + 1,
    }));
    const full = {
      source: 'x',
      modules: [{ name: 'drivers/m0.ko' }],
      summary: {
        modules: 31,
        differ: { count: 30, byCause: { 'init-exit': 30 }, modules: differing },
      },
    } as unknown as ModuleSetResult;
    const c = compactModuleSet(full);
    expect(c.modules).toEqual([]);
    expect(c.summary.differ.count).toBe(30);
    expect(c.summary.differ.byCause).toEqual({ 'init-exit': 30 });
    expect(c.summary.differ.modules.map((m) => m.name)).toEqual(
      differing.slice(0, DIFFER_KEPT).map((m) => m.name),
    );
    expect(DIFFER_KEPT).toBe(20);
    // the input is left as it was
    expect(full.summary.differ.modules).toHaveLength(30);
    expect(full.modules).toHaveLength(1);
  });
});
