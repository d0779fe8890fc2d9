import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import {
  type BuildDone,
  type BuildResult,
  type ResolvedBuild,
  resolveBuild,
  runBuild,
} from '../../src/kernels/build.js';
import { sourceDirOf } from '../../src/kernels/build-dirs.js';
import { cacheRoot, isDone, readDone } from '../../src/kernels/cache.js';
import { describeLocal } from '../../src/kernels/local.js';
import { type MatrixEvent, runMatrix, writeBuildRecord } from '../../src/kernels/matrix.js';
import { parseKconfig } from '../../src/kernels/metadata.js';
import { identifySource, prepareSource } from '../../src/kernels/sources.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { checkGenerator } from '../../src/measure/generator.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { tempDir } from './helpers.js';

const SHARED = join(GOLDEN_DIR, '..');

/**
 * One real cross build: arm64 tinyconfig + DWARF 5 from Debian's
 * linux-source-6.12, about 2-3 minutes on 2 cores the first time, cached
 * outside the repository (LINEINFO_BENCH_CACHE or ~/.cache/lineinfo-bench) so
 * a rerun takes a second. The other tests reuse its source tree and output.
 */
const cache = cacheRoot();
const dir = tempDir('build');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  source: { kind: 'tarball' as const },
  arch: 'arm64',
  recipe: 'tinyconfig-dwarf5',
  compiler: 'gcc' as const,
};
let build: ResolvedBuild;
let result: BuildResult;

/** A scratch cache that shares the extracted sources with the real one. */
async function scratchCache(name: string): Promise<string> {
  const c = join(dir, name);
  mkdirSync(c, { recursive: true });
  const src = { kind: 'tarball' as const };
  await prepareSource(src, await identifySource(src, cache), cache);
  if (!existsSync(join(c, 'src'))) symlinkSync(join(cache, 'src'), join(c, 'src'));
  return c;
}

beforeAll(async () => {
  build = await resolveBuild(spec, { cache });
  result = await runBuild(build, { cache, makeJobs: 2 });
  if (!result.kernel)
    throw new Error(`arm64 build failed: ${result.error}\n${(result.logTail ?? []).join('\n')}`);
}, 1_200_000);

