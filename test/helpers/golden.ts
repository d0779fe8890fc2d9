import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../../src/kernels/cache.js';
import { DebianSource } from '../../src/kernels/debian.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** shared/ lies beside the project's root (CI lays a copy there); LINEINFO_BENCH_SHARED overrides. */
export const GOLDEN_DIR = join(
  process.env.LINEINFO_BENCH_SHARED ?? join(root, '..', 'shared'),
  'golden',
);

export interface GoldenKernel {
  kernel: string;
  debian_package: string;
  package_version: string;
  vmlinux: string;
  entries: number;
  files: number;
  blocks: number;
  block_addrs_bytes: number;
  block_offsets_bytes: number;
  data_bytes: number;
  file_offsets_bytes: number;
  filenames_bytes: number;
  rodata_bytes_with_padding: number;
  entries_sha256: string;
  blocks_bytes_per_entry_index_and_data: number;
  flat_bytes_arrays: number;
  filenames_sha256: string;
  /** The newest generator's file: each lineinfo_* part in bytes, and v4's counts beside. */
  parts_bytes?: Record<string, number>;
  v4_entries?: number;
  v4_files?: number;
}

export function readGolden(name: string): GoldenKernel {
  const path = join(GOLDEN_DIR, `${name}.json`);
  if (!existsSync(path)) {
    throw new Error(
      `${path}: no golden figures (shared/ must lie beside the repository, or set LINEINFO_BENCH_SHARED)`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenKernel;
}

/**
 * The golden kernel's vmlinux, fetched with apt-get download and extracted
 * into the cache outside the repository on first use (283 MB, a few seconds
 * here), through the kernels part's Debian source.
 */
export async function goldenVmlinux(g: GoldenKernel): Promise<string> {
  const flavour = g.debian_package.replace(/^linux-image-[0-9.]+-\d+-/, '').replace(/-dbg$/, '');
  const k = await new DebianSource({ flavour, version: g.package_version }, cacheRoot()).get();
  return k.vmlinux;
}

/** Golden tests download a 283 MB package: they run in CI and when LINEINFO_GOLDEN=1. */
export const runGolden = process.env.LINEINFO_GOLDEN === '1' || process.env.CI === 'true';
