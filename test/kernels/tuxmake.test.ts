import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { type BuildResult, resolveBuild, runBuild } from '../../src/kernels/build.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import { parseKernelSpec } from '../../src/kernels/resolve.js';
import { validateRunConfig } from '../../src/results/config.js';
import { executeRun } from '../../src/results/run.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { tempDir } from './helpers.js';
import { tuxmakeFolder } from './tuxmake-folder.js';

/**
 * A TuxMake output folder made from a real build: the arm64 tinyconfig +
 * DWARF 5 build that test/kernels/build.test.ts makes (cached; about 3
 * minutes on 2 cores when the cache is new), laid out as TuxMake lays it out.
 */
const dir = tempDir('tuxmake');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

let build: BuildResult;
let folder: string;
const env = () => ({ LINEINFO_BENCH_CACHE: join(dir, 'cache') });

beforeAll(async () => {
  const cache = cacheRoot();
  const b = await resolveBuild(
    { source: { kind: 'tarball' }, arch: 'arm64', recipe: 'tinyconfig-dwarf5', compiler: 'gcc' },
    { cache },
  );
  build = await runBuild(b, { cache, makeJobs: 2 });
  if (!build.kernel) throw new Error(`arm64 build failed: ${build.error}`);
  const out = join(b.dir, 'out');
  // two .ko-like objects for modules.tar.xz (relocatable ELF, as a .ko is)
  const kos = ['crc4', 'crc7'].map((name) => {
    const c = join(dir, `${name}.c`);
    writeFileSync(c, `int ${name}_value(int x) { return x * 3 + ${name.length}; }\n`);
    const ko = join(dir, `${name}.ko`);
    execFileSync('aarch64-linux-gnu-gcc', ['-gdwarf-5', '-O1', '-c', c, '-o', ko]);
    return ko;
  });
  folder = tuxmakeFolder({
    out,
    dest: join(dir, 'arm64-tinyconfig-gcc'),
    targetArch: 'arm64',
    toolchain: 'gcc-12',
    kconfig: ['tinyconfig', ...b.arch.fragment, ...b.recipe.lines],
    bootImage: b.arch.bootImage,
    compiler: { name: 'gcc', version: '12.2.0', version_full: build.done!.compilerText },
    release: build.kernel.metadata.kernelVersion ?? '6.12.117',
    modules: kos,
  });
}, 1_200_000);

describe('a TuxMake output folder as a kernel', () => {
  it('kernels get tuxmake reads arch, compiler and config from metadata.json; vmlinux.xz is unpacked into the cache', async () => {
    const p = fakeProcess(['kernels', 'get', 'tuxmake', folder, '--json'], env());
    expect(await run(p.proc), p.stderr()).toBe(0);
    const k = JSON.parse(p.stdout());
    expect(k.metadata).toMatchObject({
      arch: 'arm64',
      kernelArch: 'arm64',
      bits: 64,
      endianness: 'little',
      dwarfVersion: 5,
      compiler: 'gcc',
      compilerVersion: '12.2.0',
      compilerText: build.done!.compilerText,
      kernelVersion: build.kernel!.metadata.kernelVersion,
      configHash: build.kernel!.metadata.configHash,
    });
    // tinyconfig plus the arm64 fragment (none) and the recipe's debug-info lines
    expect(build.build.recipe.lines.length).toBe(11);
    expect(k.metadata.configName).toBe('tinyconfig+11');
    expect(k.vmlinux.startsWith(join(dir, 'cache', 'tuxmake', 'vmlinux-'))).toBe(true);
    expect(sha(k.vmlinux)).toBe(sha(build.kernel!.vmlinux));
    expect(k.config).toBe(join(folder, 'config'));
    expect(k.bootImage).toBe(join(folder, 'Image'));
    expect(k.modules).toEqual([]);
    expect(k.provenance).toEqual({
      kind: 'tuxmake',
      dir: folder,
      targetArch: 'arm64',
      toolchain: 'gcc-12',
      kconfig: ['tinyconfig', ...build.build.recipe.lines],
    });
    // a second read finds the unpacked vmlinux (same path, not unpacked again)
    const again = fakeProcess(['kernels', 'get', 'tuxmake', folder, '--json'], env());
    expect(await run(again.proc)).toBe(0);
    expect(JSON.parse(again.stdout()).vmlinux).toBe(k.vmlinux);
  });

  it('--modules unpacks modules.tar.xz and lists its .ko files', async () => {
    const p = fakeProcess(['kernels', 'get', 'tuxmake', folder, '--modules'], env());
    expect(await run(p.proc), p.stderr()).toBe(0);
    expect(p.stdout()).toMatch(/^modules: {4}2$/m);
    expect(p.stdout()).toMatch(
      /^from: {7}TuxMake build .*target_arch arm64, toolchain gcc-12, kconfig tinyconfig CONFIG_DEBUG_KERNEL=y/m,
    );
  });

  it('tuxmake:DIR and a plain folder path both resolve to it; a wrong arch is named', () => {
    expect(parseKernelSpec(`tuxmake:${folder}`)).toEqual({ tuxmake: folder, modules: false });
    // the same folder, its metadata.json saying x86_64
    const bad = join(dir, 'mislabelled');
    cpSync(folder, bad, { recursive: true });
    const md = JSON.parse(readFileSync(join(bad, 'metadata.json'), 'utf8'));
    md.build.target_arch = 'x86_64';
    writeFileSync(join(bad, 'metadata.json'), JSON.stringify(md));
    return expect(
      (async () => {
        const p = fakeProcess(['kernels', 'get', 'local', bad], env());
        expect(await run(p.proc)).toBe(2);
        return p.stderr();
      })(),
    ).resolves.toMatch(/target_arch x86_64 \(ARCH=x86\), but the vmlinux is arm64/);
  });

  it('a run config entry { "tuxmake": DIR } measures the same figures as the build directory itself', async () => {
    const config = validateRunConfig(
      {
        name: 'tuxmake-vs-build',
        kernels: [
          { id: 'from-tuxmake', tuxmake: folder },
          { id: 'from-build', local: join(build.build.dir, 'out') },
        ],
        formats: ['flat', 'blocks:64'],
        // rules whose paths do not depend on the build roots (a TuxMake folder has none)
        rules: ['v1-v4'],
        measure: { verifySamples: 2000 },
      },
      'inline',
    );
    const r = await executeRun(config, { cache: join(dir, 'cache') });
    expect(r.failures).toEqual([]);
    const [tux, local] = r.kernels;
    expect(tux.provenance.kind).toBe('tuxmake');
    expect(local.provenance.kind).toBe('path');
    expect(tux.measure.tables.length).toBeGreaterThan(0);
    // every table: entries, bytes, buckets and growth over both bases (loaded, boot image)
    expect(tux.measure.tables).toEqual(local.measure.tables);
    expect(tux.measure.bases).toEqual(local.measure.bases);
    expect(tux.measure.bases.map((b) => b.id)).toContain('image');
    expect(tux.measure.tables[0].entries).toBeGreaterThan(10_000);
  }, 600_000);
});
