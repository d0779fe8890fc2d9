import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import type { HistoryResult } from '../../src/measure/history.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildKern } from '../helpers/kern-fixture.js';

describe('history', () => {
  const path = buildKern('gcc');

  it('prints JSON with one row per revision and the command that made it', async () => {
    const p = fakeProcess(['history', path, '--agree', '200', '--seed', '3', '--json']);
    expect(await run(p.proc)).toBe(0);
    const r = JSON.parse(p.stdout()) as HistoryResult;
    expect(r.rows.map((x) => x.revision)).toEqual(['v1-v4', 'v5', 'v6', 'newest']);
    expect(r.agreement).toEqual({ samples: 200, seed: 3 });
    expect(r.command).toBe(`lineinfo-bench history ${path} --agree 200 --seed 3`);
    expect(r.extractions).toBe(3);
  });

  it('prints the text rendering; --agree 0 leaves agreement out', async () => {
    const p = fakeProcess(['history', path, '--agree', '0']);
    expect(await run(p.proc)).toBe(0);
    expect(p.stdout()).toMatch(/^v1-v4 +blocks:64:sleb /m);
    expect(p.stdout()).toMatch(/^newest +flat /m);
    expect(p.stdout()).not.toContain('What each revision');
  });

  it('rejects a bad sample count with exit 2', async () => {
    const p = fakeProcess(['history', path, '--agree', 'many']);
    expect(await run(p.proc)).toBe(2);
    expect(p.stderr()).toContain('--agree takes a whole number');
  });
});
