import { describe, expect, it } from 'vitest';
import { allocRows, ROW } from '../../src/dwarf/line.js';
import { libdwRowOrder } from '../../src/lineinfo/libdw-order.js';

/** libdw's comparator, written plainly: address, then end rows first, then program order. */
function reference(addr: number[], end: boolean[]): number[] {
  return addr
    .map((_, i) => i)
    .sort((a, b) => addr[a] - addr[b] || Number(end[b]) - Number(end[a]) || a - b);
}

describe('libdw row order', () => {
  it('equals the plain comparator on 3,000 random units (touching, tied, overlapping sequences)', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let fastShapes = 0;
    for (let unit = 0; unit < 3000; unit++) {
      const addr: number[] = [];
      const end: boolean[] = [];
      const nseq = 1 + random(5);
      for (let s = 0; s < nseq; s++) {
        // starts far apart, adjacent, or overlapping the previous one
        let a = random(3) === 0 ? (addr.length ? addr[addr.length - 1] : 0) : random(200);
        const rows = 1 + random(6);
        for (let r = 0; r < rows; r++) {
          addr.push(a);
          end.push(false);
          a += random(3); // 0 gives rows at the same address
        }
        addr.push(random(2) === 0 ? addr[addr.length - 1] : a); // end row, maybe tied
        end.push(true);
      }
      const rows = allocRows(addr.length);
      rows.count = addr.length;
      for (let i = 0; i < addr.length; i++) {
        rows.addrHi[i] = 0xffffffff;
        rows.addrLo[i] = addr[i];
        rows.flags[i] = end[i] ? ROW.endSequence : ROW.isStmt;
      }
      expect(Array.from(libdwRowOrder(rows)), `unit ${unit}: ${addr} ${end}`).toEqual(
        reference(addr, end),
      );
      if (nseq > 1) fastShapes++;
    }
    expect(fastShapes).toBeGreaterThan(1000);
  });
});
