import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A build directory's roots as kbuild exports them: objtree (the directory), srctree (its source, if elsewhere). */
export function buildRootsOf(dir: string): string[] {
  const src = sourceDirOf(dir);
  return src === dir ? [dir] : [dir, src];
}

/** The source directory of a build directory: itself in-tree, or what the O= Makefile includes. */
export function sourceDirOf(dir: string): string {
  const mk = join(dir, 'Makefile');
  if (existsSync(mk)) {
    const m = /^include\s+(\S+)\/Makefile\s*$/m.exec(readFileSync(mk, 'utf8'));
    if (m && !existsSync(join(dir, 'Kconfig'))) return resolve(dir, m[1]);
  }
  return dir;
}
