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

/** Live progress on stderr, only when it is a terminal; one line rewritten in place. */
export class Progress {
  private last = 0;
  private shown = false;
  constructor(
    private readonly out: ProcessLike['stderr'],
    private readonly enabled = Boolean(out.isTTY),
  ) {}
  update(text: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.out.write(`\r\x1b[K${text.slice(0, width)}`);
  }
  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
