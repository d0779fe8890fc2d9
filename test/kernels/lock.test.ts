import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLock } from '../../src/kernels/cache.js';
import { tempDir } from './helpers.js';

const dir = tempDir('lock');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('runs two holders of one directory one after the other', async () => {
    const target = join(dir, 'build');
    const log: string[] = [];
    const waits: number[] = [];
    const job = (name: string) =>
      withLock(
        target,
        async () => {
          log.push(`${name} in`);
          await new Promise((r) => setTimeout(r, 300));
          log.push(`${name} out`);
        },
        (pid) => waits.push(pid),
      );
    await Promise.all([job('a'), job('b')]);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(waits[0]).toBe(process.pid);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });

  it('takes over a lock left by a killed process', async () => {
    const target = join(dir, 'stale');
    const dead = spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    mkdirSync(`${target}.lock`, { recursive: true });
    writeFileSync(join(`${target}.lock`, 'pid'), dead);
    const t0 = Date.now();
    expect(await withLock(target, async () => 'ran')).toBe('ran');
    // no waiting for a holder that is gone (a generous bound: the machine may be busy)
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('releases the lock when the holder throws', async () => {
    const target = join(dir, 'throws');
    await expect(withLock(target, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
