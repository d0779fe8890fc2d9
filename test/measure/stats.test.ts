import { describe, expect, it } from 'vitest';
import {
  type Clock,
  measureTimer,
  OUTLIER_THRESHOLD,
  runSamples,
  type SamplingPolicy,
  summarize,
} from '../../src/measure/stats.js';
import { percentile } from '../../src/util/numbers.js';

/** A clock that only moves when told to, plus a fixed cost per reading. */
class FakeClock implements Clock {
  t = 0;
  reads = 0;
  constructor(readonly perRead = 0) {}
  now(): number {
    this.reads++;
    const v = this.t;
    this.t += this.perRead;
    return v;
  }
  advance(ns: number): void {
    this.t += ns;
  }
}

const policy = (p: Partial<SamplingPolicy>): SamplingPolicy => ({
  warmupNs: 0,
  minSamples: 1,
  minTimeNs: 0,
  maxSamples: 1000,
  batchResolutions: 0,
  maxBatch: 1,
  ...p,
});

describe('percentile (nearest rank, as mitata)', () => {
  it('picks ranks ceil(p/100 n) of the sorted samples', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 90)).toBe(9);
    expect(percentile(s, 99)).toBe(10);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('measureTimer', () => {
  it('reports the smallest non-zero step and the median step of back-to-back readings', () => {
    // readings cost 25 ns each, except that every fourth one ticks 100 ns more
    let i = 0;
    const clock: Clock = {
      now: () => {
        i++;
        return i * 25 + Math.floor(i / 4) * 100;
      },
    };
    const t = measureTimer(clock, 8);
    // steps: 25, 125 (i=4), 25, 25, 25, 125 (i=8), 25, 25 -> sorted: 25 x6, 125 x2
    expect(t.resolutionNs).toBe(25);
    expect(t.overheadNs).toBe(25);
  });
  it('a clock that never moves has resolution 0', () => {
    expect(measureTimer({ now: () => 7 }, 10)).toEqual({ resolutionNs: 0, overheadNs: 0 });
  });
});

describe('runSamples with a fake clock', () => {
  it('doubles the batch during warm-up until a batch lasts batchResolutions resolutions, then samples per call', () => {
    const clock = new FakeClock();
    const calls: number[] = [];
    const raw = runSamples(
      clock,
      { resolutionNs: 10, overheadNs: 0 },
      policy({ batchResolutions: 100, maxBatch: 1 << 20, minSamples: 5, maxSamples: 5 }),
      (k) => {
        calls.push(k);
        clock.advance(3 * k); // 3 ns per call
      },
    );
    // target 1000 ns: batches of 1, 2, ..., 256 (768 ns) are short; 512 (1536 ns) is enough
    expect(calls.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(raw.batch).toBe(512);
    expect(raw.warmupCalls).toBe(1023);
    expect(raw.samples).toEqual([3, 3, 3, 3, 3]);
    expect(raw.elapsedNs).toBe(5 * 1536);
  });

  it('keeps warming up until warmupNs has passed', () => {
    const clock = new FakeClock();
    const raw = runSamples(
      clock,
      { resolutionNs: 1, overheadNs: 0 },
      policy({ warmupNs: 1000, minSamples: 2, maxSamples: 2 }),
      () => clock.advance(300),
    );
    // 300, 600, 900, 1200: the fourth call ends the warm-up
    expect(raw.warmupCalls).toBe(4);
    expect(raw.samples).toEqual([300, 300]);
  });

  it('takes samples until both the minimum count and the minimum time are reached', () => {
    const byTime = new FakeClock();
    const a = runSamples(
      byTime,
      { resolutionNs: 1, overheadNs: 0 },
      policy({ minSamples: 3, minTimeNs: 1000 }),
      () => byTime.advance(100),
    );
    expect(a.samples.length).toBe(10); // time decides: 10 x 100 ns
    const byCount = new FakeClock();
    const b = runSamples(
      byCount,
      { resolutionNs: 1, overheadNs: 0 },
      policy({ minSamples: 30, minTimeNs: 1000 }),
      () => byCount.advance(100),
    );
    expect(b.samples.length).toBe(30); // count decides
    const capped = new FakeClock();
    const c = runSamples(
      capped,
      { resolutionNs: 1, overheadNs: 0 },
      policy({ minSamples: 30, minTimeNs: 1e9, maxSamples: 12 }),
      () => capped.advance(100),
    );
    expect(c.samples.length).toBe(12); // never past maxSamples
  });

  it('times the preparation apart and never counts it in a sample', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const raw = runSamples(
      clock,
      { resolutionNs: 1, overheadNs: 0 },
      policy({ minSamples: 3, maxSamples: 3 }),
      (_k, s) => {
        seen.push(s);
        clock.advance(50 + s);
      },
      () => clock.advance(5000),
    );
    expect(raw.samples).toEqual([50, 51, 52]);
    expect(raw.prepare).toEqual([5000, 5000, 5000]);
    // warm-up body got sample 0, then samples 0, 1, 2
    expect(seen).toEqual([0, 0, 1, 2]);
  });

  it('divides the batch time by the batch, including the cost of a clock reading', () => {
    const clock = new FakeClock(20); // each reading takes 20 ns
    const raw = runSamples(
      clock,
      { resolutionNs: 1, overheadNs: 20 },
      policy({ batchResolutions: 0, maxBatch: 1, minSamples: 2, maxSamples: 2 }),
      () => clock.advance(80),
    );
    expect(raw.samples).toEqual([100, 100]);
  });
});

describe('summarize', () => {
  const timer = { resolutionNs: 1, overheadNs: 0 };
  it('gives mean ± sd, percentiles, range and n exactly', () => {
    const s = summarize([10, 12, 11, 13, 14, 10, 12, 11, 13, 14], { timer, batch: 1000 });
    expect(s.n).toBe(10);
    expect(s.mean).toBe(12);
    expect(s.sd).toBeCloseTo(Math.sqrt(20 / 9), 12);
    expect(s.p50).toBe(12);
    expect(s.p90).toBe(14);
    expect(s.p99).toBe(14);
    expect(s.min).toBe(10);
    expect(s.max).toBe(14);
    expect(s.mad).toBe(1);
    expect(s.outliers).toEqual([]);
    expect(s.warnings).toEqual([]);
    expect(s.nearResolution).toBe(false);
    expect(s.wideSpread).toBe(false);
  });

  it("flags outliers by hyperfine's modified z-score and keeps them in every figure", () => {
    // median 100, MAD 1: 114 is 14 MADs out (kept quiet), 115 is 15 (flagged)
    const xs = [99, 100, 101, 99, 100, 101, 100, 114, 115];
    const s = summarize(xs, { timer, batch: 1000 });
    expect(OUTLIER_THRESHOLD).toBeCloseTo(14.826, 12);
    expect(s.p50).toBe(100);
    expect(s.mad).toBe(1);
    expect(s.outliers).toEqual([8]);
    expect(s.max).toBe(115);
    expect(s.mean).toBe(929 / 9);
    expect(s.warnings.some((w) => w.includes('1 of 9 samples are outliers'))).toBe(true);
  });

  it('warns when the fastest sample is near the timer resolution per call', () => {
    const near = summarize([300, 310, 320], {
      timer: { resolutionNs: 20, overheadNs: 20 },
      batch: 1,
    });
    expect(near.nearResolution).toBe(true); // 300 < 20 x 20
    expect(near.warnings[0]).toMatch(/within 20x the timer's resolution/);
    const batched = summarize([300, 310, 320], {
      timer: { resolutionNs: 20, overheadNs: 20 },
      batch: 100,
    });
    expect(batched.nearResolution).toBe(false); // 0.2 ns per call quantum
  });

  it('warns on a wide spread', () => {
    const s = summarize([1, 1, 1, 10], { timer, batch: 1000, label: 'x' });
    expect(s.wideSpread).toBe(true);
    expect(s.warnings.find((w) => w.includes('wide spread'))).toMatch(
      /^x: wide spread: sd is 138% of the mean/,
    );
  });
});
