import { type ElfFile, SHF } from './elf-file.js';

/**
 * The code sections of a module (ET_REL `.ko`) that the newest generator
 * covers, and the synthetic bases it gives them (spec section 6, "Newest
 * module rules"). In a `.ko` `.text`, `.init.text`, `.exit.text` ... all
 * start at address 0, so their line-program addresses would collide: the
 * generator gives each present section its own base ("bias") and adds it to
 * every relocated value against that section, then tells the sections apart
 * by address range. Other executable sections get bases from the same
 * cursor, so their rows land in their own ranges and are dropped.
 */

/** Which of the module's two line-info sections holds a covered section's table. */
export type ModuleBlob = 'persistent' | 'init';

/** The blob's section name in the module. */
export const BLOB_SECTION: Record<ModuleBlob, string> = {
  persistent: '.mod_lineinfo',
  init: '.init.mod_lineinfo',
};

/** The covered sections, in the generator's order (its `all_sections[]`): section ids, sort order and bases follow it. */
export const COVERED_SECTIONS: readonly { name: string; blob: ModuleBlob }[] = [
  { name: '.text', blob: 'persistent' },
  { name: '.exit.text', blob: 'persistent' },
  { name: '.init.text', blob: 'init' },
  { name: '.noinstr.text', blob: 'persistent' },
];

export interface CoveredSection {
  name: string;
  blob: ModuleBlob;
  /** Found in this file (a covered section of size above 4 GiB is not). */
  present: boolean;
  /** ELF section index (0 when absent). */
  index: number;
  size: number;
  /** The synthetic base its addresses are moved to. */
  bias: number;
}

export interface ResolvedSections {
  /** One per COVERED_SECTIONS entry, in that order, present or not. */
  covered: CoveredSection[];
  /** Other executable sections (SHF_ALLOC and SHF_EXECINSTR, not empty), in section order. */
  extra: CoveredSection[];
  /** Where the cursor ended: the first free address after every base range. */
  end: number;
}

const UINT_MAX = 0xffffffff;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * The generator's `resolve_covered_sections`: each covered name takes the
 * first section of that name; any other allocated executable section that is
 * not empty is an extra one. Bases are handed out in order, covered sections
 * (in COVERED_SECTIONS order) first, then the extra ones: each starts at the
 * running total of the sizes before it, rounded up to 16.
 */
export function resolveCoveredSections(elf: ElfFile): ResolvedSections {
  const covered: CoveredSection[] = COVERED_SECTIONS.map((c) => ({
    name: c.name,
    blob: c.blob,
    present: false,
    index: 0,
    size: 0,
    bias: 0,
  }));
  const extra: CoveredSection[] = [];
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    let isCovered = false;
    const c = covered.find((x) => !x.present && x.name === s.name);
    if (c && s.size <= UINT_MAX) {
      c.present = true;
      c.index = s.index;
      c.size = s.size;
      isCovered = true;
    }
    const code = (s.flags & SHF.EXECINSTR) !== 0 && (s.flags & SHF.ALLOC) !== 0;
    if (!isCovered && code && s.size > 0 && s.size <= UINT_MAX) {
      extra.push({
        name: s.name,
        blob: 'persistent',
        present: true,
        index: s.index,
        size: s.size,
        bias: 0,
      });
    }
  }
  let cursor = 0;
  for (const c of [...covered.filter((x) => x.present), ...extra]) {
    c.bias = cursor;
    cursor = align16(cursor + c.size);
  }
  return { covered, extra, end: cursor };
}

const layouts = new WeakMap<ElfFile, { bias: BigUint64Array; full: BigUint64Array }>();

/**
 * Section index -> address for the newest generator's relocation: `bias` holds
 * the covered and extra sections' bases (0 for every other section: the
 * generator adds nothing there); `full` places every other allocated section
 * after them too, for a reading that applies every relocation.
 */
export function newestModuleLayout(elf: ElfFile): { bias: BigUint64Array; full: BigUint64Array } {
  let l = layouts.get(elf);
  if (l) return l;
  const r = resolveCoveredSections(elf);
  const bias = new BigUint64Array(elf.sections.length);
  for (const c of [...r.covered.filter((x) => x.present), ...r.extra])
    bias[c.index] = BigInt(c.bias);
  const full = bias.slice();
  const placed = new Set([...r.covered.filter((x) => x.present), ...r.extra].map((c) => c.index));
  let next = BigInt(r.end);
  for (const s of elf.sections) {
    if (s.index === 0 || !(s.flags & SHF.ALLOC) || placed.has(s.index)) continue;
    const align = BigInt(Math.max(16, s.addralign || 1));
    next = ((next + align - 1n) / align) * align;
    full[s.index] = next;
    next += BigInt(Math.max(s.size, 1));
  }
  l = { bias, full };
  layouts.set(elf, l);
  return l;
}
