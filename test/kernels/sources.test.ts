import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { hashKey, isDone, sha256 } from '../../src/kernels/cache.js';
import { identifySource, prepareSource, type SourceSpec } from '../../src/kernels/sources.js';
import { tempDir } from './helpers.js';

const dir = tempDir('sources');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const repo = join(dir, 'linux');
const cache = join(dir, 'cache');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  }).trim();
let v1: string;
let good: string;
let bad: string;

beforeAll(() => {
  // A real git repository with a tag and a patch series made by git format-patch.
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'master');
  writeFileSync(join(repo, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 12\n');
  writeFileSync(join(repo, 'lineinfo.c'), 'int lineinfo(void) { return 0; }\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'tag', 'v6.12');
  v1 = git(repo, 'rev-parse', 'HEAD');
  writeFileSync(join(repo, 'lineinfo.c'), 'int lineinfo(void) { return 1; }\n');
  git(repo, 'commit', '-q', '-am', 'kallsyms: add lineinfo');
  good = git(repo, 'format-patch', '-1', '-o', join(dir, 'patches')).split('\n')[0];
  // a patch that cannot apply on v6.12: it changes a line v6.12 does not have
  writeFileSync(join(repo, 'lineinfo.c'), 'int lineinfo(void) { return 2; }\n');
  git(repo, 'commit', '-q', '-am', 'kallsyms: change lineinfo again');
  bad = git(repo, 'format-patch', '-1', '-o', join(dir, 'bad-patches')).split('\n')[0];
});

describe('git sources', () => {
  it('resolves a tag to its commit, and the patches to their hashes', async () => {
    const spec: SourceSpec = { kind: 'git', repo, ref: 'v6.12', patches: [good] };
    const id = await identifySource(spec, cache);
    expect(id).toEqual({
      kind: 'git',
      origin: repo,
      ref: v1,
      patches: [sha256(readFileSync(good))],
    });
  });

  it('makes a worktree at the commit with the series applied by git am, once', async () => {
    const spec: SourceSpec = { kind: 'git', repo, ref: 'v6.12', patches: [good] };
    const id = await identifySource(spec, cache);
    const tree = await prepareSource(spec, id, cache);
    expect(readFileSync(join(tree, 'lineinfo.c'), 'utf8')).toBe(
      'int lineinfo(void) { return 1; }\n',
    );
    expect(git(tree, 'log', '-1', '--format=%s')).toBe('kallsyms: add lineinfo');
    expect(git(tree, 'rev-parse', 'HEAD~1')).toBe(v1);
    expect(isDone(join(tree, '..'))).toBe(true);
    // the unpatched tree is a different directory
    const plain = await prepareSource(
      { kind: 'git', repo, ref: 'v6.12' },
      await identifySource({ kind: 'git', repo, ref: 'v6.12' }, cache),
      cache,
    );
    expect(plain).not.toBe(tree);
    expect(readFileSync(join(plain, 'lineinfo.c'), 'utf8')).toBe(
      'int lineinfo(void) { return 0; }\n',
    );
    // prepared again: the same tree, untouched
    expect(await prepareSource(spec, id, cache)).toBe(tree);
  });

  it('fails naming the patch that does not apply, and leaves nothing marked done', async () => {
    const spec: SourceSpec = { kind: 'git', repo, ref: 'v6.12', patches: [bad] };
    const id = await identifySource(spec, cache);
    await expect(prepareSource(spec, id, cache)).rejects.toThrow(UserError);
    await expect(prepareSource(spec, id, cache)).rejects.toThrow(/git am failed/);
    const name = `git-${id.ref.slice(0, 12)}-p${hashKey(id.patches, 8)}`;
    expect(existsSync(join(cache, 'src', name))).toBe(false);
  });

  it('follows a branch that moved since the mirror was made, and takes commit ids too', async () => {
    const before = await identifySource({ kind: 'git', repo, ref: 'master' }, cache);
    expect(before.ref).toBe(git(repo, 'rev-parse', 'master'));
    writeFileSync(join(repo, 'README'), 'moved on\n');
    git(repo, 'add', 'README');
    git(repo, 'commit', '-q', '-m', 'README');
    const after = await identifySource({ kind: 'git', repo, ref: 'master' }, cache);
    expect(after.ref).toBe(git(repo, 'rev-parse', 'master'));
    expect(after.ref).not.toBe(before.ref);
    expect((await identifySource({ kind: 'git', repo, ref: v1 }, cache)).ref).toBe(v1);
    expect((await identifySource({ kind: 'git', repo, ref: v1.slice(0, 10) }, cache)).ref).toBe(v1);
  });

  it('names an unknown ref and a missing patch', async () => {
    await expect(identifySource({ kind: 'git', repo, ref: 'v9.99' }, cache)).rejects.toThrow(
      /git ref 'v9.99' not found/,
    );
    await expect(
      identifySource(
        { kind: 'git', repo, ref: 'v6.12', patches: [join(dir, 'nope.patch')] },
        cache,
      ),
    ).rejects.toThrow(/patch file not found/);
  });
});

describe('tarball sources', () => {
  it('identifies the Debian tarball by its package version', async () => {
    const id = await identifySource({ kind: 'tarball' }, cache);
    const v = execFileSync('dpkg-query', ['-W', '-f', '$' + '{Version}', 'linux-source-6.12'], {
      encoding: 'utf8',
    });
    expect(id.ref).toBe(`linux-source-6.12=${v}`);
  });

  it('applies patches to a tarball in a tree of their own; a patch that does not apply is named', async () => {
    // a small tarball and unified diffs, made with tar and diff
    const top = join(dir, 'tb', 'linux-9.9');
    mkdirSync(top, { recursive: true });
    writeFileSync(join(top, 'fcntl.c'), 'int check(void) { return 21; }\n');
    const tarball = join(dir, 'tb', 'linux-9.9.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', join(dir, 'tb'), 'linux-9.9']);
    const diff = (from: string, to: string, name: string) => {
      const a = join(dir, 'tb', `${name}.a`);
      const b = join(dir, 'tb', `${name}.b`);
      mkdirSync(a, { recursive: true });
      mkdirSync(b, { recursive: true });
      writeFileSync(join(a, 'fcntl.c'), from);
      writeFileSync(join(b, 'fcntl.c'), to);
      const r = spawnSync('diff', ['-u', `${name}.a/fcntl.c`, `${name}.b/fcntl.c`], {
        cwd: join(dir, 'tb'),
        encoding: 'utf8',
      });
      const p = join(dir, 'tb', `${name}.patch`);
      writeFileSync(p, r.stdout);
      return p;
    };
    const fix = diff('int check(void) { return 21; }\n', 'int check(void) { return 20; }\n', 'fix');
    const wrong = diff(
      'int check(void) { return 7; }\n',
      'int check(void) { return 8; }\n',
      'wrong',
    );

    const spec: SourceSpec = { kind: 'tarball', tarball, patches: [fix] };
    const id = await identifySource(spec, cache);
    expect(id.patches).toEqual([sha256(readFileSync(fix))]);
    const tree = await prepareSource(spec, id, cache);
    expect(readFileSync(join(tree, 'fcntl.c'), 'utf8')).toBe('int check(void) { return 20; }\n');
    const plainSpec: SourceSpec = { kind: 'tarball', tarball };
    const plain = await prepareSource(plainSpec, await identifySource(plainSpec, cache), cache);
    expect(plain).not.toBe(tree);
    expect(readFileSync(join(plain, 'fcntl.c'), 'utf8')).toBe('int check(void) { return 21; }\n');

    const badSpec: SourceSpec = { kind: 'tarball', tarball, patches: [wrong] };
    const badId = await identifySource(badSpec, cache);
    const err = await prepareSource(badSpec, badId, cache).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.file).toBe(wrong);
    expect(err.message).toMatch(/^patch does not apply to linux-9\.9\.tar\.gz \(.*FAILED/);
    expect(
      existsSync(join(cache, 'src', `linux-9.9_${badId.ref}-p${hashKey(badId.patches, 8)}`)),
    ).toBe(false);
  });

  it('says how to install a missing tarball', async () => {
    await expect(
      identifySource({ kind: 'tarball', tarball: '/usr/src/linux-source-9.9.tar.xz' }, cache),
    ).rejects.toThrow('apt-get install linux-source-9.9');
  });
});
