import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { UserError } from '../errors.js';
import { hashKey, isDone, markDone, sha256, withLock } from './cache.js';
import { runCapture, runChecked } from './exec.js';
import type { ProgressFn } from './types.js';

/** Where kernel sources come from. */
export type SourceSpec =
  | {
      kind: 'tarball' /** default /usr/src/linux-source-6.12.tar.xz */;
      tarball?: string;
      /** unified diffs applied with patch -p1 after extraction, in order (a build fix, say) */
      patches?: string[];
    }
  | {
      kind: 'git' /** a local path or a URL */;
      repo: string;
      ref: string /** mbox patch files applied with git am, in order */;
      patches?: string[];
    };

export const DEFAULT_TARBALL = '/usr/src/linux-source-6.12.tar.xz';

/** What identifies a source exactly: goes into the job key. */
export interface SourceIdentity {
  kind: 'tarball' | 'git';
  origin: string;
  /** Debian package version of the tarball (or its size+mtime hash), or the resolved git commit. */
  ref: string;
  /** SHA-256 of each patch file, in order. */
  patches: string[];
}

/** The Debian package that installed a file, and its version; undefined for a file no package owns. */
function dpkgOwner(path: string): { pkg: string; version: string } | undefined {
  const r = runCapture('dpkg-query', ['-S', path]);
  if (r.code !== 0) return undefined;
  const pkg = r.stdout.split(':')[0].trim();
  const showVersion = ['$', '{Version}'].join(''); // dpkg-query's field syntax, not a template
  const v = runCapture('dpkg-query', ['-W', '-f', showVersion, pkg]);
  return v.code === 0 ? { pkg, version: v.stdout.trim() } : undefined;
}

function tarballMissing(path: string): UserError {
  const m = /linux-source-(\d+\.\d+)\.tar/.exec(basename(path));
  const how = m
    ? `install it with: apt-get install linux-source-${m[1]}`
    : 'give an existing tarball';
  return new UserError(`kernel source tarball not found; ${how}`, path);
}

/** Resolves a source to its exact identity (a commit for a git ref), without extracting anything. */
export async function identifySource(
  spec: SourceSpec,
  cache: string,
  onProgress?: ProgressFn,
): Promise<SourceIdentity> {
  const patches = (spec.patches ?? []).map((p) => patchHash(p));
  if (spec.kind === 'tarball') {
    const path = resolve(spec.tarball ?? DEFAULT_TARBALL);
    if (!existsSync(path)) throw tarballMissing(path);
    const owner = dpkgOwner(path);
    const st = statSync(path);
    const ref = owner
      ? `${owner.pkg}=${owner.version}`
      : `size${st.size}-mtime${Math.floor(st.mtimeMs)}`;
    return { kind: 'tarball', origin: path, ref, patches };
  }
  const mirror = await gitMirror(spec.repo, cache, onProgress);
  const git = simpleGit(mirror);
  const known = async (rev: string) => {
    try {
      return (await git.revparse([`${rev}^{commit}`])).trim();
    } catch {
      return undefined;
    }
  };
  // A full commit id already in the mirror is final; a branch or tag may have moved: ask the origin.
  let commit = /^[0-9a-f]{40}$/i.test(spec.ref) ? await known(spec.ref) : undefined;
  if (!commit) {
    onProgress?.(`git fetch ${spec.repo} ${spec.ref}`);
    try {
      await git.fetch(['origin', spec.ref]);
      commit = await known('FETCH_HEAD');
    } catch (e) {
      // an abbreviated commit id cannot be fetched by name, but may be in the mirror
      commit = await known(spec.ref);
      if (!commit)
        throw new UserError(`git ref '${spec.ref}' not found (${firstLine(e)})`, spec.repo);
    }
  }
  if (!commit) throw new UserError(`git ref '${spec.ref}' is not a commit`, spec.repo);
  return { kind: 'git', origin: spec.repo, ref: commit, patches };
}

/** A patched tree is another directory than the plain one: -p<hash of the patches>. */
function patchSuffix(id: SourceIdentity): string {
  return id.patches.length ? `-p${hashKey(id.patches, 8)}` : '';
}

function patchHash(p: string): string {
  if (!existsSync(p)) throw new UserError('patch file not found', p);
  return sha256(readFileSync(p));
}

