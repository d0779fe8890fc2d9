import type { ElfFile } from '../elf/elf-file.js';
import { type CandidateTable, type DedupDrops, dedupWalk } from './candidates.js';
import type { EntryTable } from './entries.js';

/**
 * The newest revision's symbol starts (spec section 6): every function
 * keeps an entry at its first byte, copied from the row that covers it when
 * the line program has none there, so that the kernel's lookup, which
 * refuses an entry below the symbol's start, still annotates it.
 */

const STT_FUNC = 2;

/** Function symbols' starts and sizes as offsets from the base, sorted, one per offset (the largest size kept). */
export interface SymbolStarts {
  count: number;
  offsets: Uint32Array;
  sizes: Uint32Array;
}

/** Every STT_FUNC symbol of the `SHT_SYMTAB` sections with base <= value < end (end: `_etext`, when there is one). */
export function collectSymbolStarts(
  elf: ElfFile,
  base: bigint,
  end: bigint | undefined,
): SymbolStarts {
  const found: { offset: number; size: number }[] = [];
  // as collect_symbol_starts: every SHT_SYMTAB section (by type, whatever its
  // name), its sh_size / sh_entsize symbols, none when sh_entsize is 0
  for (const syms of elf.symbolTables()) {
    if (syms.section.entsize === 0) continue;
    for (let i = 0; i < syms.scanned; i++) {
      if ((syms.info[i] & 0xf) !== STT_FUNC) continue;
      const v = syms.values[i];
      if (v < base || (end !== undefined && v >= end)) continue;
      const raw = v - base;
      if (raw > 0xffffffffn) continue;
      found.push({ offset: Number(raw), size: Math.min(syms.sizes[i], 0xffffffff) });
    }
  }
  // by offset, the larger extent first, so the first at an offset is kept
  found.sort((a, b) => a.offset - b.offset || b.size - a.size);
  const offsets = new Uint32Array(found.length);
  const sizes = new Uint32Array(found.length);
  let n = 0;
  for (const f of found) {
    if (n > 0 && offsets[n - 1] === f.offset) continue;
    offsets[n] = f.offset;
    sizes[n] = f.size;
    n++;
  }
  return { count: n, offsets: offsets.slice(0, n), sizes: sizes.slice(0, n) };
}

/** What the symbol starts changed: entries copied to a start, entries kept at one that repeat the line before. */
export interface SymbolStartCounts {
  synthesized: number;
  keptAtStart: number;
}

/** The first index in ascending `a` whose value is above `v`. */
function upperBound(a: Uint32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sort, symbol-start synthesis and de-duplication of the newest revision:
 * a start S of size Z that no entry starts at gets a copy of the last entry
 * below it (the last in sort order, so the largest (file, line) at that
 * offset), unless a sequence ends in (entry, S], Z is 0, or no entry lies in
 * [S, S+Z); then the walk of section 1, except that an entry at a symbol
 * start is never dropped for repeating the file and line before it.
 * @param seqEnds ascending offsets one past each sequence's last byte
 * @param rowsInAll the rows of the generator's whole entry array (a module's
 *   sections share one), when `c` holds only some of them: with fewer than
 *   two in all, the generator neither synthesizes nor de-duplicates
 */
export function finishNewest(
  c: CandidateTable,
  files: string[],
  drops: DedupDrops,
  starts: SymbolStarts,
  seqEnds: Uint32Array,
  rowsInAll: number = c.rows,
): { table: EntryTable; counts: SymbolStartCounts } {
  const order = c.sorted(drops);
  const n = c.count;
  const { offsets, fileIds, lines } = c;
  const counts: SymbolStartCounts = { synthesized: 0, keptAtStart: 0 };
  // the generator skips both steps below with fewer than two entries
  const dedup = rowsInAll >= 2;

  // synthesized entries, ascending (the starts are): offset, file, line
  const synth: number[] = [];
  if (dedup && n > 0) {
    let cursor = 0;
    for (let s = 0; s < starts.count; s++) {
      const start = starts.offsets[s];
      const end = (start + starts.sizes[s]) >>> 0; // u32 arithmetic, as the generator's
      while (cursor + 1 < n && offsets[order[cursor + 1]] <= start) cursor++;
      const at = offsets[order[cursor]];
      if (at >= start) continue; // nothing covers it, or it has its own entry
      const ends = upperBound(seqEnds, at);
      if (ends < seqEnds.length && seqEnds[ends] <= start) continue; // coverage stopped before it
      if (end <= start) continue;
      if (cursor + 1 >= n || offsets[order[cursor + 1]] >= end) continue; // no row inside it
      synth.push(start, fileIds[order[cursor]], lines[order[cursor]]);
    }
  }
  counts.synthesized = synth.length / 3;

  // the walk of section 1; a start's entry is kept even if it repeats the line before
  let sym = 0;
  const isSymbolStart = (off: number) => {
    while (sym < starts.count && starts.offsets[sym] < off) sym++;
    return sym < starts.count && starts.offsets[sym] === off;
  };
  const walk = dedupWalk(c, order, files, drops, { extra: synth, dedup, isSymbolStart });
  counts.keptAtStart = walk.keptAtStart;
  return { table: walk.table, counts };
}
