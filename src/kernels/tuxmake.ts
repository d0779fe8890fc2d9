import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { findFiles } from './build.js';
import { isDone, markDone, withLock } from './cache.js';
import { runChecked } from './exec.js';
import { describeKernel } from './metadata.js';
import type { Kernel, KernelSource } from './types.js';

/**
 * A TuxMake build's output folder, as `tuxmake` leaves it and as TuxSuite
 * serves it for download: `metadata.json`, `config`, the debug vmlinux
 * (`vmlinux`, or `vmlinux.xz` from the debugkernel target), the boot image
 * (bzImage, Image, zImage, ...: the kernel target) and `modules.tar.xz`
 * (the modules target). Its arch, compiler and config are read from
 * metadata.json; a compressed vmlinux and the modules are unpacked once into
 * the cache (keyed by the SHA-256 of the file), never beside the downloads.
 */

/** The documented metadata.json fields we read (docs/metadata.md of TuxMake); the rest is ignored. */
const metadataSchema = z.object({
  build: z.object({
    target_arch: z.string(),
    toolchain: z.string().optional(),
    kconfig: z.union([z.string(), z.array(z.string())]).optional(),
    kconfig_add: z.array(z.string()).optional(),
    targets: z.array(z.string()).optional(),
  }),
  compiler: z
    .object({
      name: z.string().optional(),
      version: z.string().optional(),
      version_full: z.string().optional(),
    })
    .optional(),
  source: z.object({ kernelrelease: z.string().optional() }).optional(),
  git: z
    .object({ git_describe: z.string().optional(), git_commit: z.string().optional() })
    .optional(),
  results: z
    .object({
      status: z.string().optional(),
      targets: z.record(z.string(), z.object({ status: z.string().optional() })).optional(),
      artifacts: z.record(z.string(), z.array(z.string())).optional(),
    })
    .optional(),
});

export type TuxMakeMetadata = z.infer<typeof metadataSchema>;

/**
 * TuxMake's target_arch names (docs/architectures.md, aliases included) and
 * the kernel's ARCH each builds: checked against the vmlinux's ELF header.
 */
export const TUXMAKE_KERNEL_ARCH: Record<string, string> = {
  x86_64: 'x86',
  amd64: 'x86',
  i386: 'x86',
  arm64: 'arm64',
  aarch64: 'arm64',
  arm: 'arm',
  armhf: 'arm',
  armv5: 'arm',
  armel: 'arm',
  riscv: 'riscv',
  powerpc: 'powerpc',
  s390: 's390',
  s390x: 's390',
  m68k: 'm68k',
  parisc: 'parisc',
  mips: 'mips',
  sparc: 'sparc',
  sh: 'sh',
  arc: 'arc',
  loongarch: 'loongarch',
  um: 'um',
};

/** Boot images the kernel target may leave, most specific first (kernel_image can name any). */
const BOOT_IMAGES = [
  'bzImage',
  'Image.gz',
  'Image',
  'zImage',
  'vmlinuz',
  'vmlinux.gz',
  'uImage.gz',
];

export interface TuxMakeRequest {
  /** The output folder. */
  dir: string;
  modules?: boolean;
}

/** Whether a folder looks like a TuxMake output: a metadata.json with build.target_arch. */
export function isTuxMakeDir(dir: string): boolean {
  const p = join(dir, 'metadata.json');
  if (!existsSync(p)) return false;
  try {
    return metadataSchema.safeParse(JSON.parse(readFileSync(p, 'utf8'))).success;
  } catch {
    return false;
  }
}

