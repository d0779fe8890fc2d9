import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHES } from '../../src/kernels/arches.js';
import { makeActivity } from '../../src/kernels/build.js';
import { loadMatrix } from '../../src/kernels/matrix.js';
import { tempDir } from './helpers.js';

const dir = tempDir('matrix');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('matrix files', () => {
  it('expands arches x recipes x compilers, then explicit jobs, with paths relative to the file', () => {
    const f = join(dir, 'm.json');
    writeFileSync(
      f,
      JSON.stringify({
        arches: ['x86_64', 'arm64'],
        recipes: ['tinyconfig-dwarf5', 'my/recipe.json'],
        compilers: ['gcc', 'clang'],
        jobs: [
          {
            arch: 'riscv64',
            recipe: 'defconfig-dwarf5',
            source: { kind: 'git', repo: '../linux', ref: 'v6.12', patches: ['p/1.patch'] },
          },
        ],
        parallel: 2,
      }),
    );
    const m = loadMatrix(f);
    expect(m.jobs).toHaveLength(2 * 2 * 2 + 1);
    expect(m.jobs[0]).toEqual({
      source: { kind: 'tarball', tarball: undefined },
      arch: 'x86_64',
      recipe: 'tinyconfig-dwarf5',
      compiler: 'gcc',
    });
    expect(m.jobs[3]).toMatchObject({
      arch: 'x86_64',
      recipe: join(dir, 'my/recipe.json'),
      compiler: 'clang',
    });
    expect(m.jobs[8]).toEqual({
      source: {
        kind: 'git',
        repo: join(dir, '..', 'linux'),
        ref: 'v6.12',
        patches: [join(dir, 'p/1.patch')],
      },
      arch: 'riscv64',
      recipe: 'defconfig-dwarf5',
      compiler: 'gcc',
    });
    expect(m.parallel).toBe(2);
    expect(m.makeJobs).toBeGreaterThanOrEqual(1);
  });

  it('keeps URLs as they are', () => {
    const f = join(dir, 'url.json');
    writeFileSync(
      f,
      JSON.stringify({
        source: { kind: 'git', repo: 'https://example.org/linux.git', ref: 'v6.12' },
        arches: ['arm64'],
        recipes: ['tinyconfig-dwarf5'],
      }),
    );
    expect(loadMatrix(f).jobs[0].source).toEqual({
      kind: 'git',
      repo: 'https://example.org/linux.git',
      ref: 'v6.12',
      patches: [],
    });
  });

  it('names what is wrong with a matrix file', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ jobs: [{ arch: 'arm64' }] }));
    expect(() => loadMatrix(f)).toThrow(/every job needs "arch" and "recipe"/);
    writeFileSync(f, JSON.stringify({ arches: ['arm64'] }));
    expect(() => loadMatrix(f)).toThrow(/no jobs/);
    writeFileSync(f, '[');
    expect(() => loadMatrix(f)).toThrow(/not valid JSON/);
  });

  it('the shipped matrix covers every arch', () => {
    const m = loadMatrix(
      join(import.meta.dirname, '..', '..', 'configs', 'matrices', 'tiny-all-arches.json'),
    );
    expect(new Set(m.jobs.map((j) => j.arch))).toEqual(new Set(ARCHES.map((a) => a.name)));
    expect(m.parallel).toBe(1);
    expect(m.makeJobs).toBe(2);
  });
});

describe('makeActivity', () => {
  it('reads what make is doing from kbuild lines, and ignores the rest', () => {
    expect(makeActivity('  CC      kernel/fork.o')).toBe('CC kernel/fork.o');
    expect(makeActivity('  LD      .tmp_vmlinux1')).toBe('LD .tmp_vmlinux1');
    expect(makeActivity("make[1]: Entering directory '/x'")).toBeUndefined();
    expect(makeActivity('kernel/fork.c:12: warning: unused')).toBeUndefined();
  });
});
