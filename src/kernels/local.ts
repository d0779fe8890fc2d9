import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { findFiles } from './build.js';
import { buildRootsOf, sourceDirOf } from './build-dirs.js';
import { runCapture } from './exec.js';
import { describeKernel } from './metadata.js';
import type { Kernel, KernelSource } from './types.js';

/** Boot images make leaves under arch/<arch>/boot/, most specific first. */
const BOOT_IMAGES = ['bzImage', 'Image.gz', 'Image', 'zImage', 'vmlinuz', 'vmlinux.bin'];

export interface LocalRequest {
  /** A vmlinux file, or a kernel build directory (in-tree or the O= directory). */
  path: string;
  modules?: boolean;
}

/** A kernel already on disk: a vmlinux, or a build directory with vmlinux, .config and boot images. */
export class LocalSource implements KernelSource {
  readonly kind = 'local' as const;
  constructor(readonly req: LocalRequest) {}

  async get(): Promise<Kernel> {
    return describeLocal(this.req);
  }
}

export function describeLocal(req: LocalRequest): Kernel {
  const path = resolve(req.path);
  if (!existsSync(path)) throw new UserError('no such file or directory', req.path);
  const isDir = statSync(path).isDirectory();
  const dir = isDir ? path : dirname(path);
  const vmlinux = isDir ? join(path, 'vmlinux') : path;
  if (isDir && !existsSync(vmlinux)) {
    const hint = existsSync(join(path, 'Makefile'))
      ? ' (not built yet? run make vmlinux, or point at the O= directory)'
      : '';
    throw new UserError(`no vmlinux in this directory${hint}`, req.path);
  }
  // Only a build directory says anything about .config, boot image and modules.
  const isBuildDir =
    existsSync(join(dir, '.config')) &&
    (existsSync(join(dir, 'Makefile')) || existsSync(join(dir, 'include', 'config')));
  const config = isBuildDir ? join(dir, '.config') : undefined;
  let bootImage: string | undefined;
  let modules: string[] = [];
  let kernelVersion: string | undefined;
  if (isBuildDir) {
    const release = join(dir, 'include', 'config', 'kernel.release');
    if (existsSync(release)) kernelVersion = readFileSync(release, 'utf8').trim() || undefined;
    for (const img of BOOT_IMAGES) {
      const found = findBoot(dir, img);
      if (found) {
        bootImage = found;
        break;
      }
    }
    if (req.modules)
      modules = findFiles(dir, '.ko').filter((p) => !p.includes(`${join(dir, 'scripts')}/`));
  }
  const metadata = describeKernel(vmlinux, {
    config,
    kernelVersion,
    configName: config ? basename(dir) : undefined,
  });
  // A git checkout says which commit; the O= directory points at its source through its Makefile.
  const source = sourceDirOf(dir);
  const commit = gitCommit(source);
  return {
    vmlinux,
    modules,
    bootImage,
    config,
    metadata,
    buildRoots: isBuildDir ? buildRootsOf(dir) : undefined,
    provenance: commit
      ? { kind: 'path', path: `${vmlinux} (source at git ${commit})` }
      : { kind: 'path', path: vmlinux },
  };
}

function findBoot(dir: string, name: string): string | undefined {
  const archDir = join(dir, 'arch');
  if (!existsSync(archDir)) return undefined;
  const arches = readdirSync(archDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const a of arches) {
    const p = join(archDir, a, 'boot', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function gitCommit(dir: string): string | undefined {
  if (!existsSync(join(dir, '.git'))) return undefined;
  const r = runCapture('git', ['-C', dir, 'rev-parse', 'HEAD']);
  return r.code === 0 ? r.stdout.trim() : undefined;
}
