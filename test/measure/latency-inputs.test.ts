import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import {
  blockEndSet,
  edgeAddresses,
  entrySet,
  seededSample,
  uniformSet,
} from '../../src/measure/addresses.js';
import { parseCacheSize, readCacheInfo, UNKNOWN_LLC_EVICT } from '../../src/measure/machine.js';
import { scratchDir } from '../helpers/fixtures.js';

const table = (offsets: number[]): EntryTable => ({
  count: offsets.length,
  offsets: Uint32Array.from(offsets),
  fileIds: new Uint16Array(offsets.length),
  lines: Uint32Array.from(offsets, (_, i) => i + 1),
  files: ['a.c'],
});

describe('address sets', () => {
  const t = table([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]);

  it('seededSample draws without replacement, the same for the same seed', () => {
    const a = seededSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 3);
    expect(a).toHaveLength(5);
    expect(new Set(a).size).toBe(5);
    expect(seededSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 3)).toEqual(a);
    expect(seededSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 4)).not.toEqual(a);
    expect([...seededSample([1, 2, 3], 10, 1)].sort()).toEqual([1, 2, 3]);
  });

  it('block-end: the last entry of every block, the short last block included', () => {
    const s = blockEndSet(t, 3, 100, 1);
    expect(s.population).toBe(3);
    expect([...s.offsets].sort((x, y) => x - y)).toEqual([0x30, 0x60, 0x70]);
  });

  it('entries: entry starts only; uniform: inside [first entry, text end)', () => {
    expect(entrySet(t, 100, 1).offsets.every((o) => t.offsets.includes(o))).toBe(true);
    const u = uniformSet(t, 1000, 1, 0x100);
    expect(u.population).toBe(0x100 - 0x10);
    expect(u.offsets.every((o) => o >= 0x10 && o < 0x100)).toBe(true);
    expect(Math.max(...u.offsets)).toBeGreaterThan(0x70); // reaches past the last entry, to _etext
    const noEnd = uniformSet(t, 1000, 1);
    expect(noEnd.offsets.every((o) => o >= 0x10 && o <= 0x70)).toBe(true);
  });

  it('edges: below the base, before the first entry, past 32 bits', () => {
    const e = edgeAddresses(t, 0x1000n);
    expect(e).toContain(0xfffn);
    expect(e).toContain(0x100fn);
    expect(e).toContain(0x1000n + 0x100000000n);
  });
});

describe('last-level cache from sysfs', () => {
  const dir = scratchDir('cacheinfo');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const entry = (name: string, level: number, type: string, size: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'level'), `${level}\n`);
    writeFileSync(join(dir, name, 'type'), `${type}\n`);
    writeFileSync(join(dir, name, 'size'), `${size}\n`);
  };

  it('parses sizes', () => {
    expect(parseCacheSize('32768K')).toBe(32 * 1024 * 1024);
    expect(parseCacheSize('2M')).toBe(2 * 1024 * 1024);
    expect(parseCacheSize('512')).toBe(512);
    expect(parseCacheSize('big')).toBeUndefined();
  });

  it('takes the highest level that holds data and walks twice its size', () => {
    entry('index0', 1, 'Data', '32K');
    entry('index1', 1, 'Instruction', '32K');
    entry('index2', 2, 'Unified', '1024K');
    entry('index3', 3, 'Unified', '16384K');
    const c = readCacheInfo(dir);
    expect(c.llcLevel).toBe(3);
    expect(c.llcBytes).toBe(16 * 1024 * 1024);
    expect(c.evictBytes).toBe(32 * 1024 * 1024);
  });

  it('says so and walks 256 MiB when sysfs has nothing', () => {
    const c = readCacheInfo(join(dir, 'missing'));
    expect(c.llcBytes).toBeUndefined();
    expect(c.evictBytes).toBe(UNKNOWN_LLC_EVICT);
    expect(c.source).toMatch(/gave no cache sizes/);
  });
});
