import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import {
  debugInfoLines,
  detectDialect,
  listRecipes,
  loadRecipe,
  verifyConfig,
} from '../../src/kernels/recipes.js';
import { identifySource, prepareSource } from '../../src/kernels/sources.js';
import { tempDir } from './helpers.js';

const dir = tempDir('recipes');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recipes', () => {
  it('loads every shipped recipe, each asking for debug info explicitly', () => {
    const all = listRecipes();
    const names = all.map((r) => r.recipe.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'tinyconfig-dwarf5',
        'tinyconfig-dwarf4',
        'defconfig-dwarf5',
        'defconfig-mod2no-dwarf5',
      ]),
    );
    for (const r of all) {
      expect(r.file.endsWith(`${r.recipe.name}.json`)).toBe(true);
      expect(r.lines).toContain(`CONFIG_DEBUG_INFO_DWARF${r.recipe.debugInfo.dwarf}=y`);
      expect(r.lines).toEqual([
        ...debugInfoLines(r.recipe.debugInfo.dwarf, r.recipe.debugInfo.compression),
        ...r.userLines,
      ]);
      expect(r.lines).toContain(
        `CONFIG_DEBUG_INFO_COMPRESSED_${r.recipe.debugInfo.compression.toUpperCase()}=y`,
      );
    }
  });

  it('reads user fragments relative to the recipe file', () => {
    const r = loadRecipe('tinyconfig-kallsyms-dwarf5');
    expect(r.lines).toContain('CONFIG_KALLSYMS_ALL=y');
  });

  it('sets every member of the compression choice, so none is left to a default', () => {
    expect(debugInfoLines(5, 'zstd').filter((l) => l.includes('COMPRESSED'))).toEqual([
      '# CONFIG_DEBUG_INFO_COMPRESSED_NONE is not set',
      '# CONFIG_DEBUG_INFO_COMPRESSED_ZLIB is not set',
      'CONFIG_DEBUG_INFO_COMPRESSED_ZSTD=y',
    ]);
  });

  it('rejects bad recipes with the file named', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'bad',
        base: 'tinyconfig',
        debugInfo: { dwarf: 3, compression: 'none' },
      }),
    );
    expect(() => loadRecipe(bad)).toThrow(/"debugInfo.dwarf" must be 4 or 5/);
    writeFileSync(bad, '{ not json');
    expect(() => loadRecipe(bad)).toThrow(UserError);
    const missingFrag = join(dir, 'frag.json');
    writeFileSync(
      missingFrag,
      JSON.stringify({
        name: 'f',
        base: 'tinyconfig',
        fragments: ['nope.config'],
        debugInfo: { dwarf: 5, compression: 'none' },
      }),
    );
    expect(() => loadRecipe(missingFrag)).toThrow(/fragment not found/);
    expect(() => loadRecipe('no-such-recipe')).toThrow(/known recipes: .*tinyconfig-dwarf5/);
  });
});

describe('verifyConfig', () => {
  const lines = debugInfoLines(5, 'none');
  const good = [
    'CONFIG_DEBUG_KERNEL=y',
    'CONFIG_DEBUG_INFO=y',
    'CONFIG_DEBUG_INFO_DWARF5=y',
    'CONFIG_DEBUG_INFO_COMPRESSED_NONE=y',
    '# CONFIG_DEBUG_INFO_NONE is not set',
  ].join('\n');

  it('accepts a config with what was asked', () => {
    expect(verifyConfig(good, lines, 5, 'none')).toEqual([]);
  });

  it('names each thing dropped', () => {
    const dropped = good
      .replace('CONFIG_DEBUG_INFO=y', '# CONFIG_DEBUG_INFO is not set')
      .replace('CONFIG_DEBUG_INFO_DWARF5=y', 'CONFIG_DEBUG_INFO_DWARF4=y');
    const p = verifyConfig(dropped, lines, 5, 'none');
    expect(p).toContain('CONFIG_DEBUG_INFO is not y (debug info dropped)');
    expect(p).toContain('CONFIG_DEBUG_INFO_DWARF5 is not y (DWARF 5 not available here)');
    expect(p).toContain('CONFIG_DEBUG_INFO_DWARF4=y, asked not set');
  });

  it('says once that a compression choice was dropped, and what it needs', () => {
    const zstd = debugInfoLines(5, 'zstd');
    // what olddefconfig leaves when the toolchain cannot do zstd: the choice falls back to none
    expect(verifyConfig(good, zstd, 5, 'zstd')).toEqual([
      'CONFIG_DEBUG_INFO_COMPRESSED_ZSTD is not y (compression zstd not selected; it needs gcc -gz=zstd and ld --compress-debug-sections=zstd)',
      'CONFIG_DEBUG_INFO_COMPRESSED_NONE=y, asked not set',
    ]);
  });

  it('catches a user option Kconfig refused', () => {
    expect(verifyConfig(good, [...lines, 'CONFIG_KALLSYMS=y'], 5, 'none')).toEqual([
      'CONFIG_KALLSYMS=(not set), asked y',
    ]);
  });
});

