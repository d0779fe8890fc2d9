import { grownU32 } from '../util/growable.js';
import type { EntryTable } from './entries.js';

/** The two de-duplication counters the sort-and-walk step fills. */
export interface DedupDrops {
  sameOffset: number;
  sameFileLine: number;
}

/**
 * Candidate entries, gathered unit by unit, then sorted and de-duplicated as
 * the upstream generator does (spec section 1, "Sort and de-duplicate").
 *
 * Why the reduction: the generator's walk keeps, at each offset, the smallest
 * (file_id, line) unless it repeats the last kept entry, in which case the
 * next distinct one. So only the two smallest distinct pairs at an offset can
 * ever be kept. Rows of one unit arrive in address order, so each run of rows
 * at one offset is reduced to those two before the global sort (any grouping
 * of rows at one offset may be reduced so); this drops most of a vmlinux's
 * candidates. Counters stay exact: the other
 * rows at that offset would all have been dropped as "same offset", and the
 * copies of the smallest pair share its fate (`weights`).
 */
export class CandidateTable {
  count = 0;
  offsets: Uint32Array;
  /** File ids fit 16 bits (MAX_FILES), as in the table; narrow columns touch fewer pages. */
  fileIds: Uint16Array;
  lines: Uint32Array;
  /** Extra identical copies behind a candidate; HEAVY means look in `heavyWeights`. */
  weights: Uint8Array;
  /** Weights of HEAVY or more, by candidate index (rare: they need a long run of one row). */
  readonly heavyWeights = new Map<number, number>();
  /** Rows set aside by the reduction that the walk would drop as "same offset". */
  reducedSameOffset = 0;

  // the current unit's run at one offset: best pair, its copies, second pair
  private runOffset = -1;
  private f1 = 0;
  private l1 = 0;
  private w1 = 0;
  private f2 = -1;
  private l2 = 0;
  // the largest pair of the run, when kept (keepLargest)
  private f3 = -1;
  private l3 = 0;
  /** Rows added, before any reduction. */
  rows = 0;

  /**
   * @param keepLargest also keep each run's largest pair: the newest
   * revision copies the last entry at an offset to a symbol start
   */
  constructor(
    capacity: number,
    readonly keepLargest = false,
  ) {
    // pages are touched only as candidates fill them, so room to spare costs nothing
    const c = Math.max(1024, capacity);
    this.offsets = new Uint32Array(c);
    this.fileIds = new Uint16Array(c);
    this.lines = new Uint32Array(c);
    this.weights = new Uint8Array(c);
  }

  /** Adds one row; consecutive rows at one offset are reduced as they come. */
  add(offset: number, fileId: number, line: number): void {
    this.rows++;
    if (offset !== this.runOffset) {
      this.flush();
      this.runOffset = offset;
      this.f1 = fileId;
      this.l1 = line;
      this.w1 = 0;
      this.f2 = -1;
      this.f3 = fileId;
      this.l3 = line;
      return;
    }
    if (fileId > this.f3 || (fileId === this.f3 && line > this.l3)) {
      this.f3 = fileId;
      this.l3 = line;
    }
    if (fileId === this.f1 && line === this.l1) {
      this.w1++;
    } else if (fileId < this.f1 || (fileId === this.f1 && line < this.l1)) {
      // a new smallest pair: the old one becomes second, the old second is out
      if (this.f2 >= 0) this.reducedSameOffset++;
      this.f2 = this.f1;
      this.l2 = this.l1;
      this.reducedSameOffset += this.w1; // copies of what is now second: always "same offset"
      this.f1 = fileId;
      this.l1 = line;
      this.w1 = 0;
    } else if (this.f2 < 0 || fileId < this.f2 || (fileId === this.f2 && line < this.l2)) {
      if (this.f2 >= 0) this.reducedSameOffset++;
      this.f2 = fileId;
      this.l2 = line;
    } else {
      this.reducedSameOffset++;
    }
  }