export function readTuxMakeMetadata(dir: string): TuxMakeMetadata {
  const p = join(dir, 'metadata.json');
  if (!existsSync(p))
    throw new UserError('not a TuxMake output folder: no metadata.json in it', dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, p);
  }
  const r = metadataSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(
      `not TuxMake metadata: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      p,
    );
  }
  return r.data;
}

/** The kconfig the build started from and its additions, as one list (TuxSuite's plan spells it so). */
export function kconfigList(md: TuxMakeMetadata): string[] {
  const base = md.build.kconfig;
  return [...(Array.isArray(base) ? base : base ? [base] : []), ...(md.build.kconfig_add ?? [])];
}

export class TuxMakeSource implements KernelSource {
  readonly kind = 'tuxmake' as const;
  constructor(
    readonly req: TuxMakeRequest,
    readonly cache: string,
  ) {}

  async get(): Promise<Kernel> {
    return describeTuxMake(this.req, this.cache);
  }
}

/** SHA-256 of a file, read in 4 MiB pieces. */
function fileSha256(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Decompresses `file.xz` (or .gz, .zst) into `out`, through a temporary file renamed into place. */
function decompressTo(file: string, out: string): void {
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : 'gzip';
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const r = spawnSync(tool, ['-dc', file], { stdio: ['ignore', fd, 'pipe'] });
    if (r.error) {
      throw new UserError(
        `${tool} not found on PATH (needed to decompress ${file}; apt-get install xz-utils)`,
      );
    }
    if (r.status !== 0)
      throw new UserError(
        `${tool} -dc failed: ${String(r.stderr).trim().split('\n').at(-1)}`,
        file,
      );
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, out);
}

/** A file unpacked once into <cache>/tuxmake/<what>-<sha>/, done when done.json is there. */
async function unpackOnce(
  cache: string,
  file: string,
  what: string,
  unpack: (dir: string) => void,
): Promise<string> {
  const dir = join(cache, 'tuxmake', `${what}-${fileSha256(file).slice(0, 16)}`);
  if (isDone(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    if (!isDone(dir)) {
      unpack(dir);
      markDone(dir, { from: resolve(file), at: new Date().toISOString() });
    }
    return dir;
  });
}

function firstExisting(dir: string, names: string[]): string | undefined {
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

export async function describeTuxMake(req: TuxMakeRequest, cache: string): Promise<Kernel> {
  const dir = resolve(req.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError('no such directory (a TuxMake or TuxSuite build output folder)', req.dir);
  const md = readTuxMakeMetadata(dir);
  const targetArch = md.build.target_arch;
  const kernelArch = TUXMAKE_KERNEL_ARCH[targetArch];
  if (!kernelArch)
    throw new UserError(
      `metadata.json: unknown build.target_arch '${targetArch}' (known: ${Object.keys(TUXMAKE_KERNEL_ARCH).join(', ')})`,
      dir,
    );

  // the debug vmlinux: as it is, or unpacked from the debugkernel target's vmlinux.xz
  let vmlinux = firstExisting(dir, ['vmlinux']);
  if (!vmlinux) {
    const packed = firstExisting(dir, ['vmlinux.xz', 'vmlinux.zst', 'vmlinux.gz']);
    if (!packed) {
      const st = md.results?.targets?.debugkernel?.status;
      const why =
        md.build.targets && !md.build.targets.includes('debugkernel')
          ? ' (the build did not ask for the debugkernel target)'
          : st && st !== 'PASS'
            ? ` (its debugkernel target: ${st})`
            : '';
      throw new UserError(`no vmlinux or vmlinux.xz in this folder${why}`, req.dir);
    }
    const unpacked = await unpackOnce(cache, packed, 'vmlinux', (d) =>
      decompressTo(packed, join(d, 'vmlinux')),
    );
    vmlinux = join(unpacked, 'vmlinux');
  }

  const config = firstExisting(dir, ['config', '.config']);
  const listed = md.results?.artifacts?.kernel ?? [];
  const bootImage = firstExisting(dir, [...listed, ...BOOT_IMAGES]);

  let modules: string[] = [];
  if (req.modules) {
    const tar = firstExisting(dir, ['modules.tar.xz', 'modules.tar.gz', 'modules.tar.zst']);
    if (!tar)
      throw new UserError('no modules.tar.xz in this folder (build the modules target)', req.dir);
    const unpacked = await unpackOnce(cache, tar, 'modules', (d) =>
      runChecked('tar', ['-xf', tar, '-C', d]),
    );
    modules = findFiles(unpacked, '.ko');
  }

  const kconfig = kconfigList(md);
  const metadata = describeKernel(vmlinux, {
    config,
    configName: configNameOf(kconfig),
    kernelVersion: md.source?.kernelrelease,
  });
  if (metadata.kernelArch !== kernelArch)
    throw new UserError(
      `metadata.json says target_arch ${targetArch} (ARCH=${kernelArch}), but the vmlinux is ${metadata.arch} (ARCH=${metadata.kernelArch})`,
      dir,
    );
  // the compiler as TuxMake recorded it, over what the ELF and the .config say
  const cc = md.compiler;
  if (cc?.name) metadata.compiler = cc.name;
  if (cc?.version) metadata.compilerVersion = cc.version;
  if (cc?.version_full) metadata.compilerText = cc.version_full;

  return {
    vmlinux,
    modules,
    bootImage,
    config,
    metadata,
    provenance: {
      kind: 'tuxmake',
      dir,
      targetArch,
      toolchain: md.build.toolchain ?? '(unknown)',
      kconfig,
      git: md.git?.git_describe ?? md.git?.git_commit,
    },
  };
}

/** "tinyconfig", or "tinyconfig+12" with 12 fragments or options added. */
export function configNameOf(kconfig: string[]): string | undefined {
  if (kconfig.length === 0) return undefined;
  const base = kconfig[0].split('/').at(-1) ?? kconfig[0];
  return kconfig.length > 1 ? `${base}+${kconfig.length - 1}` : base;
}
