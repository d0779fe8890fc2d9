import { type LineRows, ROW } from '../dwarf/line.js';

/**
 * llvm-symbolizer's answers inside a line-table sequence whose addresses do
 * not ascend.
 *
 * clang's integrated assembler writes such sequences for a `.S` file with
 * code in `.subsection 1` (arm64's alternatives put their replacement code
 * there: arch/arm64/kernel/entry.S's vectors): the rows go forward into the
 * subsection, which is laid out after the end of subsection 0, and come back
 * with a DW_LNS_advance_pc of 2^64 - n; the sequence ends where subsection 0
 * ends, so the subsection's rows lie past its end.
 *
 * LLVM (DWARFDebugLine::LineTable::findRowInSeq, LLVM 14) answers an address
 * A of [first row, end row) with `std::upper_bound` over the sequence's rows
 * after the first and before the end row, as they are, minus one: a binary
 * search of rows that are not sorted. Its answer changes only at the address
 * of a row (each comparison `A < row` flips there), so the sequence is
 * rewritten as one row per distinct address in that range (a copy of the row
 * LLVM answers there, at that address), then its end row: the floor search
 * of the table then answers as LLVM. A row past the end is never an answer
 * (LLVM has no line for the subsection's code), and LLVM drops a sequence
 * whose end is not above its first row (Sequence::isValid) whole.
 *
 * Rewrites `rows` in place (ascending sequences and rows after the last end
 * row move down, unchanged) and returns the number of rows it removed: 0,
 * and nothing written, when every sequence ascends.
 */
export function llvmSequenceRows(rows: LineRows): number {
  const n = rows.count;
  const first = firstUnordered(rows);
  if (first < 0) return 0;
  let w = first;
  let start = first;
  while (start < n) {
    const e = sequenceEnd(rows, start);
    if (e === n) {
      // rows after the last end row: no sequence to LLVM, left as they are
      for (let i = start; i < n; i++) copyRow(rows, i, w++);
      break;
    }
    if (ascends(rows, start, e)) for (let i = start; i <= e; i++) copyRow(rows, i, w++);
    else w = rewriteSequence(rows, start, e, w);
    start = e + 1;
  }
  rows.count = w;
  return n - w;
}

/** The first row of the first sequence (closed by an end row) that does not ascend, or -1. */
function firstUnordered(rows: LineRows): number {
  const { addrHi, addrLo, flags } = rows;
  let start = 0;
  let ordered = true;
  for (let i = 0; i < rows.count; i++) {
    if (
      i > start &&
      (addrHi[i] < addrHi[i - 1] || (addrHi[i] === addrHi[i - 1] && addrLo[i] < addrLo[i - 1]))
    )
      ordered = false;
    if (flags[i] & ROW.endSequence) {
      if (!ordered) return start;
      start = i + 1;
    }
  }
  return -1;
}

/** The end row of the sequence starting at row s, or rows.count when none ends it. */
function sequenceEnd(rows: LineRows, s: number): number {
  let e = s;
  while (e < rows.count && !(rows.flags[e] & ROW.endSequence)) e++;
  return e;
}

/** Rows [s, e] in address order (equal addresses allowed). */
function ascends(rows: LineRows, s: number, e: number): boolean {
  for (let i = s + 1; i <= e; i++) if (before(rows, i, i - 1)) return false;
  return true;
}

/** Row a's address is below row b's. */
function before(rows: LineRows, a: number, b: number): boolean {
  return (
    rows.addrHi[a] < rows.addrHi[b] ||
    (rows.addrHi[a] === rows.addrHi[b] && rows.addrLo[a] < rows.addrLo[b])
  );
}

/** Row a's address is at or below the address (hi, lo). */
function atOrBelow(rows: LineRows, a: number, hi: number, lo: number): boolean {
  return rows.addrHi[a] < hi || (rows.addrHi[a] === hi && rows.addrLo[a] <= lo);
}

/**
 * One sequence that does not ascend, rows [s, e] (e its end row), written
 * from row w on as LLVM answers it; returns the next free row.
 */
function rewriteSequence(rows: LineRows, s: number, e: number, w: number): number {
  // Sequence::isValid: LowPC < HighPC, else LLVM never answers from it
  if (!before(rows, s, e)) return w;
  // the distinct addresses of [LowPC, HighPC), ascending
  const at: number[] = [];
  for (let i = s; i < e; i++) if (!before(rows, i, s) && before(rows, i, e)) at.push(i);
  at.sort((a, b) => rows.addrHi[a] - rows.addrHi[b] || rows.addrLo[a] - rows.addrLo[b]);
  const addrs: [number, number][] = [];
  const answer: number[] = [];
  for (const i of at) {
    const hi = rows.addrHi[i];
    const lo = rows.addrLo[i];
    const last = addrs[addrs.length - 1];
    if (last && last[0] === hi && last[1] === lo) continue;
    addrs.push([hi, lo]);
    // std::upper_bound over [s + 1, e), minus one (libstdc++ and libc++ alike)
    let f = s + 1;
    let len = e - f;
    while (len > 0) {
      const half = len >>> 1;
      const mid = f + half;
      if (!atOrBelow(rows, mid, hi, lo)) len = half;
      else {
        f = mid + 1;
        len -= half + 1;
      }
    }
    answer.push(f - 1);
  }
  // the answers are read from rows [s, e): copy them out before writing over them
  const saved = allocCopy(rows, answer);
  for (let k = 0; k < answer.length; k++) {
    copyFrom(saved, k, rows, w);
    rows.addrHi[w] = addrs[k][0];
    rows.addrLo[w] = addrs[k][1];
    w++;
  }
  copyRow(rows, e, w++);
  return w;
}

/** Row `from` copied over row `to` (to <= from). */
function copyRow(rows: LineRows, from: number, to: number): void {
  if (from === to) return;
  rows.addrHi[to] = rows.addrHi[from];
  rows.addrLo[to] = rows.addrLo[from];
  rows.opIndex[to] = rows.opIndex[from];
  rows.file[to] = rows.file[from];
  rows.line[to] = rows.line[from];
  rows.column[to] = rows.column[from];
  rows.discriminator[to] = rows.discriminator[from];
  rows.isa[to] = rows.isa[from];
  rows.flags[to] = rows.flags[from];
}

type RowCopy = Omit<LineRows, 'count' | 'addrHi' | 'addrLo'>;

function allocCopy(rows: LineRows, which: number[]): RowCopy {
  const pick = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const out = make(which.length);
    for (let k = 0; k < which.length; k++) out[k] = a[which[k]];
    return out;
  };
  const u32 = (n: number) => new Uint32Array(n);
  return {
    opIndex: pick(rows.opIndex, u32),
    file: pick(rows.file, u32),
    line: pick(rows.line, u32),
    column: pick(rows.column, u32),
    discriminator: pick(rows.discriminator, u32),
    isa: pick(rows.isa, u32),
    flags: pick(rows.flags, (n) => new Uint8Array(n)),
  };
}

function copyFrom(c: RowCopy, k: number, rows: LineRows, to: number): void {
  rows.opIndex[to] = c.opIndex[k];
  rows.file[to] = c.file[k];
  rows.line[to] = c.line[k];
  rows.column[to] = c.column[k];
  rows.discriminator[to] = c.discriminator[k];
  rows.isa[to] = c.isa[k];
  rows.flags[to] = c.flags[k];
}
