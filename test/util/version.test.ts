import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, toolCommit } from '../../src/util/version.js';
import { scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('version');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8' }).trim();

/** A repository shaped like ours: code under src/, tests under test/. */
function checkout(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'test'));
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'test', 'a.test.ts'), '// test\n');
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'one');
  return root;
}

describe('toolCommit: the code behind a run', () => {
  it("names the checkout's HEAD, clean", () => {
    const root = checkout('clean');
    expect(toolCommit(root)).toEqual({ commit: git(root, 'rev-parse', 'HEAD'), dirty: false });
    expect(toolCommit(root)!.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('calls code with uncommitted changes dirty, but not edited tests or new files', () => {
    const root = checkout('dirty');
    writeFileSync(join(root, 'test', 'a.test.ts'), '// edited\n');
    writeFileSync(join(root, 'src', 'new.ts'), 'export {};\n');
    expect(toolCommit(root)!.dirty).toBe(false);
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 2;\n');
    expect(toolCommit(root)!.dirty).toBe(true);
  });

  it('gives none outside a checkout, or in a folder inside another repository', () => {
    const plain = join(dir, 'plain');
    mkdirSync(plain);
    expect(toolCommit(plain)).toBeUndefined();
    expect(toolCommit(join(checkout('outer'), 'src'))).toBeUndefined();
  });

  it("names this checkout's commit for the tool itself", () => {
    expect(toolCommit(PACKAGE_ROOT)?.commit).toBe(git(PACKAGE_ROOT, 'rev-parse', 'HEAD'));
  });
});
