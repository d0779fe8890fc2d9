import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lays a finished build's O= directory out as TuxMake leaves its output
 * folder (docs/targets.md, docs/metadata.md of TuxMake): `vmlinux.xz` (the
 * debugkernel target), `config`, the boot image under its own name (the
 * kernel target), `System.map`, `modules.tar.xz` holding lib/modules/<release>/
 * (the modules target; made here from the given .ko files), and
 * `metadata.json` with the build, compiler, source and results groups.
 */
export function tuxmakeFolder(opts: {
  out: string;
  dest: string;
  targetArch: string;
  toolchain: string;
  kconfig: string[];
  bootImage?: string;
  compiler: { name: string; version: string; version_full: string };
  release: string;
  modules?: string[];
}): string {
  const { out, dest } = opts;
  mkdirSync(dest, { recursive: true });
  execFileSync('sh', [
    '-c',
    'xz -T2 -3 -c "$0" > "$1"',
    join(out, 'vmlinux'),
    join(dest, 'vmlinux.xz'),
  ]);
  copyFileSync(join(out, '.config'), join(dest, 'config'));
  if (existsSync(join(out, 'System.map')))
    copyFileSync(join(out, 'System.map'), join(dest, 'System.map'));
  const artifacts: Record<string, string[]> = {
    config: ['config'],
    debugkernel: ['vmlinux.xz', 'System.map'],
  };
  const targets = ['config', 'debugkernel'];
  if (opts.bootImage) {
    const name = opts.bootImage.split('/').at(-1)!;
    copyFileSync(join(out, opts.bootImage), join(dest, name));
    artifacts.kernel = [name];
    targets.push('kernel');
  }
  if (opts.modules?.length) {
    const root = join(dest, '.modinstall');
    const kdir = join(root, 'lib', 'modules', opts.release, 'kernel', 'lib');
    mkdirSync(kdir, { recursive: true });
    for (const m of opts.modules) copyFileSync(m, join(kdir, m.split('/').at(-1)!));
    execFileSync('tar', ['cJf', join(dest, 'modules.tar.xz'), '-C', root, 'lib']);
    execFileSync('rm', ['-rf', root]);
    artifacts.modules = ['modules.tar.xz'];
    targets.push('modules');
  }
  const [kconfig, ...kconfigAdd] = opts.kconfig;
  const metadata = {
    build: {
      targets,
      target_arch: opts.targetArch,
      toolchain: opts.toolchain,
      wrapper: 'none',
      environment: {},
      kconfig,
      kconfig_add: kconfigAdd,
      jobs: 2,
      runtime: 'null',
      verbose: false,
    },
    compiler: opts.compiler,
    source: { kernelrelease: opts.release, kernelversion: opts.release },
    results: {
      status: 'PASS',
      targets: Object.fromEntries(targets.map((t) => [t, { status: 'PASS', duration: 1 }])),
      artifacts,
      errors: 0,
      warnings: 0,
    },
  };
  writeFileSync(join(dest, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return dest;
}
