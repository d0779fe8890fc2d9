import { percentile } from '../util/numbers.js';
/**
 * Timing statistics in the convention of hyperfine and criterion.rs:
 * warm up first, take samples until both a minimum count and a minimum time
 * are reached, batch fast bodies to get past the timer's resolution, then
 * report mean ± sd, p50, p90, p99, min … max and n, flag outliers by the
 * MAD-based modified z-score (hyperfine's rule; flagged, never dropped), and
 * warn when a figure is near the timer's resolution or the spread is wide.
 *
 * The sampling loop (`runSamples`) takes its clock as a parameter, so tests
 * drive it with a fake clock and assert exact values. The native harness
 * (native/lookup-bench.c, `run_samples`) follows the same policy in C.
 */

/** A monotonic clock in nanoseconds. */
export interface Clock {
  now(): number;
}

/** The real clock: process.hrtime.bigint() as a number of nanoseconds. */
export const hrClock: Clock = {
  now: () => Number(process.hrtime.bigint()),
};

export interface SamplingPolicy {
  /** Warm-up time before any sample counts (criterion: warm_up_time). */
  warmupNs: number;
  /** At least this many samples (hyperfine: 10 runs; criterion: 100). */
  minSamples: number;
  /** And at least this much time in the measurement phase, wall clock, preparation included. */
  minTimeNs: number;
  /** Never more than this many samples. */
  maxSamples: number;
  /**
   * Batching: the repeat count per sample doubles during warm-up until one
   * batch lasts at least this many timer resolutions (1000: the quantisation
   * error is at most 0.1%). 0 turns batching off (one call per sample, as for
   * cold-cache samples, where every call needs its own preparation).
   */
  batchResolutions: number;
  /** Upper bound of the repeat count. */
  maxBatch: number;
}

export const WARM_POLICY: SamplingPolicy = {
  warmupNs: 100e6,
  minSamples: 1000,
  minTimeNs: 500e6,
  maxSamples: 20_000,
  batchResolutions: 1000,
  maxBatch: 1 << 20,
};

export const COLD_POLICY: SamplingPolicy = {
  warmupNs: 20e6,
  minSamples: 300,
  minTimeNs: 1000e6,
  maxSamples: 3000,
  batchResolutions: 0,
  maxBatch: 1,
};

/** Timer properties, measured (see `measureTimer`). */
export interface TimerInfo {
  /** The smallest non-zero step seen between two successive readings. */
  resolutionNs: number;
  /** The median cost of one reading (difference of two back-to-back readings). */
  overheadNs: number;
}

/** Measures the clock: `reads` back-to-back readings; the smallest non-zero step and the median step. */
export function measureTimer(clock: Clock, reads = 10_000): TimerInfo {
  const steps: number[] = [];
  let prev = clock.now();
  let minStep = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reads; i++) {
    const t = clock.now();
    const d = t - prev;
    steps.push(d);
    if (d > 0 && d < minStep) minStep = d;
    prev = t;
  }
  steps.sort((a, b) => a - b);
  return {
    resolutionNs: Number.isFinite(minStep) ? minStep : 0,
    overheadNs: percentile(steps, 50),
  };
}

/** What a sampling run produced: raw figures, before any statistics. */
export interface RawSamples {
  /** Time per call of each sample (batch time / batch), ns. */
  samples: number[];
  /** Calls per sample. */
  batch: number;
  /** Calls made during warm-up. */
  warmupCalls: number;
  /** Time of each preparation (e.g. cache eviction), ns: measured, never counted in `samples`. */
  prepare: number[];
  /** Wall time of the measurement phase, ns. */
  elapsedNs: number;
}

/**
 * The sampling loop. `body(calls, sample)` makes `calls` calls; `prepare`
 * (hyperfine's --prepare) runs before each sample outside the timed region
 * and is timed separately. Warm-up doubles the batch (criterion's warm-up)
 * while a batch is shorter than `batchResolutions` resolutions, and goes on
 * until `warmupNs` has passed; then samples are taken until there are at
 * least `minSamples` and `minTimeNs` has passed, or `maxSamples` are reached.
 */
