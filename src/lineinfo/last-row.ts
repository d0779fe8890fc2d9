import { grownU32 } from '../util/growable.js';
import type { EntryTable } from './entries.js';

/**
 * Candidates for the "last row wins" rule sets: at each offset the row seen
 * last in walk order is the entry (llvm-symbolizer and addr2line pick the
 * last row at an address); then consecutive entries with the same file and
 * line merge, which leaves every floor lookup unchanged. Gap entries (line 0)
 * mark code after the end of a sequence; such an end gap is weak: any other
 * candidate at its offset wins, whatever the order (the end of one sequence
 * is no answer where another unit's row starts: llvm-symbolizer finds the
 * unit, then the sequence, that covers the address).
 */
export class LastRowTable {
  count = 0;
  /** Candidates replaced by a later one at the same offset while adding. */
  replaced = 0;
  private offsets: Uint32Array;
  private fileIds: Uint32Array;
  private lines: Uint32Array;
  /** 1: an end gap, which any other candidate at its offset beats. */
  private weak: Uint8Array;

  constructor(capacity: number) {
    const c = Math.max(1024, capacity);
    this.offsets = new Uint32Array(c);
    this.fileIds = new Uint32Array(c);
    this.lines = new Uint32Array(c);
    this.weak = new Uint8Array(c);
  }

  /** A candidate; `weak` for the gap an end-of-sequence row makes. */
  add(offset: number, fileId: number, line: number, weak = false): void {
    // rows at the same offset one after another: the later one replaces,
    // unless it is an end gap and the earlier one is not
    const k = this.count - 1;
    if (k >= 0 && this.offsets[k] === offset) {
      this.replaced++;
      if (weak && this.weak[k] === 0) return;
      this.fileIds[k] = fileId;
      this.lines[k] = line;
      this.weak[k] = weak ? 1 : 0;
      return;
    }
    if (this.count === this.offsets.length) {
      this.offsets = grownU32(this.offsets);
      this.fileIds = grownU32(this.fileIds);
      this.lines = grownU32(this.lines);
      const w = new Uint8Array(this.offsets.length);
      w.set(this.weak);
      this.weak = w;
    }
    const i = this.count++;
    this.offsets[i] = offset;
    this.fileIds[i] = fileId;
    this.lines[i] = line;
    this.weak[i] = weak ? 1 : 0;
  }

  /** Returns the table and how many candidates each step dropped. */
  finish(files: string[]): { table: EntryTable; notLast: number; sameFileLine: number } {
    const n = this.count;
    const idx = stableSortByOffset(n, this.offsets);
    const outOff = new Uint32Array(n);
    const outFile = new Uint16Array(n);
    const outLine = new Uint32Array(n);
    let k = 0;
    let notLast = 0;
    let sameFileLine = 0;
    const weak = this.weak;
    for (let j = 0; j < n; j++) {
      let i = idx[j];
      const off = this.offsets[i];
      // a later candidate at the same offset (from a later unit) wins; an
      // end gap only where every candidate there is one
      if (j + 1 < n && this.offsets[idx[j + 1]] === off) {
        let pick = -1;
        let end = j;
        for (; end < n && this.offsets[idx[end]] === off; end++)
          if (weak[idx[end]] === 0) pick = idx[end];
        i = pick >= 0 ? pick : idx[end - 1];
        notLast += end - j - 1;
        j = end - 1;
      }
      const f = this.fileIds[i];
      const l = this.lines[i];
      if (k > 0 && outFile[k - 1] === f && outLine[k - 1] === l) {
        sameFileLine++;
        continue;
      }
      outOff[k] = off;
      outFile[k] = f;
      outLine[k] = l;
      k++;
    }
    return {
      table: {
        count: k,
        // views, not copies: the rest was never written, so it costs no memory
        offsets: outOff.subarray(0, k),
        fileIds: outFile.subarray(0, k),
        lines: outLine.subarray(0, k),
        files,
      },
      notLast,
      sameFileLine,
    };
  }
}

/** Indices ordered by offset, stable (two 16-bit radix passes). */
export function stableSortByOffset(n: number, offsets: Uint32Array): Uint32Array {
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (let shift = 0; shift <= 16; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((offsets[i] >>> shift) & 0xffff) + 1]++;
    if (n === 0 || counts[((offsets[0] >>> shift) & 0xffff) + 1] === n) continue;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < n; i++) {
      const j = idx[i];
      tmp[counts[(offsets[j] >>> shift) & 0xffff]++] = j;
    }
    const t = idx;
    idx = tmp;
    tmp = t;
  }
  return idx;
}
