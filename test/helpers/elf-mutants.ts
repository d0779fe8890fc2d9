import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli.js';
import { readUnits } from '../../src/dwarf/info.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { BufferSource } from '../../src/elf/source.js';
import type { GeneratorCheckResult } from '../../src/measure/generator.js';
import { fakeProcess } from './fake-process.js';

/**
 * Targeted mutations of a real ELF file built at test time: a field of the
 * ELF header, a section header, a symbol, a unit, written to a copy. Field
 * offsets are the ELF64 and ELF32 layouts of the gABI.
 */
export class ElfMutant {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly elf: ElfFile;

  constructor(readonly original: string) {
    this.bytes = new Uint8Array(readFileSync(original));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.elf = new ElfFile(new BufferSource(original, this.bytes.slice()));
  }

  get le(): boolean {
    return this.elf.littleEndian;
  }

  u16(at: number, v: number): this {
    this.view.setUint16(at, v, this.le);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v, this.le);
    return this;
  }
  /** A word of the ELF class: 8 bytes in ELF64, 4 in ELF32. */
  word(at: number, v: number): this {
    if (this.elf.is64) this.view.setBigUint64(at, BigInt(v), this.le);
    else this.view.setUint32(at, v, this.le);
    return this;
  }

  /** Byte offsets of the ELF header fields. */
  get eh() {
    const w = this.elf.is64 ? 8 : 4;
    return {
      machine: 18,
      phoff: 24 + w,
      shoff: 24 + 2 * w,
      phentsize: 24 + 3 * w + 6,
      shentsize: 24 + 3 * w + 10,
    };
  }

  private get shoff(): number {
    return Number(
      this.elf.is64
        ? this.view.getBigUint64(this.eh.shoff, this.le)
        : this.view.getUint32(this.eh.shoff, this.le),
    );
  }

  /** Where section `index`'s header starts. */
  sectionHeader(index: number): number {
    return this.shoff + index * (this.elf.is64 ? 64 : 40);
  }

  /** Where the st_name of symbol `index` of `.symtab` is. */
  symbolName(index: number): number {
    const s = this.elf.section('.symtab')!;
    return s.offset + index * (this.elf.is64 ? 24 : 16);
  }

  /** The index in `.symtab` of the first symbol with this name. */
  symbolIndex(name: string): number {
    const i = this.elf.symbols()!.names.indexOf(name);
    if (i < 0) throw new Error(`no symbol ${name}`);
    return i;
  }

  /** The units of `.debug_info`, as read from the unmutated file. */
  units() {
    return readUnits(new DwarfSections(this.elf));
  }

  /** Where a section's bytes start in the file. */
  sectionStart(name: string): number {
    return this.elf.section(name)!.offset;
  }

  write(dir: string, name: string): string {
    const out = join(dir, name);
    writeFileSync(out, this.bytes);
    return out;
  }
}

/** A command's exit code, stdout and stderr. */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const p = fakeProcess(args, env);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

/** `generator check --json` of one file against a generator tree. */
export async function generatorCheck(
  tree: string,
  file: string,
  env: Record<string, string>,
): Promise<GeneratorCheckResult> {
  const r = await runCli(['generator', 'check', tree, file, '--json'], env);
  if (r.code !== 0 && r.out === '') throw new Error(`generator check failed: ${r.err}`);
  return JSON.parse(r.out) as GeneratorCheckResult;
}
