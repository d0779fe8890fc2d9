import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { BuildProgress, MatrixProgress } from '../../src/commands/build-progress.js';
import type { BuildResult } from '../../src/kernels/build.js';
import {
  type MatrixEvent,
  type MatrixJobResult,
  recordedBuildMs,
} from '../../src/kernels/matrix.js';
import { Progress } from '../../src/util/process.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('build-progress');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLEAR = '\r\x1b[K';

/** A stream that keeps what is written, a terminal or not. */
function stream(isTTY: boolean, columns = 120) {
  const writes: string[] = [];
  return { writes, out: { write: (s: string) => writes.push(s), isTTY, columns } };
}

/** A clock the test moves by hand. */
function clock(start = Date.UTC(2026, 11, 1, 12, 0, 0)) {
  let now = start;
  return { now: () => now, at: (ms: number) => (now = start + ms) };
}

const A = 'x86_64-tinyconfig-dwarf5-gcc';
const B = 'arm64-tinyconfig-dwarf5-gcc';
const C = 'riscv64-tinyconfig-dwarf5-gcc';

function ended(index: number, label: string, status: MatrixJobResult['status'], seconds = 0) {
  const built = status === 'built' || status === 'cached';
  const result = {
    status,
    log: `/cache/builds/${label}/build.log`,
    done: built ? { seconds, resumed: false } : undefined,
    error: built ? undefined : 'make vmlinux failed',
    logTail: built ? undefined : ['kernel/fork.c:1: error: oops', '# exit 2'],
  } as unknown as BuildResult;
  return {
    type: 'end',
    index,
    total: 3,
    result: {
      spec: { source: { kind: 'tarball' }, arch: label.split('-')[0], recipe: 'tinyconfig-dwarf5' },
      label,
      status,
      seconds,
      result,
      error: result.error,
    },
  } as MatrixEvent;
}

const progress = (index: number, label: string, elapsedS: number, what: string, act: string) =>
  ({
    type: 'progress',
    index,
    total: 3,
    label,
    text: `${label} ${elapsedS}s ${what}: ${act}`,
    step: `${what}: ${act}`,
    elapsedMs: elapsedS * 1000,
  }) as MatrixEvent;

/** A matrix of three: the first cached, the second built in 100 s, the third failing; at ms. */
const matrixEvents: [number, MatrixEvent][] = [
  [0, { type: 'start', index: 0, total: 3, label: A }],
  [1_000, ended(0, A, 'cached', 127)],
  [1_000, { type: 'start', index: 1, total: 3, label: B }],
  [3_000, progress(1, B, 2, 'config', 'HOSTCC scripts/basic/fixdep')],
  [12_000, progress(1, B, 11, 'build', 'CC init/main.o')],
  [61_000, progress(1, B, 60, 'build', 'CC kernel/fork.o')],
  [101_000, ended(1, B, 'built', 100)],
  [101_000, { type: 'start', index: 2, total: 3, label: C }],
  [131_000, progress(2, C, 30, 'build', 'CC mm/slub.o')],
  [140_000, ended(2, C, 'failed')],
];

/** `kernels matrix`'s stderr before this change (commit c8c1a42), for the same events. */
function matrixBefore(out: { write(s: string): unknown }, clockNow: () => number) {
  const progress = new Progress(out, false, clockNow);
  const err = (s: string) => out.write(s);
  return (e: MatrixEvent) => {
    const n = `[${e.index + 1}/${e.total}]`;
    if (e.type === 'progress') progress.update(`${n} ${e.text}`);
    else if (e.type === 'start') {
      progress.done();
      err(`${n} ${e.label}: start\n`);
    } else {
      progress.done();
      const r = e.result;
      err(
        `${n} ${r.label}: ${r.status}${r.result?.done ? ` (${r.result.done.seconds} s)` : ''}${r.error ? `: ${r.error}` : ''}\n`,
      );
      for (const l of r.result?.logTail ?? []) err(`  | ${l}\n`);
      if (r.result?.log && r.status === 'failed') err(`  full log: ${r.result.log}\n`);
    }
  };
}

describe('kernels matrix progress', () => {
  it('on a terminal: jobs done / total, the build, its make step, the time elapsed and the estimate', () => {
    const c = clock();
    const s = stream(true);
    const p = new MatrixProgress(s.out, [A, B, C], 1, { clock: c.now, refreshMs: 0 });
    for (const [ms, e] of matrixEvents) {
      c.at(ms);
      p.onEvent(e);
    }
    p.done();
    expect(s.writes).toEqual([
      `[1/3] ${A}: start\n`,
      `${CLEAR}[..........]   0% 0/3 ${A}: starting | 0s, ETA ?`,
      CLEAR,
      `[1/3] ${A}: cached (127 s)\n`,
      `[2/3] ${B}: start\n`,
      // a cached build says nothing of a build's time: still no estimate
      `${CLEAR}[###.......]  33% 1/3 ${B}: starting | 1s, ETA ?`,
      `${CLEAR}[###.......]  33% 1/3 ${B}: config: HOSTCC scripts/basic/fixdep | 3s, ETA ?`,
      `${CLEAR}[###.......]  33% 1/3 ${B}: build: CC init/main.o | 12s, ETA ?`,
      `${CLEAR}[###.......]  33% 1/3 ${B}: build: CC kernel/fork.o | 1m01s, ETA ?`,
      CLEAR,
      `[2/3] ${B}: built (100 s)\n`,
      `[3/3] ${C}: start\n`,
      // one build in 100 s, one left
      `${CLEAR}[#######...]  67% 2/3 ${C}: starting | 1m41s, ETA 1m40s`,
      `${CLEAR}[#######...]  67% 2/3 ${C}: build: CC mm/slub.o | 2m11s, ETA 1m10s`,
      CLEAR,
      `[3/3] ${C}: failed: make vmlinux failed\n`,
      '  | kernel/fork.c:1: error: oops\n',
      '  | # exit 2\n',
      `  full log: /cache/builds/${C}/build.log\n`,
    ]);
  });

  it('on a terminal: a recorded time of the same label is the estimate before any build finishes', () => {
    const c = clock();
    const s = stream(true);
    const recorded: Record<string, number> = { [A]: 127_000, [B]: 144_000, [C]: 160_000 };
    const p = new MatrixProgress(s.out, [A, B, C], 1, {
      clock: c.now,
      refreshMs: 0,
      recordedMs: (l) => recorded[l],
    });
    c.at(0);
    p.onEvent({ type: 'start', index: 0, total: 3, label: A });
    c.at(27_000);
    p.onEvent(progress(0, A, 27, 'build', 'CC kernel/fork.o'));
    p.done();
    // 100 s of x86_64 left, then 144 s and 160 s
    expect(s.writes.at(-2)).toBe(
      `${CLEAR}[..........]   0% 0/3 ${A}: build: CC kernel/fork.o | 27s, ETA 6m44s`,
    );
  });

  it('off a terminal: the lines of before, byte for byte', () => {
    const c1 = clock();
    const before = stream(false);
    const old = matrixBefore(before.out, c1.now);
    const c2 = clock();
    const after = stream(false);
    const p = new MatrixProgress(after.out, [A, B, C], 1, { clock: c2.now, refreshMs: 1000 });
    for (const [ms, e] of matrixEvents) {
      c1.at(ms);
      c2.at(ms);
      old(e);
      p.onEvent(e);
    }
    p.done();
    expect(after.writes.join('')).toBe(before.writes.join(''));
    expect(after.writes).toContain(`12:00:12 [2/3] ${B} 11s build: CC init/main.o\n`);
  });
});

describe('kernels build progress', () => {
  // resolved at 10 s: the build's own steps
  const steps: [number, string, string | undefined][] = [
    [500, 'installing gcc-aarch64-linux-gnu', undefined],
    [
      10_000,
      `${B}: waiting for pid 4242, which is running this build`,
      'waiting for pid 4242, which is running this build',
    ],
    [12_000, `${B}: extracting linux-source-6.12`, 'extracting linux-source-6.12'],
    [15_000, `${B}: configuring (tinyconfig)`, 'configuring (tinyconfig)'],
    [44_000, `${B} 29s build: CC kernel/fork.o`, 'build: CC kernel/fork.o'],
    [90_000, `${B} 75s build: LD vmlinux`, 'build: LD vmlinux'],
  ];

  it('on a terminal: the build, its step, the time elapsed and, from its recorded time, the estimate', () => {
    const c = clock();
    const s = stream(true);
    const p = new BuildProgress(s.out, B, {
      clock: c.now,
      refreshMs: 0,
      recordedMs: (l) => (l === B ? 144_000 : undefined),
    });
    for (const [ms, text, step] of steps) {
      c.at(ms);
      if (ms === 10_000) p.building(B);
      p.update(text, step);
    }
    p.done();
    expect(s.writes).toEqual([
      `${CLEAR}${B}: installing gcc-aarch64-linux-gnu | 1s, ETA 2m24s`,
      // the time before the build is resolved does not count against the record
      `${CLEAR}${B}: waiting for pid 4242, which is running this build | 10s, ETA 2m24s`,
      `${CLEAR}${B}: extracting linux-source-6.12 | 12s, ETA 2m22s`,
      `${CLEAR}${B}: configuring (tinyconfig) | 15s, ETA 2m19s`,
      `${CLEAR}${B}: build: CC kernel/fork.o | 44s, ETA 1m50s`,
      `${CLEAR}${B}: build: LD vmlinux | 1m30s, ETA 1m04s`,
      CLEAR,
    ]);
  });

  it('on a terminal, without a recorded time: no estimate', () => {
    const c = clock();
    const s = stream(true);
    const p = new BuildProgress(s.out, B, { clock: c.now, refreshMs: 0 });
    p.building(`${B}-git98b703b0`);
    c.at(44_000);
    p.update(`${B} 44s build: CC kernel/fork.o`, 'build: CC kernel/fork.o');
    p.done();
    expect(s.writes).toEqual([`${CLEAR}${B}-git98b703b0: build: CC kernel/fork.o | 44s`, CLEAR]);
  });

  it('off a terminal: the lines of before, byte for byte', () => {
    const c1 = clock();
    const before = stream(false);
    const old = new Progress(before.out, false, c1.now);
    const c2 = clock();
    const after = stream(false);
    const p = new BuildProgress(after.out, B, { clock: c2.now, recordedMs: () => 144_000 });
    for (const [ms, text, step] of steps) {
      c1.at(ms);
      c2.at(ms);
      old.update(text);
      if (ms === 10_000) p.building(B);
      p.clear();
      p.update(text, step);
    }
    old.done();
    p.done();
    expect(after.writes).toEqual(before.writes);
    expect(after.writes).toEqual([
      `12:00:10 ${B}: waiting for pid 4242, which is running this build\n`,
      `12:00:44 ${B} 29s build: CC kernel/fork.o\n`,
      `12:01:30 ${B} 75s build: LD vmlinux\n`,
    ]);
  });
});

describe('recorded build times', () => {
  it("reads a build's seconds and its boot image's; not a failure's or a resumed build's", () => {
    const d = join(dir, 'builds');
    mkdirSync(d, { recursive: true });
    const put = (label: string, r: object) =>
      writeFileSync(join(d, `${label}.json`), JSON.stringify(r));
    put('a', { seconds: 1263, resumed: false, bootImage: { target: 'Image', seconds: 30.6 } });
    put('b', { seconds: 127 });
    put('c', { seconds: 1738, resumed: true });
    put('d', { status: 'failed', error: ['x'] });
    writeFileSync(join(d, 'e.json'), '{');
    expect(recordedBuildMs(d, 'a')).toBe(1_293_600);
    expect(recordedBuildMs(d, 'b')).toBe(127_000);
    for (const l of ['c', 'd', 'e', 'missing']) expect(recordedBuildMs(d, l)).toBeUndefined();
  });
});

describe('kernels matrix on a terminal', () => {
  it('draws the status line between the lines of each job, and clears it at the end', async () => {
    const m = join(dir, 'm.json');
    mkdirSync(dir, { recursive: true });
    writeFileSync(m, JSON.stringify({ jobs: [{ arch: 'vax', recipe: 'tinyconfig-dwarf5' }] }));
    const p = fakeProcess(['kernels', 'matrix', m, '--record', join(dir, 'no-records')], {
      LINEINFO_BENCH_CACHE: join(dir, 'c'),
    });
    const err: string[] = [];
    p.proc.stderr = { write: (s: string) => err.push(s), isTTY: true, columns: 100 };
    expect(await run(p.proc)).toBe(1);
    expect(err.slice(0, 3)).toEqual([
      '[1/1] vax-tinyconfig-dwarf5-gcc: start\n',
      `${CLEAR}[..........]   0% 0/1 vax-tinyconfig-dwarf5-gcc: starting | 0s, ETA ?`,
      CLEAR,
    ]);
    expect(err[3]).toMatch(
      /^\[1\/1\] vax-tinyconfig-dwarf5-gcc: failed: unknown arch 'vax'; known: .+\n$/,
    );
    expect(err).toHaveLength(4);
  });
});
