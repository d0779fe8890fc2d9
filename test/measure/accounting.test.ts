import { describe, expect, it } from 'vitest';
import { countArithmetic } from '../../src/measure/accounting.js';

describe("the series' published arithmetic (patch 3, x86_64 defconfig + debug info)", () => {
  it('3,017,154 entries in blocks of 64 give 47,144 blocks and a 188,576-byte index array each', () => {
    const a = countArithmetic(3_017_154, 64);
    expect(a.blocks).toBe(47_144);
    expect(a.indexArrayBytes).toBe(188_576);
  });

  it('the flat arrays are 30,171,540 bytes (10.0 B/entry) and the blocks 11,303,280 (3.7 B/entry, 2.7x)', () => {
    const a = countArithmetic(3_017_154, 64);
    expect(a.flatArraysBytes).toBe(30_171_540);
    const blocksTotal = 2 * a.indexArrayBytes + 10_926_128;
    expect(blocksTotal).toBe(11_303_280);
    expect((blocksTotal / 3_017_154).toFixed(1)).toBe('3.7');
    expect((a.flatArraysBytes / blocksTotal).toFixed(1)).toBe('2.7');
  });
});
