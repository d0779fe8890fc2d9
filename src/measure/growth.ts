import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type ElfFile, SHF } from '../elf/elf-file.js';

/** A size the table's bytes are compared with. */
export interface GrowthBase {
  /** Short id used as a column name: loaded, image, image-compressed. */
  id: string;
  /** What it is, said in full for the output. */
  name: string;
  /**
   * What every report calls it, short: "loaded size", "covered code", or the
   * boot image's file name (bzImage, Image, vmlinuz...). Absent in runs saved
   * before it was recorded: baseLabel() derives it from the name.
   */
  label?: string;
  bytes: number;
}

/** Labels of the bases that are not a file. */
export const LOADED_LABEL = 'loaded size';
export const CODE_LABEL = 'covered code';
/** For a boot image whose file name was not recorded. */
export const IMAGE_FALLBACK_LABEL = 'boot image';

/**
 * A boot image file's short name: Debian's vmlinuz-6.1.0-56-amd64 is a
 * vmlinuz, so its version suffix goes (the full name stays in the base's name).
 */
export function imageFileLabel(fileName: string): string {
  return fileName.replace(/-\d[\w.+~-]*$/, '') || fileName;
}

/**
 * What a report calls a base: its recorded label, else one derived from its
 * id and name (the boot image's file name is in the name, "boot image file
 * (bzImage), ..."), else a generic one, so old runs render too.
 */
export function baseLabel(b: Pick<GrowthBase, 'id' | 'name' | 'label'>): string {
  if (b.label) return b.label;
  if (b.id === 'loaded') return LOADED_LABEL;
  if (b.id === 'code') return CODE_LABEL;
  if (b.id === 'image') {
    const file = /^boot image file \(([^)]+)\)/.exec(b.name)?.[1];
    return file ? imageFileLabel(file) : IMAGE_FALLBACK_LABEL;
  }
  return b.id;
}

/** The loaded size: every SHF_ALLOC section of the vmlinux, .bss included (what the kernel occupies in memory). */
export function loadedBase(elf: ElfFile): GrowthBase {
  let bytes = 0;
  for (const s of elf.sections) if (s.flags & SHF.ALLOC) bytes += s.size;
  return {
    id: 'loaded',
    name: 'loaded size (all SHF_ALLOC sections of vmlinux)',
    label: LOADED_LABEL,
    bytes,
  };
}

export function imageBase(bootImage: string | undefined): GrowthBase | undefined {
  if (!bootImage || !existsSync(bootImage)) return undefined;
  const name = bootImage.slice(bootImage.lastIndexOf('/') + 1);
  return {
    id: 'image',
    name: `boot image file (${name})`,
    label: imageFileLabel(name),
    bytes: statSync(bootImage).size,
  };
}

/** The compressors a kernel's .config can select for its boot image, and the command line that compresses like it. */
const COMPRESSORS: Record<string, { config: string; cmd: string[] }> = {
  gzip: { config: 'CONFIG_KERNEL_GZIP', cmd: ['gzip', '-9', '-n', '-c'] },
  xz: { config: 'CONFIG_KERNEL_XZ', cmd: ['xz', '--check=crc32', '--lzma2=dict=32MiB', '-c'] },
  zstd: { config: 'CONFIG_KERNEL_ZSTD', cmd: ['zstd', '-22', '--ultra', '-c', '-q'] },
  lz4: { config: 'CONFIG_KERNEL_LZ4', cmd: ['lz4', '-l', '-9', '-c', '-q'] },
  lzo: { config: 'CONFIG_KERNEL_LZO', cmd: ['lzop', '-9', '-c'] },
  bzip2: { config: 'CONFIG_KERNEL_BZIP2', cmd: ['bzip2', '-9', '-c'] },
  lzma: { config: 'CONFIG_KERNEL_LZMA', cmd: ['lzma', '-9', '-c'] },
};

/** The boot image compressor a .config selects, if it says. */
export function configCompressor(configPath: string | undefined): string | undefined {
  if (!configPath || !existsSync(configPath)) return undefined;
  const text = readFileSync(configPath, 'utf8');
  for (const [name, c] of Object.entries(COMPRESSORS)) {
    if (new RegExp(`^${c.config}=y$`, 'm').test(text)) return name;
  }
  return undefined;
}

/**
 * How a boot image is compressed: undefined for an uncompressed one (arm64's
 * Image, vmlinux.bin); else the .config's choice, or what the name says.
 */
export function imageCompressor(
  bootImage: string,
  configPath: string | undefined,
): string | undefined {
  const name = bootImage.slice(bootImage.lastIndexOf('/') + 1);
  const ext = /\.(gz|bz2|lz4|lzma|xz|lzo|zst)$/.exec(name)?.[1];
  const compressed = ext !== undefined || /^(bzImage|zImage|vmlinuz)/.test(name);
  if (!compressed) return undefined;
  const byExt: Record<string, string> = {
    gz: 'gzip',
    bz2: 'bzip2',
    lz4: 'lz4',
    lzma: 'lzma',
    xz: 'xz',
    lzo: 'lzo',
    zst: 'zstd',
  };
  return (ext ? byExt[ext] : undefined) ?? configCompressor(configPath) ?? 'gzip';
}

/**
 * The table's bytes compressed as the boot image would compress them: an
 * estimate of what the table adds to the compressed image. Undefined when
 * the compressor's command is not installed.
 */
export function compressedSize(bytes: Uint8Array, compressor: string): number | undefined {
  const c = COMPRESSORS[compressor];
  if (!c) return undefined;
  const p = spawnSync(c.cmd[0], c.cmd.slice(1), { input: bytes, maxBuffer: 1 << 30 });
  if (p.error || p.status !== 0) return undefined;
  return p.stdout.length;
}

/** Growth in percent of `base` (2 decimals, as reviewers quote it). */
export function growthPercent(tableBytes: number, base: number): number {
  return Math.round((10000 * tableBytes) / base) / 100;
}
