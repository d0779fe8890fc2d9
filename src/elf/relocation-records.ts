import { type ElfFile, type Section, SHT, type SymbolTable } from './elf-file.js';

/** One relocation record, r_info split into its symbol and type; `addend` is 0 for `.rel` (the field holds it). */
export interface ElfRelocation {
  offset: number;
  symbol: number;
  type: number;
  addend: bigint;
}

/** The `.rel`/`.rela` sections whose target (sh_info) is `target`. */
export function relocationSectionsFor(elf: ElfFile, target: Section): Section[] {
  return elf.sections.filter(
    (s) => (s.type === SHT.RELA || s.type === SHT.REL) && s.info === target.index && s.size > 0,
  );
}

/** The size of one record of a `.rela` (`rela`) or `.rel` section in this file's class. */
export function relocationEntrySize(elf: ElfFile, rela: boolean): number {
  return elf.is64 ? (rela ? 24 : 16) : rela ? 12 : 8;
}

/**
 * Reads the record at byte `o` of a relocation section's contents (`rv`)
 * into `out` (scratch, refilled: relocating reads millions of records).
 */
export function readRelocation(
  rv: DataView,
  o: number,
  is64: boolean,
  le: boolean,
  rela: boolean,
  out: ElfRelocation,
): void {
  out.addend = 0n;
  if (is64) {
    out.offset = Number(rv.getBigUint64(o, le));
    // r_info: sym << 32 | type
    out.symbol = rv.getUint32(o + (le ? 12 : 8), le);
    out.type = rv.getUint32(o + (le ? 8 : 12), le);
    if (rela) out.addend = rv.getBigInt64(o + 16, le);
  } else {
    out.offset = rv.getUint32(o, le);
    const info = rv.getUint32(o + 4, le);
    out.symbol = info >>> 8;
    out.type = info & 0xff;
    if (rela) out.addend = BigInt(rv.getInt32(o + 8, le));
  }
}

/** The whole records of one `.rel`/`.rela` section, in file order (a partial record at its end is not read). */
export function relocationRecords(elf: ElfFile, relSection: Section): ElfRelocation[] {
  const rela = relSection.type === SHT.RELA;
  const b = elf.contents(relSection).bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const size = relocationEntrySize(elf, rela);
  const out: ElfRelocation[] = [];
  for (let at = 0; at + size <= b.length; at += size) {
    const r: ElfRelocation = { offset: 0, symbol: 0, type: 0, addend: 0n };
    readRelocation(v, at, elf.is64, elf.littleEndian, rela, r);
    out.push(r);
  }
  return out;
}

/** The records of every `.rel`/`.rela` section aimed at `target`, section by section in file order. */
export function relocationRecordsFor(elf: ElfFile, target: Section): ElfRelocation[] {
  return relocationSectionsFor(elf, target).flatMap((rs) => relocationRecords(elf, rs));
}

/**
 * What a record's symbol names: the symbol's name, else (a section symbol)
 * its section's; undefined when `symbol` is not in the table, or is nameless
 * and its section index names no section.
 */
export function relocationTarget(
  elf: ElfFile,
  syms: SymbolTable,
  symbol: number,
): string | undefined {
  if (symbol >= syms.count) return undefined;
  return syms.names[symbol] || elf.sections[syms.shndx[symbol]]?.name;
}
