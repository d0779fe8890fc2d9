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
  const times = ` | ${formatDuration(elapsedMs)}, ETA ${leftMs === undefined ? '?' : formatDuration(leftMs)}`;
  const head = `${bar(p.done, p.total, 10)} ${p.kernel}: ${p.step}`;
  const room = Math.max(0, width - times.length);
  return (head.length > room ? `${head.slice(0, Math.max(0, room - 1)).trimEnd()}~` : head) + times;
}

/**
 * Progress of a run on stderr. On a terminal: the status line with elapsed
 * time and an estimate, redrawn every second even when the step is quiet (a
 * long download, a build). Elsewhere (a pipe, a log under nohup): the step's
 * own text, as Progress prints it (timestamped, every 30 s at most).
 */
export class RunProgress {
  private readonly progress: Progress;
  private readonly estimate: RunEstimate;
  private last?: RunPosition;
  private timer?: ReturnType<typeof setInterval>;
  constructor(
    private readonly out: ProcessLike['stderr'],
    private readonly tty = Boolean(out.isTTY),
    clock: () => number = Date.now,
    refreshMs = 1000,
  ) {
    this.progress = new Progress(out, tty, clock);
    this.estimate = new RunEstimate(clock);
    if (tty && refreshMs > 0) {
      this.timer = setInterval(() => this.last && this.draw(this.last), refreshMs);
      this.timer.unref?.();
    }
  }
  update(text: string, position?: RunPosition): void {
    if (!this.tty || !position) {
      this.progress.update(text);
      return;
    }
    this.last = position;
    this.draw(position);
  }
  private draw(p: RunPosition): void {
    const { elapsedMs, leftMs } = this.estimate.update(p);
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.progress.update(runStatusLine(p, elapsedMs, leftMs, width));
  }
  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.progress.done();
  }
}
