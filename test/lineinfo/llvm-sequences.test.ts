import { describe, expect, it } from 'vitest';
import { allocRows, type LineRows, ROW } from '../../src/dwarf/line.js';
import { llvmSequenceRows } from '../../src/lineinfo/llvm-sequences.js';

interface Row {
  addr: number;
  line: number;
  file: number;
  end: boolean;
}

/**
 * LLVM 14's answer in one sequence (DWARFDebugLine::LineTable::findRowInSeq),
 * written plainly: none outside [first row, end row) or for a sequence whose
 * end is not above its first row; else std::upper_bound over the rows after
 * the first and before the end, as they are, minus one.
 */
function llvmAnswer(seq: Row[], a: number): number {
  const low = seq[0].addr;
  const high = seq[seq.length - 1].addr;
  if (!(low < high) || a < low || a >= high) return 0;
  let first = 1;
  let len = seq.length - 2;
  while (len > 0) {
    const half = len >> 1;
    const mid = first + half;
    if (a < seq[mid].addr) len = half;
    else {
      first = mid + 1;
      len -= half + 1;
    }
  }
  return seq[first - 1].line;
}

/** A floor search of rows sorted by address (the last row at an address wins): what our tables do. */
function floorAnswer(seq: Row[], a: number): number {
  const sorted = seq
    .map((r, i) => ({ r, i }))
    .sort((x, y) => x.r.addr - y.r.addr || Number(y.r.end) - Number(x.r.end) || x.i - y.i);
  let best: Row | undefined;
  for (const { r } of sorted) if (r.addr <= a) best = r;
  return best && !best.end ? best.line : 0;
}

function toRows(rows: Row[]): LineRows {
  const out = allocRows(rows.length);
  out.count = rows.length;
  rows.forEach((r, i) => {
    out.addrHi[i] = 0xffff8000;
    out.addrLo[i] = r.addr;
    out.line[i] = r.line;
    out.file[i] = r.file;
    out.flags[i] = r.end ? ROW.endSequence : ROW.isStmt;
  });
  return out;
}

function fromRows(rows: LineRows): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < rows.count; i++) {
    expect(rows.addrHi[i]).toBe(0xffff8000);
    out.push({
      addr: rows.addrLo[i],
      line: rows.line[i],
      file: rows.file[i],
      end: (rows.flags[i] & ROW.endSequence) !== 0,
    });
  }
  return out;
}

describe('llvm-symbolizer answers in sequences whose addresses do not ascend', () => {
  it('equal LLVM 14 findRowInSeq at every address, on 2,000 random units', () => {
    let seed = 4242;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let rewritten = 0;
    let parted = 0;
    for (let unit = 0; unit < 2000; unit++) {
      // sequences in windows of their own, some in order, some not; maybe trailing rows
      const rows: Row[] = [];
      const nseq = 1 + random(4);
      let line = 1;
      for (let s = 0; s < nseq; s++) {
        const at = 1000 * s;
        const n = 1 + random(12);
        const ordered = random(3) === 0;
        let a = at + random(40);
        for (let r = 0; r < n; r++) {
          rows.push({ addr: a, line: line++, file: s, end: false });
          a = ordered ? a + random(8) : at + random(120);
        }
        const endAt = ordered ? a + random(8) : at + random(140);
        rows.push({ addr: endAt, line: line++, file: s, end: true });
      }
      const trailing = random(4) === 0 ? 1 + random(3) : 0;
      for (let r = 0; r < trailing; r++)
        rows.push({ addr: 5000 + random(50), line: line++, file: 99, end: false });

      const lr = toRows(rows);
      const removed = llvmSequenceRows(lr);
      const after = fromRows(lr);
      expect(removed).toBe(rows.length - after.length);
      if (removed !== 0 || after.some((r, i) => r.addr !== rows[i].addr)) rewritten++;
      // rows after the last end row stay as they were
      expect(after.filter((r) => r.file === 99)).toEqual(rows.filter((r) => r.file === 99));
      for (let s = 0; s < nseq; s++) {
        const seq = rows.filter((r) => r.file === s);
        const ours = after.filter((r) => r.file === s);
        const low = seq[0].addr;
        const high = seq[seq.length - 1].addr;
        const ascends = seq.every((r, i) => i === 0 || r.addr >= seq[i - 1].addr);
        if (ascends) {
          // left as it is (rows at the end row's address are another matter)
          expect(ours).toEqual(seq);
          continue;
        }
        // LLVM never answers from a sequence whose end is not above its start
        if (!(low < high)) expect(ours).toEqual([]);
        for (let a = 1000 * s - 2; a < 1000 * s + 150; a++) {
          const want = llvmAnswer(seq, a);
          expect(floorAnswer(ours, a), `unit ${unit}, sequence ${s}, address ${a}`).toBe(want);
          if (want !== floorAnswer(seq, a)) parted++;
        }
      }
    }
    expect(rewritten).toBeGreaterThan(500);
    // LLVM's binary search of unordered rows often answers otherwise than the sorted rows
    expect(parted).toBeGreaterThan(1000);
  });

  it('leaves a unit whose sequences all ascend untouched', () => {
    const lr = toRows([
      { addr: 0, line: 1, file: 0, end: false },
      { addr: 4, line: 2, file: 0, end: false },
      { addr: 4, line: 3, file: 0, end: false },
      { addr: 8, line: 3, file: 0, end: true },
      { addr: 2, line: 4, file: 1, end: false },
      { addr: 6, line: 5, file: 1, end: true },
    ]);
    const before = fromRows(lr);
    expect(llvmSequenceRows(lr)).toBe(0);
    expect(fromRows(lr)).toEqual(before);
  });
});
