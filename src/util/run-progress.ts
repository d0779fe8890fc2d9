import { bar, type ProcessLike, Progress } from './process.js';

/** Where a run of several kernels stands: what is done, what it is doing now. */
export interface RunPosition {
  /** Kernels finished (measured, failed, or kept from an interrupted run). */
  done: number;
  total: number;
  kernel: string;
  /** What the kernel's step says (extracting, downloading, modules [###...]...). */
  step: string;
}

/** 75 s -> "1m15s", 3725 s -> "1h02m", 9 s -> "9s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The time left, from the kernels finished while watching: their mean time
 * times the kernels left, less what the current kernel has already taken.
 * Kernels kept from an interrupted run took no time here, so they do not
 * count; before the first kernel finishes there is no estimate.
 */
export class RunEstimate {
  private readonly started: number;
  private firstDone?: number;
  private lastDone?: number;
  private lastDoneAt = 0;
  constructor(private readonly clock: () => number = Date.now) {
    this.started = clock();
    this.lastDoneAt = this.started;
  }
  /** Elapsed and left in ms (left undefined while nothing is known). */
  update(p: RunPosition): { elapsedMs: number; leftMs?: number } {
    const now = this.clock();
    if (this.firstDone === undefined) this.firstDone = p.done;
    if (this.lastDone === undefined || p.done > this.lastDone) {
      if (this.lastDone !== undefined) this.lastDoneAt = now;
      this.lastDone = p.done;
    }
    const elapsedMs = now - this.started;
    const finishedHere = p.done - this.firstDone;
    if (finishedHere <= 0) return { elapsedMs };
    const perKernel = (this.lastDoneAt - this.started) / finishedHere;
    const leftMs = Math.max(0, perKernel * (p.total - p.done) - (now - this.lastDoneAt));
    return { elapsedMs, leftMs };
  }
}

/**
 * A status line cut to `width` in its head (the kernel or build and its
 * step), so the times always show: `<head> | 3m10s, ETA 4m45s`; `ETA ?`
 * while nothing is known, no ETA at all when `eta` is false.
 */
export function statusLine(
  head: string,
  elapsedMs: number,
  leftMs: number | undefined,
  width: number,
  eta = true,
): string {
  const left = eta ? `, ETA ${leftMs === undefined ? '?' : formatDuration(leftMs)}` : '';
  const times = ` | ${formatDuration(elapsedMs)}${left}`;
  const room = Math.max(0, width - times.length);
  return (head.length > room ? `${head.slice(0, Math.max(0, room - 1)).trimEnd()}~` : head) + times;
}

/**
 * A run's status line on a terminal:
 * `[####......]  40% 2/5 arm64-defconfig-gcc: extracting 34% | 3m10s, ETA 4m45s`.
 * Cut to `width` in the kernel's step, so the times always show.
 */
export function runStatusLine(
  p: RunPosition,
  elapsedMs: number,
  leftMs: number | undefined,
  width: number,
): string {
  return statusLine(`${bar(p.done, p.total, 10)} ${p.kernel}: ${p.step}`, elapsedMs, leftMs, width);
}

/**
 * The time left of jobs (kernel builds) run at most `parallel` at a time.
 * Each job not finished is expected to take its recorded time when there is
 * one (`recordedMs`, by label), else the mean time of the jobs finished here
 * that did their work (a cached or failed build says nothing of a build's
 * time; the caller says which did); a running job's time so far is taken
 * off its share, and what is left is shared among the workers. Unknown (no
 * record, nothing finished yet) for any job: no estimate.
 */
