import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/util/process.js';
import {
  formatDuration,
  JobsEstimate,
  RunEstimate,
  RunProgress,
  runStatusLine,
  statusLine,
} from '../../src/util/run-progress.js';

/** A stream that keeps what is written, a terminal or not. */
function stream(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  return { writes, out: { write: (s: string) => writes.push(s), isTTY, columns } };
}

/** A clock the test moves by hand. */
function clock(start = Date.UTC(2026, 11, 1, 12, 0, 0)) {
  let now = start;
  return { now: () => now, at: (ms: number) => (now = start + ms) };
}

const at = (done: number, kernel: string, step: string) => ({ done, total: 5, kernel, step });

describe('formatDuration', () => {
  it('says seconds, minutes and seconds, or hours and minutes', () => {
    expect(formatDuration(9_400)).toBe('9s');
    expect(formatDuration(75_000)).toBe('1m15s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });
});

describe('RunEstimate', () => {
  it('knows nothing before a kernel finishes, then the mean kernel times the kernels left, less the current one so far', () => {
    const c = clock();
    const e = new RunEstimate(c.now);
    c.at(1_000);
    expect(e.update(at(0, 'a', 'extracting'))).toEqual({ elapsedMs: 1_000 });
    c.at(60_000);
    expect(e.update(at(1, 'b', 'extracting'))).toEqual({ elapsedMs: 60_000, leftMs: 240_000 });
    c.at(90_000);
    expect(e.update(at(1, 'b', 'measuring'))).toEqual({ elapsedMs: 90_000, leftMs: 210_000 });
  });

  it('does not count kernels kept from an interrupted run as work done here', () => {
    const c = clock();
    const e = new RunEstimate(c.now);
    expect(e.update(at(3, 'd', 'extracting'))).toEqual({ elapsedMs: 0 });
    c.at(30_000);
    // one kernel in 30 s, one left
    expect(e.update(at(4, 'e', 'extracting'))).toEqual({ elapsedMs: 30_000, leftMs: 30_000 });
  });
});

describe('runStatusLine', () => {
  it('cuts the step, never the times, to the width', () => {
    const p = at(2, 'arm64-defconfig-gcc', 'extracting v1-v4 [#####.....]  50% 1000/2000 units');
    expect(runStatusLine(p, 190_000, 285_000, 80)).toBe(
      '[####......]  40% 2/5 arm64-defconfig-gcc: extracting v1-v4~ | 3m10s, ETA 4m45s',
    );
    expect(runStatusLine(p, 5_000, undefined, 200)).toBe(
      '[####......]  40% 2/5 arm64-defconfig-gcc: extracting v1-v4 [#####.....]  50% 1000/2000 units | 5s, ETA ?',
    );
  });
});

describe('RunProgress', () => {
  it('on a terminal draws the bar, the kernel, the step, the elapsed time and the estimate', () => {
    const c = clock();
    const s = stream(true);
    const p = new RunProgress(s.out, true, c.now, 0);
    c.at(1_000);
    p.update('ignored on a terminal', at(0, 'x86_64-defconfig-gcc', 'extracting v1-v4'));
    c.at(120_000);
    p.update('ignored', at(1, 'arm64-defconfig-gcc', 'apt-get download linux-image'));
    c.at(150_000);
    p.update('ignored', at(1, 'arm64-defconfig-gcc', 'extracting symbolizer'));
    p.done();
    expect(s.writes).toEqual([
      '\r\x1b[K[..........]   0% 0/5 x86_64-defconfig-gcc: extracting v1-v4 | 1s, ETA ?',
      // one kernel in 2 minutes, four left
      '\r\x1b[K[##........]  20% 1/5 arm64-defconfig-gcc: apt-get download linux-image | 2m00s, ETA 8m00s',
      '\r\x1b[K[##........]  20% 1/5 arm64-defconfig-gcc: extracting symbolizer | 2m30s, ETA 7m30s',
      '\r\x1b[K',
    ]);
  });

  it('redraws every second on a terminal, so the elapsed time moves during a quiet step', async () => {
    const s = stream(true);
    const p = new RunProgress(s.out, true, Date.now, 20);
    p.update('', at(0, 'a', 'downloading'));
    const before = s.writes.length;
    await new Promise((r) => setTimeout(r, 250));
    p.done();
    expect(s.writes.length).toBeGreaterThan(before);
    const redrawn = s.writes[s.writes.length - 2];
    expect(redrawn.startsWith('\r\x1b[K')).toBe(true);
    // the elapsed time is the machine's own: under load the wait may pass a second
    expect(redrawn.slice(4)).toMatch(/^\[\.{10}\] {3}0% 0\/5 a: downloading \| \ds, ETA \?$/);
  });

  it('off a terminal prints the timestamped lines Progress prints, the text unchanged', () => {
    const steps: [number, string][] = [
      [2_000, '[..........]   0% 0/5 a: extracting v1-v4'],
      [11_000, '[..........]   0% 0/5 a: extracting symbolizer'],
      [20_000, '[##........]  20% 1/5 b: extracting v1-v4'],
      [45_000, '[##........]  20% 1/5 b: modules [#####.....]  50% 3/6'],
    ];
    const c1 = clock();
    const plain = stream(false);
    const before = new Progress(plain.out, false, c1.now);
    const c2 = clock();
    const now = stream(false);
    const after = new RunProgress(now.out, false, c2.now, 1000);
    for (const [ms, text] of steps) {
      c1.at(ms);
      c2.at(ms);
      before.update(text);
      after.update(text, at(ms < 20_000 ? 0 : 1, ms < 20_000 ? 'a' : 'b', 'step'));
    }
    after.done();
    expect(now.writes).toEqual(plain.writes);
    expect(now.writes).toEqual([
      '12:00:11 [..........]   0% 0/5 a: extracting symbolizer\n',
      '12:00:45 [##........]  20% 1/5 b: modules [#####.....]  50% 3/6\n',
    ]);
  });
});

describe('statusLine', () => {
  it('keeps the times, with or without an estimate', () => {
    expect(statusLine('a: build: CC kernel/fork.o', 70_000, 65_000, 80)).toBe(
      'a: build: CC kernel/fork.o | 1m10s, ETA 1m05s',
    );
    expect(statusLine('a: build: CC kernel/fork.o', 70_000, undefined, 80)).toBe(
      'a: build: CC kernel/fork.o | 1m10s, ETA ?',
    );
    expect(statusLine('a: build: CC kernel/fork.o', 70_000, undefined, 20, false)).toBe(
      'a: build: C~ | 1m10s',
    );
  });
});

describe('JobsEstimate', () => {
  it('knows nothing before a build finishes, then the mean build times the builds left, less the current one so far', () => {
    const c = clock();
    const e = new JobsEstimate(['a', 'b', 'c', 'd'], 1, undefined, c.now);
    e.start(0);
    c.at(30_000);
    expect(e.update()).toEqual({ elapsedMs: 30_000 });
    c.at(100_000);
    e.end(0, true);
    e.start(1);
    c.at(130_000);
    // 100 s a build, three left, the current one 30 s in
    expect(e.update()).toEqual({ elapsedMs: 130_000, leftMs: 270_000 });
    expect(e.done).toBe(1);
  });

  it('does not count cached or failed builds in the mean', () => {
    const c = clock();
    const e = new JobsEstimate(['a', 'b', 'c'], 1, undefined, c.now);
    e.start(0);
    c.at(2_000);
    e.end(0, false); // cached
    e.start(1);
    expect(e.update()).toEqual({ elapsedMs: 2_000 });
    c.at(62_000);
    e.end(1, true);
    e.start(2);
    c.at(72_000);
    expect(e.update()).toEqual({ elapsedMs: 72_000, leftMs: 50_000 });
  });

  it('takes a recorded time for a build of the same label, before any finishes, and shares the work among the workers', () => {
    const c = clock();
    const recorded: Record<string, number> = { a: 100_000, b: 200_000, c: 300_000 };
    let asked = 0;
    const e = new JobsEstimate(
      ['a', 'b', 'c'],
      2,
      (l) => {
        asked++;
        return recorded[l];
      },
      c.now,
    );
    e.start(0);
    e.start(1);
    c.at(40_000);
    // (60 + 160 + 300) s of work on two workers
    expect(e.update()).toEqual({ elapsedMs: 40_000, leftMs: 260_000 });
    e.update();
    expect(asked).toBe(3);
    // a label without a record and nothing finished: no estimate
    e.relabel(2, 'c-git12345678');
    expect(e.update()).toEqual({ elapsedMs: 40_000 });
  });
});