function firstLine(e: unknown): string {
  return (
    String((e as Error).message ?? e)
      .split('\n')
      .find((l) => l.trim()) ?? 'unknown error'
  );
}

/** A bare clone of a repository in the cache, reused for every ref of it. */
async function gitMirror(repo: string, cache: string, onProgress?: ProgressFn): Promise<string> {
  const origin = existsSync(repo) ? resolve(repo) : repo;
  const dir = join(
    cache,
    'git',
    `${basename(origin)
      .replace(/\.git$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '_')}-${hashKey(origin, 10)}`,
  );
  if (isDone(dir)) return dir;
  mkdirSync(join(cache, 'git'), { recursive: true });
  return withLock(dir, async () => {
    if (isDone(dir)) return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(cache, 'git'), { recursive: true });
    onProgress?.(`git clone --bare ${origin}`);
    try {
      await simpleGit().clone(origin, dir, ['--bare']);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw new UserError(`git clone failed (${firstLine(e)})`, repo);
    }
    markDone(dir, { origin, clonedAt: new Date().toISOString() });
    return dir;
  });
}

/**
 * The source tree for an identity, prepared once in the cache:
 * a tarball is extracted (to a temporary directory, then renamed), a git
 * commit gets a worktree with the patches applied by `git am`.
 */
export async function prepareSource(
  spec: SourceSpec,
  id: SourceIdentity,
  cache: string,
  onProgress?: ProgressFn,
): Promise<string> {
  const name =
    id.kind === 'tarball'
      ? `${basename(id.origin).replace(/\.tar(\.\w+)?$/, '')}_${id.ref.replace(/^.*=/, '').replace(/[^A-Za-z0-9.+~_-]/g, '_')}${patchSuffix(id)}`
      : `git-${id.ref.slice(0, 12)}${patchSuffix(id)}`;
  const dir = join(cache, 'src', name);
  const tree = join(dir, 'linux');
  if (isDone(dir)) return tree;
  return withLock(dir, async () => {
    if (isDone(dir)) return tree;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (id.kind === 'tarball') {
      const tmp = join(dir, 'extract.tmp');
      mkdirSync(tmp);
      onProgress?.(`extracting ${id.origin}`);
      runChecked('tar', ['-xf', id.origin, '-C', tmp]);
      const top = readdirSync(tmp);
      if (top.length !== 1)
        throw new UserError(
          `expected one top directory in the tarball, found ${top.length}`,
          id.origin,
        );
      renameSync(join(tmp, top[0]), tree);
      rmSync(tmp, { recursive: true, force: true });
      for (const p of spec.patches ?? []) {
        onProgress?.(`patch -p1 < ${basename(p)}`);
        const r = runCapture('patch', ['-p1', '--batch', '--forward', '-i', resolve(p)], {
          cwd: tree,
        });
        if (r.code !== 0) {
          rmSync(dir, { recursive: true, force: true });
          const why = `${r.stdout}\n${r.stderr}`
            .split('\n')
            .find((l) => /FAILED|malformed|can't|No file|Reversed|previously applied/i.test(l));
          throw new UserError(
            `patch does not apply to ${basename(id.origin)} (${why?.trim() ?? `patch exit ${r.code}`})`,
            p,
          );
        }
      }
    } else {
      if (spec.kind !== 'git') throw new Error('source spec and identity disagree');
      const mirror = await gitMirror(spec.repo, cache, onProgress);
      onProgress?.(`git worktree add ${id.ref.slice(0, 12)}`);
      await simpleGit(mirror).raw(['worktree', 'add', '--force', '--detach', tree, id.ref]);
      // git am commits: give it an identity without touching the user's git config.
      const wt = simpleGit(tree, {
        config: ['user.name=lineinfo-bench', 'user.email=lineinfo-bench@localhost'],
      });
      for (const p of spec.patches ?? []) {
        onProgress?.(`git am ${basename(p)}`);
        try {
          await wt.raw(['am', '--keep-cr', resolve(p)]);
        } catch (e) {
          await wt.raw(['am', '--abort']).catch(() => undefined);
          await simpleGit(mirror)
            .raw(['worktree', 'remove', '--force', tree])
            .catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
          throw new UserError(`git am failed on ${id.ref.slice(0, 12)} (${firstLine(e)})`, p);
        }
      }
    }
    markDone(dir, { ...id, preparedAt: new Date().toISOString() });
    return tree;
  });
}