describe('a real arm64 tinyconfig + DWARF 5 cross build', () => {
  it('yields a kernel whose metadata matches the ELF, the .config and the compiler', () => {
    const k = result.kernel!;
    expect(['built', 'cached']).toContain(result.status);
    expect(k.vmlinux).toBe(join(build.dir, 'out', 'vmlinux'));
    expect(k.metadata).toMatchObject({
      arch: 'arm64',
      kernelArch: 'arm64',
      bits: 64,
      endianness: 'little',
      dwarfVersion: 5,
      compiler: 'gcc',
    });
    // readelf agrees on the machine and the DWARF version
    expect(execFileSync('readelf', ['-h', k.vmlinux], { encoding: 'utf8' })).toMatch(
      /Machine:\s+AArch64/,
    );
    const info = execFileSync(
      'sh',
      ['-c', 'readelf --debug-dump=info "$0" 2>/dev/null | head -n 20', k.vmlinux],
      { encoding: 'utf8' },
    );
    expect(info).toMatch(/Version:\s+5/);
    const cc = execFileSync('aarch64-linux-gnu-gcc', ['--version'], { encoding: 'utf8' }).split(
      '\n',
    )[0];
    expect(k.metadata.compilerText).toBe(cc);
    expect(k.metadata.kernelVersion).toMatch(/^6\.12\.\d+/);
    const cfg = parseKconfig(readFileSync(k.config!, 'utf8'));
    expect(cfg.get('CONFIG_DEBUG_INFO_DWARF5')).toBe('y');
    expect(cfg.get('CONFIG_DEBUG_INFO_COMPRESSED_NONE')).toBe('y');
    expect(k.provenance).toMatchObject({
      kind: 'build',
      source: 'tarball',
      jobKey: build.key,
      patches: [],
    });
    expect((k.provenance as { ref: string }).ref).toMatch(/^linux-source-6\.12=6\.12\./);
    // the recipe builds no modules
    expect(k.modules).toEqual([]);
  });

  it('marked the build done with its timings, and a second run is a cache hit', async () => {
    const done = readDone<{ seconds: number; makeJobs: number; key: string }>(build.dir)!;
    expect(done.key).toBe(build.key);
    expect(done.makeJobs).toBe(2);
    expect(done.seconds).toBeGreaterThan(10);
    const again = await runBuild(await resolveBuild(spec, { cache }), { cache });
    expect(again.status).toBe('cached');
  });

  it('makes the boot image after vmlinux: arm64 Image whose header gives _end - _text', () => {
    const k = result.kernel!;
    expect(k.bootImage).toBe(join(build.dir, 'out', 'arch/arm64/boot/Image'));
    const done = readDone<BuildDone>(build.dir)!;
    expect(done.bootImage).toMatchObject({ target: 'Image' });
    const image = readFileSync(k.bootImage!);
    // arm64's boot header (Documentation/arch/arm64/booting.rst): magic at 56, image_size at 16
    expect(image.subarray(56, 60).toString('latin1')).toBe('ARM\x64');
    const elf = ElfFile.open(k.vmlinux);
    try {
      const size = elf.symbolValue('_end')! - elf.symbolValue('_text')!;
      expect(image.readBigUInt64LE(16)).toBe(size);
    } finally {
      elf.close();
    }
  });

  it("gives the newest generator's table exactly, with the build's own roots as kbuild passes them", () => {
    const k = result.kernel!;
    // objtree (the O= directory), then srctree (the source it includes)
    expect(k.buildRoots).toEqual([join(build.dir, 'out'), sourceDirOf(join(build.dir, 'out'))]);
    expect(k.buildRoots![1]).not.toBe(k.buildRoots![0]);
    const r = checkGenerator(join(SHARED, 'upstream', 'post-v7-patch2'), k.vmlinux, {
      buildRoots: k.buildRoots,
    });
    expect(r.generator.revision).toBe('newest');
    expect(r.outcome).toBe('exact');
    // every name kernel-relative, as the build would print it
    const elf = ElfFile.open(k.vmlinux);
    const ours = extractUpstream(elf, { rules: 'newest', buildRoots: k.buildRoots });
    elf.close();
    expect(ours.buildRoots).toEqual(k.buildRoots);
    expect(ours.table.files.filter((f) => f.startsWith('/') || f.startsWith('..'))).toEqual([]);
    expect(r.comparison?.entries.ours).toBe(ours.table.count);
  }, 120_000);

  it('the build directory reads the same as a local kernel', () => {
    const local = describeLocal({ path: join(build.dir, 'out') });
    expect(local.metadata).toEqual({
      ...result.kernel!.metadata,
      configName: 'out',
      kernelVersion: local.metadata.kernelVersion,
    });
    expect(local.metadata.kernelVersion).toBe(
      readFileSync(join(build.dir, 'out/include/config/kernel.release'), 'utf8').trim(),
    );
    expect(local.provenance.kind).toBe('path');
  });

  it('keys jobs by source, arch, config and compiler', async () => {
    const again = await resolveBuild(spec, { cache });
    expect(again.key).toBe(build.key);
    const dwarf4 = await resolveBuild({ ...spec, recipe: 'tinyconfig-dwarf4' }, { cache });
    const x86 = await resolveBuild({ ...spec, arch: 'x86_64' }, { cache });
    const clang = await resolveBuild({ ...spec, compiler: 'clang' }, { cache });
    const keys = new Set([build.key, dwarf4.key, x86.key, clang.key]);
    expect(keys.size).toBe(4);
    expect(build.dir.startsWith(join(cache, 'builds'))).toBe(true);
    expect(build.dir).not.toContain('/work/main/');
  });

  it('writes a small build-time record', () => {
    const out = join(dir, 'records');
    const path = writeBuildRecord(out, readDone(build.dir)!, result.kernel!.metadata.kernelVersion);
    const rec = JSON.parse(readFileSync(path, 'utf8'));
    expect(path).toBe(join(out, 'arm64-tinyconfig-dwarf5-gcc.json'));
    expect(rec).toMatchObject({
      arch: 'arm64',
      recipe: 'tinyconfig-dwarf5',
      compiler: 'gcc',
      makeJobs: 2,
    });
    const d = readDone<{ configSeconds: number; makeSeconds: number }>(build.dir)!;
    expect(rec.seconds).toBeCloseTo(d.configSeconds + d.makeSeconds, 1);
  });
});

