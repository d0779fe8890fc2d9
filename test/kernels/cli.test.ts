import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { cacheRoot, hashKey, stableJson } from '../../src/kernels/cache.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { compileKernelLike, tempDir } from './helpers.js';

const dir = tempDir('cli');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kernels commands', () => {
  it('--help teaches with examples', async () => {
    for (const args of [
      ['kernels', '--help'],
      ['kernels', 'build', '--help'],
      ['kernels', 'get', 'debian', '--help'],
      ['kernels', 'matrix', '--help'],
    ]) {
      const p = fakeProcess(args);
      expect(await run(p.proc)).toBe(0);
      expect(p.stdout()).toContain('Examples:');
    }
  });

  it('kernels list --json shows recipes, arches and the cache it uses', async () => {
    const cache = join(dir, 'empty-cache');
    const p = fakeProcess(['kernels', 'list', '--json'], { LINEINFO_BENCH_CACHE: cache });
    expect(await run(p.proc)).toBe(0);
    const l = JSON.parse(p.stdout());
    expect(l.cache).toBe(cache);
    expect(l.recipes.map((r: { name: string }) => r.name)).toContain('tinyconfig-dwarf5');
    expect(l.arches.map((a: { name: string }) => a.name)).toEqual([
      'x86_64',
      'i386',
      'arm64',
      'arm',
      'riscv64',
      'ppc64le',
      'ppc64',
      's390x',
      'm68k',
      'parisc',
      'mips',
      'sparc64',
    ]);
    expect(l.arches.find((a: { name: string }) => a.name === 'arm64').gccInstalled).toBe(true);
    expect(l.builds).toEqual([]);
    expect(l.unfinished).toEqual([]);
  });

  it('kernels get local describes an ELF as JSON', async () => {
    const elf = compileKernelLike('s390x-linux-gnu-gcc', dir, 'vmlinux-s390x');
    const p = fakeProcess(['kernels', 'get', 'local', elf, '--json']);
    expect(await run(p.proc)).toBe(0);
    const k = JSON.parse(p.stdout());
    expect(k.metadata).toMatchObject({
      arch: 's390x',
      bits: 64,
      endianness: 'big',
      dwarfVersion: 5,
    });
    const t = fakeProcess(['kernels', 'get', 'local', elf]);
    expect(await run(t.proc)).toBe(0);
    expect(t.stdout()).toContain('arch:       s390x (64-bit, big-endian, ARCH=s390)');
  });

  it('user errors exit 2 with one line naming the cause', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'vax'],
        /^error: unknown arch 'vax'; known: x86_64, /,
      ],
      [
        ['kernels', 'build', 'no-such-recipe', '--arch', 'arm64'],
        /no-such-recipe\.json: no such recipe; known recipes: /,
      ],
      [
        ['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'ppc64', '--compiler', 'clang'],
        /clang \(LLVM=1\) is not supported for ppc64 here; use --compiler gcc/,
      ],
      [
        ['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'arm64', '--ref', 'v6.12'],
        /--ref goes with --git/,
      ],
      [['kernels', 'get', 'local', join(dir, 'nothing')], /nothing: no such file or directory/],
      [['kernels', 'matrix', join(dir, 'no-matrix.json')], /no-matrix\.json: no such matrix file/],
    ];
    for (const [args, re] of cases) {
      const p = fakeProcess(args, { LINEINFO_BENCH_CACHE: join(dir, 'c') });
      expect(await run(p.proc), args.join(' ')).toBe(2);
      expect(p.stderr().trim().split('\n')).toHaveLength(1);
      expect(p.stderr()).toMatch(re);
    }
  });

  it('a missing cross compiler is named with the apt command that installs it', async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'empty-path');
    try {
      const p = fakeProcess(['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'arm64'], {
        LINEINFO_BENCH_CACHE: join(dir, 'c'),
      });
      expect(await run(p.proc)).toBe(2);
      expect(p.stderr()).toBe(
        'error: aarch64-linux-gnu-gcc not found: install it with `apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu` or pass --allow-install\n',
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  it('kernels build on a finished build prints the kernel and records its time', async () => {
    // the arm64 tinyconfig build of build.test.ts (built there, or here on first use)
    const records = join(dir, 'records');
    const p = fakeProcess(
      ['kernels', 'build', 'tinyconfig-dwarf5', '--arch', 'arm64', '--record', records, '--json'],
      {
        LINEINFO_BENCH_CACHE: cacheRoot(),
      },
    );
    expect(await run(p.proc)).toBe(0);
    const k = JSON.parse(p.stdout());
    expect(k.metadata).toMatchObject({ arch: 'arm64', dwarfVersion: 5 });
    const rec = JSON.parse(readFileSync(join(records, 'arm64-tinyconfig-dwarf5-gcc.json'), 'utf8'));
    expect(rec.jobKey).toBe(k.build.key);
  }, 1_200_000);

  it('kernels get debian pins a package version with --package-version', async () => {
    const p = fakeProcess(
      ['kernels', 'get', 'debian', 'cloud-amd64', '--package-version', '6.1.192-2', '--json'],
      {
        LINEINFO_BENCH_CACHE: cacheRoot(),
      },
    );
    expect(await run(p.proc)).toBe(0);
    const k = JSON.parse(p.stdout());
    expect(k.provenance).toMatchObject({
      kind: 'debian',
      package: 'linux-image-6.1.0-56-cloud-amd64-dbg',
      version: '6.1.192-2',
    });
    expect(k.metadata).toMatchObject({
      arch: 'x86_64',
      kernelVersion: '6.1.0-56-cloud-amd64',
      dwarfVersion: 5,
    });
  }, 600_000);

  it('kernels matrix reports each job and exits 1 when one failed', async () => {
    const m = join(dir, 'm.json');
    mkdirSync(dir, { recursive: true });
    writeFileSync(m, JSON.stringify({ jobs: [{ arch: 'vax', recipe: 'tinyconfig-dwarf5' }] }));
    const p = fakeProcess(['kernels', 'matrix', m], { LINEINFO_BENCH_CACHE: join(dir, 'c') });
    expect(await run(p.proc)).toBe(1);
    expect(p.stderr()).toContain("[1/1] vax-tinyconfig-dwarf5-gcc: failed: unknown arch 'vax'");
    expect(p.stdout()).toMatch(/^failed\s+vax-tinyconfig-dwarf5-gcc/);
  });
});

describe('cache keys', () => {
  it('cacheRoot: LINEINFO_BENCH_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheRoot({ LINEINFO_BENCH_CACHE: '/x', XDG_CACHE_HOME: '/y', HOME: '/h' })).toBe('/x');
    expect(cacheRoot({ XDG_CACHE_HOME: '/y', HOME: '/h' })).toBe('/y/lineinfo-bench');
    expect(cacheRoot({ HOME: '/h' })).toBe('/h/.cache/lineinfo-bench');
  });

  it('hash keys ignore key order and undefined, and change with any value', () => {
    expect(stableJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    expect(hashKey({ a: 1, b: 2 })).toBe(hashKey({ b: 2, a: 1 }));
    expect(hashKey({ a: 1, b: 2 })).not.toBe(hashKey({ a: 1, b: 3 }));
    expect(hashKey({ p: ['x', 'y'] })).not.toBe(hashKey({ p: ['y', 'x'] }));
    expect(hashKey({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
  });
});
