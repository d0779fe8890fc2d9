import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHES } from '../../src/kernels/arches.js';
import { failureLines, makeActivity } from '../../src/kernels/build.js';
import { runLogged } from '../../src/kernels/exec.js';
import { loadMatrix, type MatrixEvent, runMatrix } from '../../src/kernels/matrix.js';
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

describe('failureLines', () => {
  it('puts the first compiler error of a parallel make before the tail of the log', async () => {
    // a real make -j2 that fails early in one job while the other keeps printing
    const d = join(dir, 'failing');
    const mk = join(d, 'Makefile');
    const log = join(d, 'build.log');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'bad.c'), 'int f(void) { return undeclared_thing; }\n');
    const noisy = Array.from({ length: 30 }, (_, i) => `\t@echo "  CC      noisy${i}.o"`).join(
      '\n',
    );
    writeFileSync(
      mk,
      `all: bad.o noisy\nbad.o: bad.c\n\tgcc -c -o $@ $<\nnoisy:\n\t@sleep 0.5\n${noisy}\n`,
    );
    const r = await runLogged('make', ['-C', d, '-j2', '-k'], { log });
    expect(r.code).not.toBe(0);
    const text = readFileSync(log, 'utf8');
    const lines = failureLines(text);
    expect(lines[0]).toMatch(/bad\.c:1:\d+: error: .undeclared_thing. undeclared/);
    expect(lines).toContain('...');
    expect(lines[lines.length - 1]).toBe('# exit 2');
    // without an error line there is only the tail
    expect(failureLines('$ make x\n  CC a.o\n# exit 2\n')).toEqual([
      '$ make x',
      '  CC a.o',
      '# exit 2',
    ]);
  });
});

describe('runMatrix', () => {
  it('runs at most `parallel` jobs at once, keeps the results in job order, and goes on after failures', async () => {
    const spec = {
      source: { kind: 'tarball' as const },
      recipe: 'tinyconfig-dwarf5',
      compiler: 'gcc' as const,
    };
    const jobs = ['vax', 'pdp11', 'ia64', 'alpha'].map((arch) => ({ ...spec, arch }));
    for (const parallel of [1, 2]) {
      const events: MatrixEvent[] = [];
      const results = await runMatrix(
        { jobs, parallel, makeJobs: 1 },
        { cache: join(dir, 'c'), onEvent: (e) => events.push(e) },
      );
      expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
      expect(results.map((r) => r.error)).toEqual(
        jobs.map((j) => expect.stringContaining(`unknown arch '${j.arch}'`)),
      );
      let running = 0;
      let peak = 0;
      for (const e of events) {
        if (e.type === 'start') peak = Math.max(peak, ++running);
        if (e.type === 'end') running--;
      }
      expect(peak).toBe(parallel);
      expect(running).toBe(0);
    }
  });
});
