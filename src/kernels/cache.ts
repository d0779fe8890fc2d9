import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * The cache lives outside the repository: `$LINEINFO_BENCH_CACHE`, else
 * `$XDG_CACHE_HOME/lineinfo-bench`, else `~/.cache/lineinfo-bench`.
 *
 *   debian/<package>_<version>/   .debs, extracted vmlinux, modules, boot image, done.json
 *   src/<name>/                   extracted source tarballs and git worktrees, done.json
 *   builds/<arch>-<recipe>-<cc>-<key>/   out/ (make O=), build.log, job.json, done.json
 */
export function cacheRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.LINEINFO_BENCH_CACHE) return env.LINEINFO_BENCH_CACHE;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'lineinfo-bench');
}

/** JSON with object keys sorted, so equal values always hash the same. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A short, stable key for any JSON value. */
export function hashKey(v: unknown, length = 16): string {
  return sha256(stableJson(v)).slice(0, length);
}

const DONE = 'done.json';

/** The done marker of a cache entry: written atomically, only after success. */
export function markDone(dir: string, info: unknown): void {
  writeFileAtomic(join(dir, DONE), `${JSON.stringify(info, null, 2)}\n`);
}

export function readDone<T = Record<string, unknown>>(dir: string): T | undefined {
  const p = join(dir, DONE);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    return undefined; // a marker that does not parse is no marker
  }
}

export function isDone(dir: string): boolean {
  return readDone(dir) !== undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn holding `<dir>.lock` (a directory: mkdir is atomic), so two runs of
 * the same build, extraction or download never work in one directory at once.
 * The second waits; a lock whose process is gone (killed) is taken over.
 */
export async function withLock<T>(
  dir: string,
  fn: () => Promise<T>,
  onWait?: (pid: number) => void,
): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = Number.NaN;
      try {
        pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being created right now: look again shortly
      }
      if (Number.isInteger(pid) && !alive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Number.isInteger(pid)) onWait?.(pid);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
