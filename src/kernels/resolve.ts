import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { CompilerName } from './arches.js';
import { resolveBuild, runBuild } from './build.js';
import { DebianSource } from './debian.js';
import { describeLocal } from './local.js';
import { describeTuxMake, isTuxMakeDir } from './tuxmake.js';
import type { Kernel, ProgressFn } from './types.js';

/**
 * The one way every command gets its kernel: a spec on the command line
 * (`debian:FLAVOUR[@VERSION]`, a vmlinux, a build directory) or a run config's
 * kernel entry comes in, a described `Kernel` comes out, with one set of errors.
 */

/** A kernel to get, as a run config's entry spells it (the entry's id aside). */
export type KernelRequest =
  | {
      debian: {
        flavour: string;
        version?: string;
        series?: string;
        arch?: string;
        allowAddArch?: boolean;
      };
      modules?: boolean;
    }
  | { local: string; modules?: boolean }
  /** A TuxMake or TuxSuite build output folder (metadata.json, vmlinux.xz, config, ...). */
  | { tuxmake: string; modules?: boolean }
  | {
      build: {
        arch: string;
        recipe: string;
        compiler?: CompilerName;
        tarball?: string;
        patches?: string[];
      };
      modules?: boolean;
    };

export interface ResolveContext {
  /** The cache root (kernels/cache.ts cacheRoot). */
  cache: string;
  /** Install a missing cross compiler or add a foreign dpkg architecture. */
  allowInstall?: boolean;
  onProgress?: ProgressFn;
  /** Debian: also fetch the image package (boot image and .config, for growth); default yes. */
  image?: boolean;
}

const DEBIAN_SPEC = /^debian:([a-z0-9-]+)(?:@(.+))?$/;

/**
 * A command line's kernel argument: `debian:FLAVOUR[@VERSION]`,
 * `tuxmake:DIR`, else a local path (a folder with TuxMake's metadata.json in
 * it is read as a TuxMake output, see resolveKernel).
 */
export function parseKernelSpec(spec: string, modules = false): KernelRequest {
  if (spec.startsWith('tuxmake:')) {
    const dir = spec.slice('tuxmake:'.length);
    if (!dir) throw new UserError(`${spec}: expected tuxmake:DIR, a TuxMake build output folder`);
    return { tuxmake: dir, modules };
  }
  const m = DEBIAN_SPEC.exec(spec);
  if (m) return { debian: { flavour: m[1], version: m[2] }, modules };
  if (spec.startsWith('debian:'))
    throw new UserError(
      `${spec}: expected debian:FLAVOUR or debian:FLAVOUR@VERSION, e.g. debian:cloud-amd64@6.1.192-2`,
    );
  return { local: spec, modules };
}

/** Gets a kernel: downloaded, found or built (cached in every case). */
export async function resolveKernel(req: KernelRequest, ctx: ResolveContext): Promise<Kernel> {
  const modules = req.modules ?? false;
  if ('debian' in req) {
    return new DebianSource({ ...req.debian, image: ctx.image ?? true, modules }, ctx.cache).get(
      ctx.onProgress,
    );
  }
  if ('tuxmake' in req) return describeTuxMake({ dir: req.tuxmake, modules }, ctx.cache);
  if ('local' in req) {
    // a TuxMake/TuxSuite download has no vmlinux, only vmlinux.xz: read it as what it is
    if (!existsSync(join(req.local, 'vmlinux')) && isTuxMakeDir(req.local))
      return describeTuxMake({ dir: req.local, modules }, ctx.cache);
    return describeLocal({ path: req.local, modules });
  }
  const opts = { cache: ctx.cache, allowInstall: ctx.allowInstall, onProgress: ctx.onProgress };
  const b = await resolveBuild(
    {
      source: { kind: 'tarball', tarball: req.build.tarball, patches: req.build.patches },
      arch: req.build.arch,
      recipe: req.build.recipe,
      compiler: req.build.compiler,
    },
    opts,
  );
  if (modules && !b.recipe.recipe.modules)
    throw new UserError(
      `${b.label} asks for modules, but recipe ${req.build.recipe} builds none (use a recipe with "modules": true)`,
    );
  const r = await runBuild(b, opts);
  if (!r.kernel) {
    throw new UserError(
      `build ${b.label} ${r.status}: ${r.error ?? ''}${r.logTail?.length ? `\n  ${r.logTail.join('\n  ')}` : ''}`,
    );
  }
  return r.kernel;
}

/** A set of .ko files to measure, the folder their names are relative to, and vmlinux beside them. */
export interface ModuleSetTarget {
  source: string;
  root: string;
  paths: string[];
  vmlinux?: string;
}

/**
 * What `modules` reads: debian:FLAVOUR[@VERSION] (the -dbg package's modules),
 * a kernel build directory (its .ko files and vmlinux), any directory of .ko
 * files (e.g. usr/lib/debug/lib/modules/<release>), or one .ko.
 */
export async function resolveModuleSet(
  spec: string,
  ctx: ResolveContext & { cwd: string },
): Promise<ModuleSetTarget> {
  if (spec.startsWith('debian:')) {
    const k = await resolveKernel(parseKernelSpec(spec, true), { ...ctx, image: false });
    return { source: spec, root: moduleRoot(k), paths: k.modules, vmlinux: k.vmlinux };
  }
  const path = resolve(ctx.cwd, spec);
  if (!existsSync(path)) throw new UserError('no such file or directory', spec);
  if (!statSync(path).isDirectory()) {
    if (!path.endsWith('.ko'))
      throw new UserError('expected a .ko file or a directory of them', spec);
    return { source: spec, root: dirname(path), paths: [path] };
  }
  if (existsSync(join(path, 'vmlinux'))) {
    const k = describeLocal({ path, modules: true });
    return { source: spec, root: path, paths: k.modules, vmlinux: k.vmlinux };
  }
  // a Debian-style tree: usr/lib/debug/lib/modules/<release> next to usr/lib/debug/boot/vmlinux-<release>
  const debianVmlinux = join(path, '..', '..', '..', 'boot', `vmlinux-${basename(path)}`);
  return {
    source: spec,
    root: path,
    paths: findModules(path),
    vmlinux: existsSync(debianVmlinux) ? resolve(debianVmlinux) : undefined,
  };
}

/** The folder a kernel's modules are named from. */
export function moduleRoot(k: Kernel): string {
  return k.modules.length ? commonDir(k.modules) : dirname(k.vmlinux);
}

/** Every `.ko` under a directory (symlinked directories such as build/ and source/ are not followed), sorted. */
export function findModules(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ko')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/** The directory all paths are under (names of modules are relative to it). */
export function commonDir(paths: string[]): string {
  let d = dirname(paths[0]);
  while (!paths.every((p) => p.startsWith(`${d}/`))) d = dirname(d);
  return d;
}