  /** Ends the current run. */
  flush(): void {
    if (this.runOffset < 0) return;
    this.push(this.runOffset, this.f1, this.l1, this.w1);
    if (this.f2 >= 0) this.push(this.runOffset, this.f2, this.l2, 0);
    const largestIsNew =
      !(this.f3 === this.f1 && this.l3 === this.l1) &&
      !(this.f3 === this.f2 && this.l3 === this.l2);
    if (this.keepLargest && largestIsNew) {
      // one of the rows counted as reduced becomes a candidate again; the walk counts it
      this.push(this.runOffset, this.f3, this.l3, 0);
      this.reducedSameOffset--;
    }
    this.runOffset = -1;
  }

  private push(offset: number, fileId: number, line: number, weight: number): void {
    if (this.count === this.offsets.length) {
      this.offsets = grownU32(this.offsets);
      this.fileIds = grown(this.fileIds, new Uint16Array(this.offsets.length));
      this.lines = grownU32(this.lines);
      this.weights = grown(this.weights, new Uint8Array(this.offsets.length));
    }
    const i = this.count++;
    this.offsets[i] = offset;
    this.fileIds[i] = fileId;
    this.lines[i] = line;
    if (weight >= HEAVY) {
      this.weights[i] = HEAVY;
      this.heavyWeights.set(i, weight);
    } else this.weights[i] = weight;
  }

  /**
   * Ends the last run, counts the rows the reduction set aside and returns
   * the candidates' indices sorted by (offset, file_id, line).
   */
  sorted(drops: DedupDrops): Uint32Array {
    this.flush();
    drops.sameOffset += this.reducedSameOffset;
    return sortByOffsetThenPair(this.count, this.offsets, this.fileIds, this.lines);
  }

  /**
   * Sorts by (offset, file_id, line) and walks: an entry is dropped if it has
   * the last kept entry's offset, or its file and line; kept otherwise.
   */
  finish(files: string[], drops: DedupDrops): EntryTable {
    return dedupWalk(this, this.sorted(drops), files, drops).table;
  }
}

/** A weight stored in `heavyWeights`, not in `weights` (Debian's cloud-amd64 6.1: at most 247). */
const HEAVY = 0xff;

/** `to` (larger) with `from` copied into its start. */
function grown<T extends Uint8Array | Uint16Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** A candidate's copies: itself and the identical rows behind it. */
function copiesOf(c: Pick<CandidateTable, 'weights' | 'heavyWeights'>, i: number): number {
  const w = c.weights[i];
  return 1 + (w === HEAVY ? c.heavyWeights.get(i)! : w);
}

/** What the walk reads besides the candidates: see `dedupWalk`. */
export interface WalkOptions {
  /**
   * Entries of weight 0 besides the candidates, as (offset, file, line)
   * triples in ascending offset order: each is walked just before the first
   * candidate at a larger offset.
   */
  extra?: readonly number[];
  /** false: keep every entry, count no drops (the newest generator with fewer than two rows). */
  dedup?: boolean;
  /**
   * Whether an offset is a symbol start: an entry there is never dropped for
   * repeating the file and line before it (counted as `keptAtStart`). Asked
   * with offsets in ascending order.
   */
  isSymbolStart?: (offset: number) => boolean;
}

/**
 * The de-duplication walk of section 1 over the candidates in `order`
 * (indices into their columns, in sort order) and `o.extra` merged in: an
 * entry is dropped if it has the last kept entry's offset ("same offset"),
 * or its file and line ("same file and line"); kept otherwise. A candidate
 * counts with its copies (`weights`).
 */
