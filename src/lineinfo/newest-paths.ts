import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromKernelTopDir } from './paths.js';

/**
 * File names under the newest revision's rules (spec section 6, "paths"): a
 * relative name joined to an absolute comp_dir, normalised as text, then
 * made relative to the longest build root, comp_dir, a kernel directory, or
 * cut to its base name.
 */

/**
 * Lexical normalisation: "//" and "." dropped, ".." pops the component
 * before it (whatever it is, even a "..": the generator's pop does not look),
 * a leading ".." of a relative path stays, "/.." is "/". Nothing is looked up
 * on disk.
 */
export function normalizePathText(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0) {
        out.pop();
        continue;
      }
      if (absolute) continue;
    }
    out.push(seg);
  }
  if (absolute) return `/${out.join('/')}`;
  return out.length ? out.join('/') : '.';
}

/** At most this many roots, as the generator keeps. */
const MAX_ROOTS = 8;

/**
 * The build roots names are made relative to: each given root as given (a
 * relative one against `cwd`, where kbuild runs the generator: the object
 * tree) and resolved through symlinks, normalised, "/" never, at most 8,
 * longest first. The generator takes them from `objtree`, `srctree` and
 * `srcroot`, in that order.
 */
export function buildRoots(roots: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    const n = normalizePathText(p.startsWith('/') ? p : `${cwd}/${p}`);
    if (n === '/' || out.includes(n) || out.length === MAX_ROOTS) return;
    out.push(n);
  };
  for (const r of roots) {
    if (!r) continue;
    add(r);
    try {
      add(realpathSync(resolve(cwd, r)));
    } catch {
      // a root that does not exist here still matches as spelled
    }
  }
  return out.sort((a, b) => b.length - a.length);
}

/** True for "X/X": the same half twice around a slash (libdw doubles relative names on ET_REL input). */
function doubledHalf(path: string): string | undefined {
  if (path.length < 3 || path.length % 2 === 0) return undefined;
  const mid = (path.length - 1) / 2;
  if (path.charCodeAt(mid) !== 47) return undefined;
  const second = path.slice(mid + 1);
  return path.startsWith(second) ? second : undefined;
}

/**
 * A row's path (as libdw gives it) made kernel-relative the newest way.
 * @param roots from buildRoots, longest first
 */
export function normalizeNewest(
  path: string,
  compDir: string | undefined,
  roots: readonly string[],
): string {
  let p = path;
  if (!p.startsWith('/')) p = doubledHalf(p) ?? p;
  let buf: string;
  if (p.startsWith('/')) buf = p;
  else if (compDir?.startsWith('/')) buf = `${compDir}/${p}`;
  else return p; // nothing absolute to anchor against
  buf = normalizePathText(buf);
  for (const root of roots) {
    if (buf.length > root.length && buf.startsWith(root) && buf.charCodeAt(root.length) === 47)
      return buf.slice(root.length + 1);
  }
  // comp_dir as it is (not normalised), and only when a directory is left
  // after it; an empty one counts (the generator tests the pointer)
  if (
    compDir !== undefined &&
    buf.length > compDir.length &&
    buf.startsWith(compDir) &&
    buf.charCodeAt(compDir.length) === 47 &&
    buf.indexOf('/', compDir.length + 1) >= 0
  ) {
    return buf.slice(compDir.length + 1);
  }
  // the scan starts after a "/": buf is absolute here, so every component qualifies
  const fromDir = fromKernelTopDir(buf);
  if (fromDir !== undefined) return fromDir;
  return buf.slice(buf.lastIndexOf('/') + 1);
}
