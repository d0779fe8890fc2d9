import { describe, expect, it } from 'vitest';
import { CandidateTable, sortByOffsetThenPair } from '../../src/lineinfo/candidates.js';

/** The generator's sort and walk, plainly, with its two counters. */
function naive(rows: [number, number, number][]) {
  const sorted = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const kept: [number, number, number][] = [];
  let sameOffset = 0;
  let sameFileLine = 0;
  for (const e of sorted) {
    const last = kept[kept.length - 1];
    if (last && e[0] === last[0]) sameOffset++;
    else if (last && e[1] === last[1] && e[2] === last[2]) sameFileLine++;
    else kept.push(e);
  }
  return { kept, sameOffset, sameFileLine };
}

describe('candidate reduction, sort and walk', () => {
  it('keeps the same entries and counts the same drops as the plain walk (2,000 random tables)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let t = 0; t < 2000; t++) {
      const rows: [number, number, number][] = [];
      const table = new CandidateTable(4);
      const units = 1 + random(4);
      for (let u = 0; u < units; u++) {
        // each unit in address order, with repeats and small ranges so offsets collide across units
        let off = random(20);
        const n = random(30);
        for (let i = 0; i < n; i++) {
          if (random(3) === 0) off += random(4);
          const row: [number, number, number] = [off, random(3), 1 + random(4)];
          rows.push(row);
          table.add(...row);
        }
      }
      const drops = { sameOffset: 0, sameFileLine: 0 };
      const got = table.finish([], drops);
      const want = naive(rows);
      const entries = Array.from({ length: got.count }, (_, i) => [
        got.offsets[i],
        got.fileIds[i],
        got.lines[i],
      ]);
      expect(entries, `table ${t}`).toEqual(want.kept);
      expect(drops, `table ${t}`).toEqual({
        sameOffset: want.sameOffset,
        sameFileLine: want.sameFileLine,
      });
    }
  });

  it('sorts indices by (offset, file, line), equal keys in index order, across 64 KiB buckets in and out of order', () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let t = 0; t < 200; t++) {
      const n = random(3000);
      const offsets = new Uint32Array(n);
      const files = new Uint16Array(n);
      const lines = new Uint32Array(n);
      // ascending runs, as units give them, some starting back in earlier buckets
      let off = random(1 << 20);
      for (let i = 0; i < n; i++) {
        if (random(50) === 0) off = random(1 << 20);
        else off += random(3) === 0 ? 0 : random(1 << (1 + random(16)));
        offsets[i] = off >>> 0;
        files[i] = random(3);
        lines[i] = random(4);
      }
      const want = Array.from({ length: n }, (_, i) => i).sort(
        (a, b) => offsets[a] - offsets[b] || files[a] - files[b] || lines[a] - lines[b] || a - b,
      );
      expect(Array.from(sortByOffsetThenPair(n, offsets, files, lines)), `input ${t}`).toEqual(
        want,
      );
    }
  });

  it('counts every copy of a row repeated more often than a weight column holds', () => {
    const rows: [number, number, number][] = [];
    const table = new CandidateTable(4);
    for (const [off, copies] of [
      [4, 300],
      [8, 70_000],
      [12, 2],
    ]) {
      for (let k = 0; k < copies; k++) rows.push([off, 1, 5]);
      rows.push([off, 2, 1]);
    }
    for (const r of rows) table.add(...r);
    const drops = { sameOffset: 0, sameFileLine: 0 };
    const got = table.finish([], drops);
    const want = naive(rows);
    expect(got.count).toBe(want.kept.length);
    expect(drops).toEqual({ sameOffset: want.sameOffset, sameFileLine: want.sameFileLine });
  });
});