export function dedupWalk(
  c: Pick<CandidateTable, 'count' | 'offsets' | 'fileIds' | 'lines' | 'weights' | 'heavyWeights'>,
  order: Uint32Array,
  files: string[],
  drops: DedupDrops,
  o: WalkOptions = {},
): { table: EntryTable; keptAtStart: number } {
  const { offsets, fileIds, lines } = c;
  const extra = o.extra ?? [];
  const dedup = o.dedup ?? true;
  const n = order.length;
  const m = extra.length / 3;
  const total = n + m;
  // written only as far as entries are kept; the tables are views of them
  // (no copy: the untouched rest costs no memory)
  const outOff = new Uint32Array(total);
  const outFile = new Uint16Array(total);
  const outLine = new Uint32Array(total);
  let k = 0;
  let keptAtStart = 0;
  let lastOff = -1;
  let lastFile = -1;
  let lastLine = -1;
  let a = 0;
  let b = 0;
  while (a < n || b < m) {
    let off: number;
    let f: number;
    let l: number;
    let copies = 1;
    if (b < m && (a >= n || extra[3 * b] < offsets[order[a]])) {
      off = extra[3 * b];
      f = extra[3 * b + 1];
      l = extra[3 * b + 2];
      b++;
    } else {
      const i = order[a++];
      off = offsets[i];
      f = fileIds[i];
      l = lines[i];
      copies = copiesOf(c, i);
    }
    if (dedup && off === lastOff) {
      drops.sameOffset += copies;
      continue;
    }
    if (dedup && f === lastFile && l === lastLine) {
      if (!o.isSymbolStart?.(off)) {
        drops.sameFileLine += copies;
        continue;
      }
      keptAtStart++;
    }
    if (dedup) drops.sameOffset += copies - 1; // its copies follow it at the same offset
    outOff[k] = off;
    outFile[k] = f;
    outLine[k] = l;
    k++;
    lastOff = off;
    lastFile = f;
    lastLine = l;
  }
  return {
    table: {
      count: k,
      offsets: outOff.subarray(0, k),
      fileIds: outFile.subarray(0, k),
      lines: outLine.subarray(0, k),
      files,
    },
    keptAtStart,
  };
}

/**
 * Indices in (offset, file, line) order, equal keys in index order. One
 * stable pass spreads them by the offset's upper 16 bits; each 64 KiB bucket
 * that is not yet in offset order (candidates come unit by unit, each in
 * address order, so most are) is sorted by the lower 16 bits with a stable
 * radix of its own, through a buffer as long as the largest bucket only;
 * then runs of equal offsets are put in (file, line) order. One index array,
 * where a radix sort of all of them would need two.
 */
export function sortByOffsetThenPair(
  n: number,
  offsets: Uint32Array,
  files: Uint16Array | Uint32Array,
  lines: Uint32Array,
): Uint32Array {
  const idx = new Uint32Array(n);
  // ends[d]: one past bucket d's last index, after the spreading pass
  const ends = new Uint32Array(65537);
  for (let i = 0; i < n; i++) ends[(offsets[i] >>> 16) + 1]++;
  let largest = 0;
  for (let d = 0; d < 65536; d++) {
    largest = Math.max(largest, ends[d + 1]);
    ends[d + 1] += ends[d];
  }
  for (let i = 0; i < n; i++) idx[ends[offsets[i] >>> 16]++] = i;
  const tmp = new Uint32Array(largest);
  const counts = new Uint32Array(257);
  let s = 0;
  for (let d = 0; d < 65536; d++) {
    const e = ends[d];
    let ordered = true;
    for (let i = s + 1; i < e && ordered; i++) ordered = offsets[idx[i - 1]] <= offsets[idx[i]];
    if (!ordered) {
      // two stable 8-bit passes: idx -> tmp, then tmp -> idx
      for (let shift = 0; shift <= 8; shift += 8) {
        const [from, fromAt, to, toAt] = shift === 0 ? [idx, s, tmp, 0] : [tmp, 0, idx, s];
        counts.fill(0);
        for (let i = 0; i < e - s; i++)
          counts[((offsets[from[fromAt + i]] >>> shift) & 0xff) + 1]++;
        for (let b = 0; b < 256; b++) counts[b + 1] += counts[b];
        for (let i = 0; i < e - s; i++) {
          const v = from[fromAt + i];
          to[toAt + counts[(offsets[v] >>> shift) & 0xff]++] = v;
        }
      }
    }
    s = e;
  }
  orderEqualOffsetsByPair(idx, n, offsets, files, lines);
  return idx;
}

/** Puts each run of equal offsets in `idx` in (file, line) order; stable, and such runs are short. */
function orderEqualOffsetsByPair(
  idx: Uint32Array,
  n: number,
  offsets: Uint32Array,
  files: Uint16Array | Uint32Array,
  lines: Uint32Array,
): void {
  const before = (a: number, b: number) =>
    files[a] < files[b] || (files[a] === files[b] && lines[a] < lines[b]);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && offsets[idx[e]] === offsets[idx[s]]) e++;
    for (let i = s + 1; i < e; i++) {
      const v = idx[i];
      let j = i - 1;
      while (j >= s && before(v, idx[j])) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = v;
    }
    s = e;
  }
}
