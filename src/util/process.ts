/**
 * The parts of a process the CLI uses. Tests drive `run()` with a fake one
 * (as size-limit does) to check output and exit codes without spawning.
 */
export interface ProcessLike {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd(): string;
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * Live progress on stderr. On a terminal: one line rewritten in place. Into
 * a pipe or a log file (a run under nohup): nothing for the first 10 s, so
 * short commands stay quiet, then a plain line every 30 s at most.
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly started: number;
  constructor(
    private readonly out: ProcessLike['stderr'],
    private readonly tty = Boolean(out.isTTY),
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }
  update(text: string): void {
    const now = this.clock();
    if (!this.tty) {
      if (now - this.started < 10_000 || now - this.last < 30_000) return;
      this.last = now;
      this.out.write(`${new Date(now).toISOString().slice(11, 19)} ${text}\n`);
      return;
    }
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.out.write(`\r\x1b[K${text.slice(0, width)}`);
  }
  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

/** A progress bar for a status line: `[#######.............]  35% 7/20`. */
export function bar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(100 * f)).padStart(3)}% ${done}/${total}`;
}
