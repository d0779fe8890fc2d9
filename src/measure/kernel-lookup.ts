import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { harnessSource } from './native.js';

/**
 * The kernel-ready lookups (src/measure/native/*.h) compiled as a kernel
 * would compile them: freestanding, no builtins, warnings as errors, the
 * arch's kernel code model and no FPU/SIMD registers. What it measures is
 * the code the image pays for, and that the file needs nothing from libc
 * (no undefined symbols).
 */

/** The flags of each arch, as kbuild passes them to vmlinux objects (the ones that matter here). */
export const KERNEL_LOOKUP_TARGETS = {
  x86_64: {
    cc: 'gcc',
    size: 'size',
    nm: 'nm',
    flags: [
      '-m64',
      '-mcmodel=kernel',
      '-mno-red-zone',
      '-mno-sse',
      '-mno-mmx',
      '-mno-sse2',
      '-mno-avx',
      '-fno-pic',
    ],
  },
  arm64: {
    cc: 'aarch64-linux-gnu-gcc',
    size: 'aarch64-linux-gnu-size',
    nm: 'aarch64-linux-gnu-nm',
    flags: ['-mgeneral-regs-only', '-fno-pic', '-mcmodel=small'],
  },
} as const;
export type KernelLookupArch = keyof typeof KERNEL_LOOKUP_TARGETS;

export const KERNEL_COMMON_FLAGS = [
  '-std=gnu11',
  '-ffreestanding',
  '-fno-builtin',
  '-fno-common',
  '-fno-strict-aliasing',
  '-fno-stack-protector',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
];

export interface KernelLookupBuild {
  arch: KernelLookupArch;
  header: string;
  compiler: string;
  flags: string[];
  /** Bytes of .text (and any other code) of the one exported lookup, as `size` counts them. */
  textBytes: number;
  /** Symbols the object needs from elsewhere: none, for a freestanding lookup. */
  undefinedSymbols: string[];
}

/** Compiles `header`'s lookup into one exported function for `arch`; a missing compiler is a UserError. */
export function compileKernelLookup(
  arch: KernelLookupArch,
  header = 'lineinfo-page-huffman.h',
  search = 'lineinfo_page_huffman_search',
): KernelLookupBuild {
  const target = KERNEL_LOOKUP_TARGETS[arch];
  const dir = mkdtempSync(join(tmpdir(), 'lineinfo-bench-kernel-lookup-'));
  try {
    const unit = join(dir, 'lookup.c');
    // one non-inline entry point, the series' signature: table, offset, out file id, out line
    writeFileSync(
      unit,
      `#include "${header}"\nbool lineinfo_lookup(const u8 *table, u64 size, u32 offset, u32 *file_id, u32 *line)\n{\n\treturn ${search}(table, size, offset, file_id, line);\n}\n`,
    );
    const obj = join(dir, 'lookup.o');
    const flags = [...KERNEL_COMMON_FLAGS, ...target.flags, '-I', dirname(harnessSource())];
    const cc = spawnSync(target.cc, [...flags, '-c', '-o', obj, unit], { encoding: 'utf8' });
    if (cc.error) throw new UserError(`${target.cc} is not installed`, 'kernel lookup');
    if (cc.status !== 0) throw new Error(`${target.cc} failed on ${header}:\n${cc.stderr}`);
    const size = spawnSync(target.size, ['-A', obj], { encoding: 'utf8' });
    if (size.status !== 0) throw new Error(`${target.size} failed: ${size.stderr}`);
    let textBytes = 0;
    for (const line of size.stdout.split('\n')) {
      const m = /^(\.text\S*)\s+(\d+)/.exec(line);
      if (m) textBytes += Number(m[2]);
    }
    const nm = spawnSync(target.nm, ['-u', obj], { encoding: 'utf8' });
    if (nm.status !== 0) throw new Error(`${target.nm} failed: ${nm.stderr}`);
    const undefinedSymbols = nm.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).pop() ?? '')
      .filter((s) => s !== '');
    return {
      arch,
      header,
      compiler: target.cc,
      flags: [...KERNEL_COMMON_FLAGS, ...target.flags],
      textBytes,
      undefinedSymbols,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