export class JobsEstimate {
  private readonly started: number;
  private readonly startedAt = new Map<number, number>();
  private readonly ended = new Set<number>();
  private readonly times: number[] = [];
  private readonly recorded = new Map<string, number | undefined>();
  constructor(
    /** Each job's label, as known before it starts (a job's start or relabel corrects it). */
    readonly labels: string[],
    private readonly parallel = 1,
    private readonly recordedMs: (label: string) => number | undefined = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }
  get done(): number {
    return this.ended.size;
  }
  get total(): number {
    return this.labels.length;
  }
  /** A job starts (or starts its timed part again, as a build after its resolution). */
  start(index: number, label?: string): void {
    this.startedAt.set(index, this.clock());
    if (label !== undefined) this.labels[index] = label;
  }
  relabel(index: number, label: string): void {
    this.labels[index] = label;
  }
  /** A job ends; `worked`: it did its work here, so its time counts in the mean. */
  end(index: number, worked: boolean): void {
    const t = this.startedAt.get(index);
    this.ended.add(index);
    if (worked && t !== undefined) this.times.push(this.clock() - t);
  }
  private expected(label: string, mean: number | undefined): number | undefined {
    if (!this.recorded.has(label)) this.recorded.set(label, this.recordedMs(label));
    return this.recorded.get(label) ?? mean;
  }
  /** Elapsed and left in ms (left undefined while nothing is known). */
  update(): { elapsedMs: number; leftMs?: number } {
    const now = this.clock();
    const elapsedMs = now - this.started;
    const mean = this.times.length
      ? this.times.reduce((a, b) => a + b, 0) / this.times.length
      : undefined;
    let work = 0;
    let open = 0;
    for (const [i, label] of this.labels.entries()) {
      if (this.ended.has(i)) continue;
      const each = this.expected(label, mean);
      if (each === undefined) return { elapsedMs };
      const t = this.startedAt.get(i);
      work += Math.max(0, each - (t === undefined ? 0 : now - t));
      open++;
    }
    return { elapsedMs, leftMs: open ? work / Math.min(this.parallel, open) : 0 };
  }
}

/**
 * Progress of long work on stderr. On a terminal: a status line for where
 * the work stands (`line`, given the position and the width), redrawn every
 * second even when the step is quiet (a long download, a build). Elsewhere
 * (a pipe, a log under nohup): the step's own text, as Progress prints it
 * (timestamped, every 30 s at most), the position unused.
 */
export class StatusProgress<P> {
  private readonly progress: Progress;
  private last?: P;
  private timer?: ReturnType<typeof setInterval>;
  constructor(
    private readonly out: ProcessLike['stderr'],
    private readonly line: (p: P, width: number) => string,
    private readonly tty = Boolean(out.isTTY),
    clock: () => number = Date.now,
    refreshMs = 1000,
  ) {
    this.progress = new Progress(out, tty, clock);
    if (tty && refreshMs > 0) {
      this.timer = setInterval(() => this.last !== undefined && this.draw(this.last), refreshMs);
      this.timer.unref?.();
    }
  }
  update(text: string, position?: P): void {
    if (!this.tty || position === undefined) {
      this.progress.update(text);
      return;
    }
    this.show(position);
  }
  /** On a terminal, draws the line for this position; elsewhere nothing (there is no text). */
  show(position: P): void {
    if (!this.tty) return;
    this.last = position;
    this.draw(position);
  }
  /** Clears the line (for a line of its own on stderr) until the next update; the work goes on. */
  clear(): void {
    this.last = undefined;
    this.progress.done();
  }
  private draw(p: P): void {
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.progress.update(this.line(p, width));
  }
  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.progress.done();
  }
}

/**
 * Progress of a run on stderr: on a terminal the run's status line with
 * elapsed time and an estimate (runStatusLine, RunEstimate); elsewhere the
 * step's own text, as Progress prints it.
 */
export class RunProgress extends StatusProgress<RunPosition> {
  constructor(
    out: ProcessLike['stderr'],
    tty = Boolean(out.isTTY),
    clock: () => number = Date.now,
    refreshMs = 1000,
  ) {
    const estimate = new RunEstimate(clock);
    super(
      out,
      (p, width) => {
        const { elapsedMs, leftMs } = estimate.update(p);
        return runStatusLine(p, elapsedMs, leftMs, width);
      },
      tty,
      clock,
      refreshMs,
    );
  }
}
