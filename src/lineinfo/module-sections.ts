import type { CoveredSection, ModuleBlob, ResolvedSections } from '../elf/covered-sections.js';
import type { ElfFile } from '../elf/elf-file.js';
import type { EntryTable } from './entries.js';
import type { SymbolStarts } from './symbol-starts.js';

/**
 * The newest revision's module rules (spec section 6): a module's rows are
 * told apart by the covered section their (biased) address falls in, each
 * covered section gets its own table of section-relative offsets, and the
 * sort, symbol-start synthesis and de-duplication run per section. File ids
 * are shared by all sections.
 */

/** One covered section's table. */
export interface ModuleSectionTable {
  name: string;
  blob: ModuleBlob;
  /** ELF section index in the module. */
  index: number;
  /** The section's size (the descriptor's `size`). */
  size: number;
  /** Its synthetic base while reading (never in a table). */
  bias: number;
  /** Entries, offsets relative to the section; `files` is the module's shared list. */
  table: EntryTable;
}

/** What a module's extraction under the newest rules gives beside its `.text` table. */
export interface ModuleSections {
  /** The present covered sections in the generator's order (.text, .exit.text, .init.text, .noinstr.text). */
  sections: ModuleSectionTable[];
  /** The module's file names, shared by every section (each blob repeats all of them). */
  files: string[];
  /** Rows with a line and a file name outside every covered section (the generator's skipped_uncovered). */
  uncoveredRows: number;
  /** The other code sections (biased and dropped). */
  otherSections: { name: string; size: number }[];
}

/** Maps a biased address to its covered section: the first present one whose [bias, bias + size) holds it. */
export class SectionClassifier {
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  /** Index into `covered` for each range. */
  private readonly id: number[] = [];

  constructor(readonly sections: ResolvedSections) {
    sections.covered.forEach((c, i) => {
      if (!c.present) return;
      this.lo.push(c.bias);
      this.hi.push(c.bias + c.size);
      this.id.push(i);
    });
  }

  get covered(): CoveredSection[] {
    return this.sections.covered;
  }

  /** The covered section (index into `covered`) holding `addr`, or -1. */
  classify(addr: number): number {
    for (let k = 0; k < this.lo.length; k++)
      if (addr >= this.lo[k] && addr < this.hi[k]) return this.id[k];
    return -1;
  }
}

const STT_FUNC = 2;

/**
 * The newest generator's symbol starts in module mode: every STT_FUNC symbol
 * whose section is a present covered one and whose value lies below that
 * section's size, at its section-relative value; per section sorted, one per
 * offset (the largest size kept).
 */
export function collectModuleSymbolStarts(elf: ElfFile, covered: CoveredSection[]): SymbolStarts[] {
  const found: { offset: number; size: number }[][] = covered.map(() => []);
  // every SHT_SYMTAB section, as collect_symbol_starts reads them
  for (const syms of elf.symbolTables()) {
    if (syms.section.entsize === 0) continue;
    for (let i = 0; i < syms.scanned; i++) {
      if ((syms.info[i] & 0xf) !== STT_FUNC) continue;
      const sec = covered.findIndex((c) => c.present && c.index === syms.shndx[i]);
      if (sec < 0) continue;
      const v = syms.values[i];
      if (v >= BigInt(covered[sec].size) || v > 0xffffffffn) continue;
      found[sec].push({ offset: Number(v), size: Math.min(syms.sizes[i], 0xffffffff) });
    }
  }
  return found.map((list) => {
    list.sort((a, b) => a.offset - b.offset || b.size - a.size);
    const offsets = new Uint32Array(list.length);
    const sizes = new Uint32Array(list.length);
    let n = 0;
    for (const f of list) {
      if (n > 0 && offsets[n - 1] === f.offset) continue;
      offsets[n] = f.offset;
      sizes[n] = f.size;
      n++;
    }
    return { count: n, offsets: offsets.slice(0, n), sizes: sizes.slice(0, n) };
  });
}

/** An entry table with no entries over the given file list. */
export function emptyTable(files: string[]): EntryTable {
  return {
    count: 0,
    offsets: new Uint32Array(0),
    fileIds: new Uint16Array(0),
    lines: new Uint32Array(0),
    files,
  };
}
