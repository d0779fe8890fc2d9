import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { moduleNewestFormat } from '../../src/encodings/module-sections.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import { DebianSource } from '../../src/kernels/debian.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { measureModule } from '../../src/measure/module-tables.js';
import { scratchDir } from '../helpers/fixtures.js';
import { readGolden, runGolden } from '../helpers/golden.js';
import { hasNewestGenerator, relocatedCopy, runNewestModule } from '../helpers/newest-generator.js';

/**
 * The newest generator's `--module` output against ours on the golden
 * kernel's own modules (Debian cloud-amd64 6.1.192-2, fetched into the cache
 * with its modules on first use): both line-info sections byte for byte,
 * and their anchors. Every 20th module in path order and the named ones; the
 * whole set (1,121 modules) was compared the same way when this was written.
 */

const dir = scratchDir('module-newest-golden');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMED = [
  'fs/xfs/xfs.ko',
  'fs/btrfs/btrfs.ko',
  'drivers/net/virtio_net.ko',
  'arch/x86/kvm/kvm.ko', // has .noinstr.text
  'net/netfilter/nf_tables.ko',
];

async function goldenModules(): Promise<string[]> {
  const g = readGolden('amd64-cloud-6.1');
  const flavour = g.debian_package.replace(/^linux-image-[0-9.]+-\d+-/, '').replace(/-dbg$/, '');
  const k = await new DebianSource(
    { flavour, version: g.package_version, modules: true },
    cacheRoot(),
  ).get();
  return [...k.modules].sort();
}

/** Our blobs for one module in one reading, compared with the generator's output on `input`. */
function compare(ko: string, input: string, relocation: 'upstream' | 'full'): void {
  const elf = ElfFile.open(ko);
  try {
    const ex = extractUpstream(elf, { rules: 'newest', relocation });
    const ms = ex.moduleSections!;
    const enc = moduleNewestFormat().encodeModule(ms.sections, ms.files, {
      littleEndian: elf.littleEndian,
      is64: elf.is64,
    });
    const gen = runNewestModule(input);
    expect(enc.blobs.map((b) => b.section).sort(), ko).toEqual(Object.keys(gen).sort());
    for (const b of enc.blobs) {
      const g = gen[b.section];
      expect(g.bytes.length, `${ko} ${b.section}`).toBe(b.bytes.length);
      expect(Buffer.from(g.bytes).equals(Buffer.from(b.bytes)), `${ko} ${b.section}`).toBe(true);
      expect(g.relocations.map((r) => [r.offset, r.section, r.type, r.addend])).toEqual(
        b.anchors.map((a) => [a.offset, a.section, 1 /* R_X86_64_64 */, 0]),
      );
    }
  } finally {
    elf.close();
  }
}

describe.runIf(runGolden && hasNewestGenerator())(
  'golden: the newest generator --module on Debian amd64 cloud 6.1 modules (LINEINFO_GOLDEN=1)',
  () => {
    it('xfs.ko: 104 units, the first read, 2,996 entries and 15 files; 76,541 fully relocated', {
      timeout: 600_000,
    }, async () => {
      const mods = await goldenModules();
      const xfs = mods.find((p) => p.endsWith('/fs/xfs/xfs.ko'))!;
      const m = measureModule(xfs, 'xfs.ko', 'newest');
      expect(m.upstream.units).toBe(104);
      expect(m.upstream.entries).toBe(2996);
      expect(m.upstream.files).toBe(15);
      expect(m.full.entries).toBe(76541);
      expect(m.full.sections!.map((s) => [s.name, s.entries])).toEqual([
        ['.text', 76276],
        ['.exit.text', 15],
        ['.init.text', 250],
      ]);
      expect(m.causes).toEqual(['debug-info']);
    });

    it('upstream reading: both sections and their anchors byte for byte, on 60 modules', {
      timeout: 600_000,
    }, async () => {
      const mods = await goldenModules();
      expect(mods.length).toBe(1121);
      const picked = mods.filter((p, i) => i % 20 === 0 || NAMED.some((n) => p.endsWith(`/${n}`)));
      expect(picked.length).toBeGreaterThanOrEqual(60);
      for (const ko of picked) compare(ko, ko, 'upstream');
    });

    it('full reading: equal to the generator run on copies with .debug_info relocated beforehand', {
      timeout: 600_000,
    }, async () => {
      const mods = await goldenModules();
      const picked = mods.filter((p, i) => i % 100 === 0 || NAMED.some((n) => p.endsWith(`/${n}`)));
      for (const ko of picked) {
        const copy = relocatedCopy(ko, dir, ['.debug_info']);
        compare(ko, copy, 'full');
        rmSync(copy);
      }
    });
  },
);
