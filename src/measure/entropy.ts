import type { EntryTable } from '../lineinfo/entries.js';

/**
 * The order-0 entropy of a table's delta streams, in bytes per entry: what
 * any coder that treats each entry's deltas as independent draws from fixed
 * distributions cannot beat (an index and headers come on top). `separate`
 * sums the entropies of the offset, file and line deltas; `joint` codes the
 * triple as one symbol, which captures their correlation.
 */
export interface EntropyBound {
  offsetDelta: number;
  fileDelta: number;
  lineDelta: number;
  separate: number;
  joint: number;
  /** The same with offset deltas divided by the instruction quantum, where it divides them all. */
  quantum: number;
}

function entropyBits(counts: Map<number | string, number>, total: number): number {
  let h = 0;
  for (const c of counts.values()) {
    const p = c / total;
    h -= c * Math.log2(p);
  }
  return h;
}

export function entropyBound(t: EntryTable, quantum = 1): EntropyBound {
  // offset steps in units of the instruction size change nothing in entropy; kept for the report
  const n = t.count;
  const dOff = new Map<number, number>();
  const dFile = new Map<number, number>();
  const dLine = new Map<number, number>();
  const joint = new Map<string, number>();
  let divisible = quantum > 1;
  for (let i = 1; i < n; i++) {
    if ((t.offsets[i] - t.offsets[i - 1]) % quantum !== 0) divisible = false;
  }
  const q = divisible ? quantum : 1;
  for (let i = 1; i < n; i++) {
    const a = (t.offsets[i] - t.offsets[i - 1]) / q;
    const f = t.fileIds[i] - t.fileIds[i - 1];
    const l = t.lines[i] - t.lines[i - 1];
    dOff.set(a, (dOff.get(a) ?? 0) + 1);
    dFile.set(f, (dFile.get(f) ?? 0) + 1);
    dLine.set(l, (dLine.get(l) ?? 0) + 1);
    const k = `${a},${f},${l}`;
    joint.set(k, (joint.get(k) ?? 0) + 1);
  }
  const m = Math.max(1, n - 1);
  const per = (bits: number) => bits / 8 / Math.max(1, n);
  const off = per(entropyBits(dOff, m));
  const file = per(entropyBits(dFile, m));
  const line = per(entropyBits(dLine, m));
  return {
    offsetDelta: off,
    fileDelta: file,
    lineDelta: line,
    separate: off + file + line,
    joint: per(entropyBits(joint, m)),
    quantum: q,
  };
}
