import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile, SHF } from '../../src/elf/elf-file.js';
import {
  baseLabel,
  compressedSize,
  configCompressor,
  growthPercent,
  imageCompressor,
  imageFileLabel,
  loadedBase,
} from '../../src/measure/growth.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

describe('growth bases', () => {
  it('the loaded size sums every SHF_ALLOC section, as readelf lists them', () => {
    const path = buildFixture('gcc-dwarf5');
    const elf = ElfFile.open(path);
    const ours = loadedBase(elf).bytes;
    elf.close();
    // readelf -S -W: flags column contains A for SHF_ALLOC
    const text = execSync(`readelf -S -W ${path}`, { encoding: 'utf8' });
    let sum = 0;
    for (const m of text.matchAll(
      /^\s*\[\s*\d+\]\s+\S+\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*A\S*)\s/gm,
    )) {
      sum += Number.parseInt(m[1], 16);
    }
    expect(ours).toBe(sum);
    expect(ours).toBeGreaterThan(1000);
    expect(SHF.ALLOC).toBe(2);
  });

  it('compresses the table as the boot image would, with the real tool', () => {
    const d = scratchDir('growth');
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    const f = join(d, 'table.bin');
    writeFileSync(f, bytes);
    const gz = Number(execSync(`gzip -9 -n -c ${f} | wc -c`, { encoding: 'utf8' }).trim());
    expect(compressedSize(bytes, 'gzip')).toBe(gz);
    const lz4 = Number(execSync(`lz4 -l -9 -c -q ${f} | wc -c`, { encoding: 'utf8' }).trim());
    expect(compressedSize(bytes, 'lz4')).toBe(lz4);
  });

  it('knows a compressed boot image and its compressor from the .config or the name', () => {
    const d = scratchDir('cfg');
    const cfg = join(d, '.config');
    writeFileSync(cfg, '# CONFIG_KERNEL_GZIP is not set\nCONFIG_KERNEL_ZSTD=y\n');
    expect(configCompressor(cfg)).toBe('zstd');
    expect(imageCompressor('/b/arch/x86/boot/bzImage', cfg)).toBe('zstd');
    expect(imageCompressor('/b/arch/arm64/boot/Image.gz', cfg)).toBe('gzip');
    expect(imageCompressor('/b/arch/arm64/boot/Image', cfg)).toBeUndefined();
    expect(imageCompressor('/boot/vmlinuz-6.1.0-56-cloud-amd64', undefined)).toBe('gzip');
  });

  it('rounds growth to two decimals as reviewers quote it', () => {
    expect(growthPercent(4_618_726, 14_186_432)).toBe(32.56);
    expect(growthPercent(1, 3)).toBe(33.33);
  });
});

describe('baseLabel: what every report calls a growth base', () => {
  it('is the recorded label when there is one', () => {
    expect(baseLabel({ id: 'image', name: 'boot image file (bzImage)', label: 'bzImage' })).toBe(
      'bzImage',
    );
  });

  it('is derived from the name for runs saved before labels were (the file, without its version)', () => {
    const image = (file: string) => ({
      id: 'image',
      name: `boot image file (${file}), table bytes compressed with xz as the image is`,
    });
    expect(baseLabel(image('bzImage'))).toBe('bzImage');
    expect(baseLabel(image('vmlinux.gz'))).toBe('vmlinux.gz');
    expect(baseLabel(image('vmlinuz-6.1.0-56-cloud-amd64'))).toBe('vmlinuz');
    expect(baseLabel(image('Image.gz'))).toBe('Image.gz');
    expect(
      baseLabel({ id: 'loaded', name: 'loaded size (all SHF_ALLOC sections of vmlinux)' }),
    ).toBe('loaded size');
    expect(
      baseLabel({ id: 'code', name: 'code the table covers (first to last entry, v1-v4 rules)' }),
    ).toBe('covered code');
  });

  it('falls back to a generic name when the file is not in the name, and never calls two bases alike', () => {
    expect(baseLabel({ id: 'image', name: 'something else' })).toBe('boot image');
    expect(baseLabel({ id: 'other', name: 'x' })).toBe('other');
    expect(imageFileLabel('zImage')).toBe('zImage');
  });
});