export function runSamples(
  clock: Clock,
  timer: TimerInfo,
  policy: SamplingPolicy,
  body: (calls: number, sample: number) => void,
  prepare?: (sample: number) => void,
): RawSamples {
  const target = policy.batchResolutions * Math.max(timer.resolutionNs, 1);
  let batch = 1;
  let warmupCalls = 0;
  let i = 0;
  const w0 = clock.now();
  for (;;) {
    prepare?.(i);
    const t0 = clock.now();
    body(batch, i);
    const t1 = clock.now();
    warmupCalls += batch;
    i++;
    if (policy.batchResolutions > 0 && t1 - t0 < target && batch < policy.maxBatch) {
      batch = Math.min(batch * 2, policy.maxBatch);
      continue;
    }
    if (t1 - w0 >= policy.warmupNs) break;
  }
  const samples: number[] = [];
  const prep: number[] = [];
  const m0 = clock.now();
  let now = m0;
  while (
    samples.length < policy.maxSamples &&
    (samples.length < policy.minSamples || now - m0 < policy.minTimeNs)
  ) {
    const s = samples.length;
    if (prepare) {
      const p0 = clock.now();
      prepare(s);
      prep.push(clock.now() - p0);
    }
    const t0 = clock.now();
    body(batch, s);
    const t1 = clock.now();
    samples.push((t1 - t0) / batch);
    now = t1;
  }
  return { samples, batch, warmupCalls, prepare: prep, elapsedNs: now - m0 };
}

/** hyperfine's threshold: |x - median| / MAD above 1.4826 × 10 (ten standard deviations). */
export const OUTLIER_THRESHOLD = 1.4826 * 10;

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  /** Median absolute deviation from the median. */
  mad: number;
  /** Indices (into the raw samples) with |modified z| > OUTLIER_THRESHOLD; kept in every figure. */
  outliers: number[];
  /** What the warnings say, as flags (mitata's `!`): near the resolution, wide spread. */
  nearResolution: boolean;
  wideSpread: boolean;
  warnings: string[];
}

export interface SummaryContext {
  timer: TimerInfo;
  /** Calls per sample: a sample's quantisation error is resolution / batch. */
  batch: number;
  /** What the figure is, for warnings ("cold flat uniform"). */
  label?: string;
}

/** A sample within this many resolutions per call is "near the timer's resolution" (quantisation above 5%). */
export const NEAR_RESOLUTION = 20;
/** sd above this fraction of the mean is a wide spread. */
export const WIDE_SPREAD = 0.5;

/** The statistics of raw per-call samples (ns). */
export function summarize(samples: readonly number[], ctx: SummaryContext): Summary {
  const n = samples.length;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of samples) sum += x;
  const mean = n ? sum / n : Number.NaN;
  let sq = 0;
  for (const x of samples) sq += (x - mean) * (x - mean);
  const sd = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  const p50 = percentile(sorted, 50);
  const dev = Float64Array.from(samples, (x) => Math.abs(x - p50)).sort();
  const mad = percentile(dev, 50);
  const outliers: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = Math.abs(samples[i] - p50);
    // MAD 0 (more than half the samples equal): any other value is an outlier
    if (mad === 0 ? d > 0 : d / mad > OUTLIER_THRESHOLD) outliers.push(i);
  }
  const warnings: string[] = [];
  const what = ctx.label ? `${ctx.label}: ` : '';
  const quantum = ctx.timer.resolutionNs / Math.max(1, ctx.batch);
  const nearResolution = n > 0 && quantum > 0 && sorted[0] < NEAR_RESOLUTION * quantum;
  const wideSpread = n > 1 && sd > WIDE_SPREAD * mean;
  if (nearResolution) {
    warnings.push(
      `${what}the fastest sample (${fmtNs(sorted[0])}) is within ${NEAR_RESOLUTION}x the timer's resolution per call (${fmtNs(quantum)}); the figures carry that quantisation`,
    );
  }
  if (wideSpread) {
    warnings.push(
      `${what}wide spread: sd is ${Math.round((100 * sd) / mean)}% of the mean; read p50 and p99 rather than the mean`,
    );
  }
  if (outliers.length > 0) {
    warnings.push(
      `${what}${outliers.length} of ${n} samples are outliers (|x - median| > ${OUTLIER_THRESHOLD.toFixed(3)} MAD), kept in every figure; a busy machine (see the load average) or interrupts`,
    );
  }
  return {
    n,
    mean,
    sd,
    p50,
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    min: n ? sorted[0] : Number.NaN,
    max: n ? sorted[n - 1] : Number.NaN,
    mad,
    outliers,
    nearResolution,
    wideSpread,
    warnings,
  };
}

/** A duration for people: 12.3 ns, 4.56 µs, 7.89 ms. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a < 1e3) return `${ns.toFixed(a < 10 ? 2 : 1)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}
