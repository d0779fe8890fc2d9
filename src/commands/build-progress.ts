import type { MatrixEvent } from '../kernels/matrix.js';
import { bar, type ProcessLike } from '../util/process.js';
import { JobsEstimate, StatusProgress, statusLine } from '../util/run-progress.js';

/** Which job the status line shows, and what it is doing. */
interface JobPosition {
  index: number;
  step: string;
}

export interface BuildProgressOptions {
  /** A build's recorded time by label (results/builds/<label>.json), for the estimate. */
  recordedMs?: (label: string) => number | undefined;
  tty?: boolean;
  clock?: () => number;
  /** Redraw period on a terminal (0: only on events, for tests). */
  refreshMs?: number;
}

/**
 * `kernels matrix` on stderr. Each job's start and end get a line of their
 * own, as always. Between them, on a terminal, a status line:
 * `[###.......]  33% 1/3 arm64-tinyconfig-dwarf5-gcc: build: CC kernel/fork.o | 3m10s, ETA 4m45s`
 * (jobs done / total, the build that reported last and its make step, the
 * time elapsed, and the estimate of JobsEstimate: `?` until a build finishes
 * or is recorded). Elsewhere each step's text, timestamped, as before.
 */
export class MatrixProgress {
  private readonly estimate: JobsEstimate;
  private readonly status: StatusProgress<JobPosition>;
  private readonly err: (s: string) => void;
  constructor(
    out: ProcessLike['stderr'],
    labels: string[],
    parallel: number,
    opts: BuildProgressOptions = {},
  ) {
    const clock = opts.clock ?? Date.now;
    this.estimate = new JobsEstimate([...labels], parallel, opts.recordedMs, clock);
    this.err = (s) => out.write(s);
    this.status = new StatusProgress<JobPosition>(
      out,
      (p, width) => {
        const { elapsedMs, leftMs } = this.estimate.update();
        const e = this.estimate;
        const head = `${bar(e.done, e.total, 10)} ${e.labels[p.index]}: ${p.step}`;
        return statusLine(head, elapsedMs, leftMs, width);
      },
      opts.tty ?? Boolean(out.isTTY),
      clock,
      opts.refreshMs ?? 1000,
    );
  }

  onEvent(e: MatrixEvent): void {
    const n = `[${e.index + 1}/${e.total}]`;
    if (e.type === 'progress') {
      this.estimate.relabel(e.index, e.label);
      this.status.update(`${n} ${e.text}`, { index: e.index, step: e.step });
    } else if (e.type === 'start') {
      this.estimate.start(e.index, e.label);
      this.status.clear();
      this.err(`${n} ${e.label}: start\n`);
      this.status.show({ index: e.index, step: 'starting' });
    } else {
      const r = e.result;
      // a cached build, a failure, a resumed build: its time is not a build's time
      this.estimate.end(e.index, r.status === 'built' && r.result?.done?.resumed !== true);
      this.status.clear();
      this.err(
        `${n} ${r.label}: ${r.status}${r.result?.done ? ` (${r.result.done.seconds} s)` : ''}${r.error ? `: ${r.error}` : ''}\n`,
      );
      for (const l of r.result?.logTail ?? []) this.err(`  | ${l}\n`);
      if (r.result?.log && r.status === 'failed') this.err(`  full log: ${r.result.log}\n`);
    }
  }

  done(): void {
    this.status.done();
  }
}

/**
 * One `kernels build` on stderr. On a terminal:
 * `arm64-defconfig-dwarf5-gcc: build: CC kernel/fork.o | 3m10s, ETA 17m55s`
 * (the build, its step, the time elapsed, and, when a finished build of the
 * same label is recorded, its time less the time this build has taken; no
 * ETA without one). Elsewhere each step's text, timestamped, as before.
 */
export class BuildProgress {
  private readonly estimate: JobsEstimate;
  private readonly status: StatusProgress<string>;
  constructor(out: ProcessLike['stderr'], label: string, opts: BuildProgressOptions = {}) {
    const clock = opts.clock ?? Date.now;
    this.estimate = new JobsEstimate([label], 1, opts.recordedMs, clock);
    this.estimate.start(0);
    this.status = new StatusProgress<string>(
      out,
      (step, width) => {
        const { elapsedMs, leftMs } = this.estimate.update();
        const head = `${this.estimate.labels[0]}: ${step}`;
        return statusLine(head, elapsedMs, leftMs, width, leftMs !== undefined);
      },
      opts.tty ?? Boolean(out.isTTY),
      clock,
      opts.refreshMs ?? 1000,
    );
  }
  /** The build is resolved: its label is final, and the recorded time counts from here. */
  building(label: string): void {
    this.estimate.start(0, label);
  }
  update(text: string, step?: string): void {
    this.status.update(text, step ?? text);
  }
  /** Clears the line before a line of its own on stderr. */
  clear(): void {
    this.status.clear();
  }
  done(): void {
    this.status.done();
  }
}