describe('resume after a kill', () => {
  it('a killed build has no done marker; run again, make picks up where it stopped', async () => {
    // A copy of the finished build with its vmlinux gone: make must relink, not recompile.
    const c = await scratchCache('resume');
    const b = await resolveBuild(spec, { cache: c });
    mkdirSync(join(c, 'builds'), { recursive: true });
    execFileSync('cp', ['-a', build.dir, b.dir]);
    rmSync(join(b.dir, 'done.json'));
    rmSync(join(b.dir, 'out', 'vmlinux'));
    const ac = new AbortController();
    const killed = await runBuild(b, {
      cache: c,
      signal: ac.signal,
      onProgress: (t) => {
        if (/ build: /.test(t)) ac.abort(); // make has started on vmlinux: kill it
      },
    });
    expect(killed.status).toBe('killed');
    expect(isDone(b.dir)).toBe(false);
    expect(existsSync(join(b.dir, 'out', 'vmlinux'))).toBe(false);
    expect(readFileSync(killed.log, 'utf8')).toMatch(/# exit (null|SIGKILL)/);

    const resumed = await runBuild(b, { cache: c });
    expect(resumed.status).toBe('built');
    expect(isDone(b.dir)).toBe(true);
    expect(resumed.done!.resumed).toBe(true);
    expect(resumed.done!.configSeconds).toBe(0); // config kept from before
    const full = readDone<{ makeSeconds: number }>(build.dir)!.makeSeconds;
    expect(resumed.done!.makeSeconds).toBeLessThan(full / 2);
    // the last make run compiled (almost) nothing
    const lastRun = readFileSync(resumed.log, 'utf8').split('\n$ make').pop()!;
    expect(lastRun.split('\n').filter((l) => /^\s+CC\s/.test(l)).length).toBeLessThan(5);
    expect(resumed.kernel!.metadata.dwarfVersion).toBe(5);
  }, 600_000);
});

describe('config verification and the matrix', () => {
  it('fails clearly when the arch drops an asked-for option, and the matrix goes on', async () => {
    const c = await scratchCache('matrix');
    // the finished arm64 build, reachable from the scratch cache
    const b = await resolveBuild(spec, { cache: c });
    mkdirSync(join(c, 'builds'), { recursive: true });
    symlinkSync(build.dir, b.dir);
    const recipe = join(dir, 'arm64-x32.json');
    writeFileSync(
      recipe,
      JSON.stringify({
        name: 'tiny-x32',
        base: 'tinyconfig',
        options: ['CONFIG_X86_X32_ABI=y'],
        debugInfo: { dwarf: 5, compression: 'none' },
      }),
    );
    const events: MatrixEvent[] = [];
    const results = await runMatrix(
      {
        jobs: [{ ...spec, arch: 'vax' }, { ...spec, recipe }, spec],
        parallel: 1,
        makeJobs: 2,
      },
      { cache: c, onEvent: (e) => events.push(e) },
    );
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'cached']);
    expect(results[0].error).toMatch(/unknown arch 'vax'; known: x86_64, i386, arm64/);
    expect(results[1].error).toMatch(
      /after olddefconfig, arm64 dropped what the recipe asked: CONFIG_X86_X32_ABI=\(not set\), asked y/,
    );
    expect(results[1].result!.logTail!.length).toBeGreaterThan(0);
    expect(isDone(results[1].result!.build.dir)).toBe(false);
    expect(results[2].result!.kernel!.vmlinux).toBe(join(b.dir, 'out', 'vmlinux'));
    // one job at a time: each starts after the previous ended
    const order = events.filter((e) => e.type !== 'progress').map((e) => `${e.type}${e.index}`);
    expect(order).toEqual(['start0', 'end0', 'start1', 'end1', 'start2', 'end2']);
  }, 600_000);
});
