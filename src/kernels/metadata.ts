import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ElfFile, SHF } from '../elf/elf-file.js';
import { sha256 } from './cache.js';
import type { KernelMetadata } from './types.js';

/** A parsed .config: symbol -> value ('y', 'm', a number, or a string without quotes); `null` for "is not set". */
export type KconfigValues = Map<string, string | null>;

export function parseKconfig(text: string): KconfigValues {
  const m: KconfigValues = new Map();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) {
      let v = set[2];
      if (v.startsWith('"') && v.endsWith('"'))
        v = v.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      m.set(set[1], v);
      continue;
    }
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) m.set(unset[1], null);
  }
  return m;
}

/** Splits a compiler banner into name and version: "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0" -> gcc 12.2.0. */
export function parseCompilerText(text: string): { compiler?: string; version?: string } {
  const clang = /clang version (\d+(?:\.\d+)+)/.exec(text);
  if (clang) return { compiler: 'clang', version: clang[1] };
  if (/\bgcc\b|GCC/.test(text)) {
    const v = /\)\s+(\d+(?:\.\d+)+)/.exec(text) ?? /(\d+\.\d+\.\d+)/.exec(text);
    return { compiler: 'gcc', version: v?.[1] };
  }
  return {};
}

/** The DWARF version in the first .debug_info unit header, reading only its first bytes when uncompressed. */
export function dwarfVersionOf(elf: ElfFile): number | undefined {
  const s = elf.section('.debug_info');
  if (!s || s.size < 12) return undefined;
  const head =
    s.flags & SHF.COMPRESSED
      ? elf.contents(s).bytes.subarray(0, 16)
      : elf.source.read(s.offset, Math.min(16, s.size));
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const len32 = view.getUint32(0, elf.littleEndian);
  const at = len32 === 0xffffffff ? 12 : 4;
  return view.getUint16(at, elf.littleEndian);
}

const BANNER = Buffer.from('Linux version ');

/** The release from the linux_banner string ("Linux version 6.12.117 (...)") in .rodata, if present. */
export function bannerRelease(elf: ElfFile): string | undefined {
  const s = elf.section('.rodata');
  if (!s || s.flags & SHF.COMPRESSED || s.size === 0) return undefined;
  const bytes = Buffer.from(elf.source.read(s.offset, s.size));
  let at = bytes.indexOf(BANNER);
  while (at >= 0) {
    const end = bytes.indexOf(0, at);
    const text = bytes.subarray(at + BANNER.length, end < 0 ? at + 200 : end).toString('latin1');
    const m = /^(\d+\.\d+[^\s]*) \(/.exec(text);
    if (m) return m[1];
    at = bytes.indexOf(BANNER, at + 1);
  }
  return undefined;
}

/** The compiler from the .comment section ("GCC: (Debian 12.2.0-14) 12.2.0"). */
export function commentCompiler(elf: ElfFile): string | undefined {
  const s = elf.section('.comment');
  if (!s) return undefined;
  const text = Buffer.from(elf.contents(s).bytes).toString('latin1');
  const parts = text.split('\0').filter((p) => /GCC|clang/.test(p));
  return parts.find((p) => /GCC/.test(p)) ?? parts[0];
}

/**
 * Describes a vmlinux (or any kernel ELF): architecture, bits and byte order
 * from the ELF header, DWARF version from the first unit, compiler from the
 * .config (CONFIG_CC_VERSION_TEXT) or the .comment section, version from the
 * banner or the .config header.
 */
export function describeKernel(
  vmlinux: string,
  opts: { config?: string; configName?: string; kernelVersion?: string } = {},
): KernelMetadata {
  const elf = ElfFile.open(vmlinux);
  try {
    // an unknown e_machine (the ELF reader warns) leaves only the names of
    // the architecture out: every figure a measurement takes comes without it
    const arch = elf.knownArch;
    const md: KernelMetadata = {
      arch: arch?.name ?? `unknown (e_machine ${elf.machine})`,
      kernelArch: arch?.kernelArch ?? 'unknown',
      bits: elf.is64 ? 64 : 32,
      endianness: elf.littleEndian ? 'little' : 'big',
      dwarfVersion: dwarfVersionOf(elf),
    };
    md.kernelVersion = opts.kernelVersion ?? bannerRelease(elf);
    let ccText: string | undefined;
    if (opts.config && existsSync(opts.config)) {
      const text = readFileSync(opts.config, 'utf8');
      md.configHash = sha256(text);
      md.configName = opts.configName ?? basename(opts.config);
      const values = parseKconfig(text);
      ccText = values.get('CONFIG_CC_VERSION_TEXT') ?? undefined;
      if (!md.kernelVersion)
        md.kernelVersion = /^# Linux\/\S+ (\S+) Kernel Configuration/m.exec(text)?.[1];
    } else if (opts.configName) {
      md.configName = opts.configName;
    }
    ccText ??= commentCompiler(elf);
    if (ccText) {
      const cc = parseCompilerText(ccText);
      md.compilerText = ccText;
      md.compiler = cc.compiler;
      md.compilerVersion = cc.version;
    }
    return md;
  } finally {
    elf.close();
  }
}
