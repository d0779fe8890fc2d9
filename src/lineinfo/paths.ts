/**
 * File-name normalisation of the upstream generator (spec section 1, "File
 * names"): turns the path libdw gives for a row into a kernel-relative name.
 */

/** Top-level directories of a kernel tree; the scan looks for the first path component that starts one. */
export const KERNEL_TOP_DIRS = [
  'arch/',
  'block/',
  'certs/',
  'crypto/',
  'drivers/',
  'fs/',
  'include/',
  'init/',
  'io_uring/',
  'ipc/',
  'kernel/',
  'lib/',
  'mm/',
  'net/',
  'rust/',
  'samples/',
  'scripts/',
  'security/',
  'sound/',
  'tools/',
  'usr/',
  'virt/',
] as const;

/** The path from its first component that starts a kernel top-level directory, if any. */
export function fromKernelTopDir(path: string): string | undefined {
  let start = 0;
  while (start < path.length) {
    if (path.charCodeAt(start) !== 47 /* '/' */) {
      for (const dir of KERNEL_TOP_DIRS) {
        if (path.startsWith(dir, start)) return path.slice(start);
      }
    }
    const slash = path.indexOf('/', start);
    if (slash < 0) break;
    start = slash + 1;
  }
  return undefined;
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** True for "X/X": the same half twice around a slash (a libdw quirk on .ko files). */
function isDoubled(path: string): boolean {
  if (path.length % 2 === 0) return false;
  const half = (path.length - 1) / 2;
  return path.charCodeAt(half) === 47 && path.startsWith(path.slice(half + 1));
}

/**
 * Normalises a row's path the way the upstream generator does.
 * @param path the path from libdw (see libdwFilePath)
 * @param compDir the unit's DW_AT_comp_dir, if any
 */
export function normalizeUpstream(path: string, compDir: string | undefined): string {
  if (path.startsWith('/')) {
    // an empty comp_dir counts too (the generator tests the pointer, not the text)
    if (
      compDir !== undefined &&
      path.length > compDir.length + 1 &&
      path.startsWith(compDir) &&
      path.charCodeAt(compDir.length) === 47
    ) {
      const rest = path.slice(compDir.length + 1);
      // comp_dir may be a subdirectory of the tree (seen on parisc): a bare
      // remainder falls through to the scan.
      if (rest.includes('/')) return rest;
    }
    return fromKernelTopDir(path) ?? baseName(path);
  }
  if (isDoubled(path)) return path.slice((path.length + 1) / 2);
  if (!path.includes('/')) {
    const joined = compDir ? `${compDir}/${path}` : path;
    return fromKernelTopDir(joined) ?? baseName(joined);
  }
  return path;
}

/**
 * Collapses runs of "/" into one, as llvm-symbolizer prints paths ("/./" and
 * "../" stay as they are: the tools keep them too).
 */
export function cleanPath(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}
