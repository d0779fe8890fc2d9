import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { resolveBuild } from '../../src/kernels/build.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { tempDir } from './helpers.js';

const dir = tempDir('print-key');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kernels build --print-key', () => {
  it('prints the key the build would use, without building, and names its directory with --json', async () => {
    const cache = join(dir, 'cache');
    const args = ['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'riscv64', '--print-key'];
    const p = fakeProcess(args, { LINEINFO_BENCH_CACHE: cache });
    expect(await run(p.proc), p.stderr()).toBe(0);
    expect(p.stderr()).toBe('');
    const expected = await resolveBuild(
      {
        source: { kind: 'tarball' },
        arch: 'riscv64',
        recipe: 'tinyconfig-dwarf5',
        compiler: 'gcc',
      },
      { cache },
    );
    expect(p.stdout()).toBe(`${expected.key}\n`);
    expect(p.stdout()).toMatch(/^[0-9a-f]{16}\n$/);
    const j = fakeProcess([...args, '--json'], { LINEINFO_BENCH_CACHE: cache });
    expect(await run(j.proc)).toBe(0);
    expect(JSON.parse(j.stdout())).toEqual({
      key: expected.key,
      label: 'riscv64-tinyconfig-dwarf5-gcc',
      dir: join(cache, 'builds', `riscv64-tinyconfig-dwarf5-gcc-${expected.key}`),
      done: false,
    });
    // nothing was built, extracted or even made
    expect(existsSync(cache)).toBe(false);
    // the key is the real cache's: another compiler, another key
    const clang = fakeProcess([...args, '--compiler', 'clang'], {
      LINEINFO_BENCH_CACHE: cacheRoot(),
    });
    expect(await run(clang.proc)).toBe(0);
    expect(clang.stdout()).not.toBe(p.stdout());
  });
});
