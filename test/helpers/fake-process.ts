import type { ProcessLike } from '../../src/util/process.js';

/** A process for driving run() in tests: captured output, no TTY. */
export function fakeProcess(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const proc: ProcessLike = {
    argv: ['node', 'lineinfo-bench', ...args],
    env,
    cwd: () => process.cwd(),
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
  };
  return { proc, stdout: () => out.join(''), stderr: () => err.join('') };
}
