import { type LineRows, ROW } from '../dwarf/line.js';

/**
 * The order in which elfutils' libdw (dwarf_getsrclines) returns a unit's
 * rows: by address; at equal addresses an end-of-sequence row first;
 * otherwise program order. Returns row indices in that order.
 *
 * Most units are sequences that each ascend and do not overlap, so the fast
 * path sorts whole sequences (moving an end row ahead of the rows at its
 * address); anything else falls back to a full row sort.
 */
export function libdwRowOrder(rows: LineRows, scratch?: Uint32Array): Uint32Array {
  const n = rows.count;
  const { addrHi, addrLo, flags } = rows;
  const order = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Uint32Array(n);
  // Sequences as [start, end) row ranges in program order; `tied` counts the
  // rows just before a sequence's end row that share its address (the end row
  // sorts ahead of them).
  const starts: number[] = [];
  const ends: number[] = [];
  const tied: number[] = [];
  let start = 0;
  let fast = true;
  for (let i = 0; i < n; i++) {
    if (i > start) {
      const h = addrHi[i];
      const l = addrLo[i];
      const ph = addrHi[i - 1];
      const pl = addrLo[i - 1];
      // Within a sequence the address must ascend.
      if (h < ph || (h === ph && l < pl)) fast = false;
    }
    if (flags[i] & ROW.endSequence) {
      let t = 0;
      while (
        i - t - 1 >= start &&
        addrHi[i - t - 1] === addrHi[i] &&
        addrLo[i - t - 1] === addrLo[i]
      )
        t++;
      starts.push(start);
      ends.push(i + 1);
      tied.push(t);
      start = i + 1;
    }
  }
  if (start < n) {
    starts.push(start);
    ends.push(n);
    tied.push(0);
  }
  if (fast) {
    const seq = new Uint32Array(starts.length);
    for (let s = 0; s < seq.length; s++) seq[s] = s;
    const before = (a: number, b: number) => {
      const ia = starts[a];
      const ib = starts[b];
      if (addrHi[ia] !== addrHi[ib]) return addrHi[ia] - addrHi[ib];
      if (addrLo[ia] !== addrLo[ib]) return addrLo[ia] - addrLo[ib];
      return a - b;
    };
    seq.sort(before);
    // Concatenation is right only if each sequence ends before the next one
    // starts; touching is fine when the earlier one ends with its end row.
    let k = 0;
    for (let s = 0; s < seq.length && fast; s++) {
      const a = seq[s];
      if (s > 0) {
        const last = ends[seq[s - 1]] - 1;
        const first = starts[a];
        const lh = addrHi[last];
        const ll = addrLo[last];
        const fh = addrHi[first];
        const fl = addrLo[first];
        if (lh > fh || (lh === fh && ll > fl)) fast = false;
        else if (
          lh === fh &&
          ll === fl &&
          // at a shared address program order decides between two sequences'
          // normal rows: only a lone end row may touch the next sequence
          (tied[seq[s - 1]] > 0 ||
            !(flags[last] & ROW.endSequence) ||
            flags[first] & ROW.endSequence)
        ) {
          fast = false;
        }
      }
      const t = tied[a];
      const e = ends[a];
      if (t === 0) {
        for (let i = starts[a]; i < e; i++) order[k++] = i;
      } else {
        for (let i = starts[a]; i < e - 1 - t; i++) order[k++] = i;
        order[k++] = e - 1;
        for (let i = e - 1 - t; i < e - 1; i++) order[k++] = i;
      }
    }
    if (fast) return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    if (addrHi[a] !== addrHi[b]) return addrHi[a] - addrHi[b];
    if (addrLo[a] !== addrLo[b]) return addrLo[a] - addrLo[b];
    const ea = flags[a] & ROW.endSequence;
    const eb = flags[b] & ROW.endSequence;
    if (ea !== eb) return eb - ea;
    return a - b;
  });
  return order;
}
