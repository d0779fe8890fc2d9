import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';

export interface CmdResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a short command and captures its output; a missing program is a UserError. */
export function runCapture(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CmdResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) {
    const e = r.error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT')
      throw new UserError(`${cmd} not found on PATH (needed for: ${cmd} ${args.join(' ')})`);
    throw e;
  }
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** runCapture that throws a UserError with the command's last stderr line on failure. */
export function runChecked(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = runCapture(cmd, args, opts);
  if (r.code !== 0) {
    const last = lastLines(r.stderr || r.stdout, 3).join(' | ');
    throw new UserError(`${cmd} ${args.join(' ')} failed (exit ${r.code ?? r.signal}): ${last}`);
  }
  return r.stdout;
}

export function lastLines(text: string, n: number): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n);
}

export function which(prog: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'command -v "$0"', prog], { encoding: 'utf8' }).status === 0;
}

export interface LoggedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stopped through the abort signal. */
  aborted: boolean;
}

/**
 * Runs a long command with stdout and stderr appended to a log file, calling
 * `onLine` with each output line (for "what make is doing"). The child gets
 * its own process group so an abort stops make and everything it started.
 */
export function runLogged(
  cmd: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    log: string;
    onLine?: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<LoggedRun> {
  return new Promise((resolve, reject) => {
    const fd = openSync(opts.log, 'a');
    writeSync(fd, `$ ${cmd} ${args.join(' ')}\n`);
    if (opts.signal?.aborted) {
      closeSync(fd);
      resolve({ code: null, signal: 'SIGTERM', aborted: true });
      return;
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let partial = '';
    const onData = (buf: Buffer) => {
      writeSync(fd, buf);
      if (!opts.onLine) return;
      const text = partial + buf.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.onLine(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      closeSync(fd);
      if (e.code === 'ENOENT') reject(new UserError(`${cmd} not found on PATH`));
      else reject(e);
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      writeSync(fd, `# exit ${code ?? signal}\n`);
      closeSync(fd);
      resolve({ code, signal, aborted });
    });
  });
}