describe('the Kconfig compression trap, on real Kconfig (linux-source-6.12, arm64)', () => {
  it('turning off DEBUG_INFO_COMPRESSED_NONE alone selects zlib; our fragment keeps none, and verifyConfig tells them apart', async () => {
    const cache = cacheRoot();
    const spec = { kind: 'tarball' as const };
    const src = await prepareSource(spec, await identifySource(spec, cache), cache);
    const make = (out: string, target: string) =>
      execFileSync(
        'make',
        ['-C', src, `O=${out}`, 'ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-', target],
        { stdio: 'ignore' },
      );
    const run = (name: string, fragment: string[]) => {
      const out = join(dir, name);
      make(out, 'tinyconfig');
      appendFileSync(join(out, '.config'), `\n${fragment.join('\n')}\n`);
      make(out, 'olddefconfig');
      return readFileSync(join(out, '.config'), 'utf8');
    };
    const naive = run('naive', [
      'CONFIG_DEBUG_KERNEL=y',
      'CONFIG_DEBUG_INFO_DWARF5=y',
      '# CONFIG_DEBUG_INFO_COMPRESSED_NONE is not set',
    ]);
    expect(naive).toContain('CONFIG_DEBUG_INFO_COMPRESSED_ZLIB=y');
    expect(verifyConfig(naive, [], 5, 'none')).toContain(
      'CONFIG_DEBUG_INFO_COMPRESSED_NONE is not y (compression none not selected)',
    );

    const ours = run('ours', debugInfoLines(5, 'none'));
    expect(ours).toContain('CONFIG_DEBUG_INFO_COMPRESSED_NONE=y');
    expect(ours).toContain('CONFIG_DEBUG_INFO_DWARF5=y');
    expect(verifyConfig(ours, debugInfoLines(5, 'none'), 5, 'none')).toEqual([]);
    // 600 s, not 240: two trees each run tinyconfig and olddefconfig, and 6.12's arm64 Kconfig
    // probes the cross compiler dozens of times per pass. With kernel builds beside it on this
    // 2-core machine (load 9) one tree took 71 s + 30 s (21 s of CPU); the test passed 240 s alone
    // and in the whole suite, and took 399 s with run-report.test.ts as the other worker.
  }, 600_000);
});

describe('Linux 6.1 spells compression as one bool (linux-source-6.1, arm64, real Kconfig)', () => {
  it('detects the dialect, keeps debug info uncompressed with DWARF 5, and refuses zstd', async () => {
    const cache = cacheRoot();
    const spec = { kind: 'tarball' as const, tarball: '/usr/src/linux-source-6.1.tar.xz' };
    const src = await prepareSource(spec, await identifySource(spec, cache), cache);
    const dialect = detectDialect(src);
    expect(dialect).toEqual({ compressionChoice: false });
    expect(
      detectDialect(
        await prepareSource(
          { kind: 'tarball' },
          await identifySource({ kind: 'tarball' }, cache),
          cache,
        ),
      ),
    ).toEqual({
      compressionChoice: true,
    });
    expect(() => debugInfoLines(5, 'zstd', dialect)).toThrow(/needs Linux 6.2 or later/);
    const lines = debugInfoLines(5, 'none', dialect);
    expect(lines).toContain('# CONFIG_DEBUG_INFO_COMPRESSED is not set');
    const out = join(dir, 'v61');
    const make = (target: string) =>
      execFileSync(
        'make',
        ['-C', src, `O=${out}`, 'ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-', target],
        { stdio: 'ignore' },
      );
    make('tinyconfig');
    appendFileSync(join(out, '.config'), `\n${lines.join('\n')}\n`);
    make('olddefconfig');
    const text = readFileSync(join(out, '.config'), 'utf8');
    expect(text).toMatch(/^# Linux\/arm64 6\.1\.\d+ Kernel Configuration$/m);
    expect(verifyConfig(text, lines, 5, 'none', dialect)).toEqual([]);
    // the 6.2+ spelling would not survive on 6.1: verification says so
    expect(verifyConfig(text, lines, 5, 'none')).toContain(
      'CONFIG_DEBUG_INFO_COMPRESSED_NONE is not y (compression none not selected)',
    );
  }, 300_000);
});
