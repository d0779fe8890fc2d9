import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { offsetQuantum } from '../../src/encodings/codec-blocks.js';
import { canonicalCodes, huffmanLengths } from '../../src/encodings/codecs.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { entropyBound } from '../../src/measure/entropy.js';
import { buildFixture } from '../helpers/fixtures.js';

function table(offsets: number[], files: number[], lines: number[]): EntryTable {
  return {
    count: offsets.length,
    offsets: Uint32Array.from(offsets),
    fileIds: Uint16Array.from(files),
    lines: Uint32Array.from(lines),
    files: ['a', 'b'],
  };
}

describe('the entropy bound', () => {
  it('is exact on a table whose deltas are known', () => {
    // offset steps 4,4,8,8 (1 bit each), file steps all 0 (0 bits), line steps 1,2,1,2 (1 bit each), jointly (4,1),(4,2),(8,1),(8,2): 2 bits
    const t = table([0, 4, 8, 16, 24], [0, 0, 0, 0, 0], [1, 2, 4, 5, 7]);
    const b = entropyBound(t);
    expect(b.offsetDelta).toBeCloseTo((4 * 1) / 8 / 5, 12);
    expect(b.fileDelta).toBe(0);
    expect(b.lineDelta).toBeCloseTo((4 * 1) / 8 / 5, 12);
    expect(b.separate).toBeCloseTo(b.offsetDelta + b.lineDelta, 12);
    expect(b.joint).toBeCloseTo((4 * 2) / 8 / 5, 12);
  });
});

describe('Huffman codes', () => {
  it('are prefix-free, meet Kraft with equality, and stay within 15 bits on skewed counts', () => {
    const counts = Array.from({ length: 64 }, (_, i) =>
      Math.max(1, Math.floor(1e6 / 2 ** Math.min(i, 30))),
    );
    const len = huffmanLengths(counts);
    expect(Math.max(...len)).toBeLessThanOrEqual(15);
    expect(len.reduce((a, l) => a + 2 ** -l, 0)).toBeCloseTo(1, 12);
    const codes = canonicalCodes(len);
    const words = codes.map((c, i) => c.toString(2).padStart(len[i], '0'));
    for (let i = 0; i < words.length; i++) {
      for (let j = 0; j < words.length; j++)
        if (i !== j) expect(words[j].startsWith(words[i])).toBe(false);
    }
  });
});

describe('offset quantum', () => {
  it('is the instruction size where every step is a multiple of it', () => {
    const q = (fx: string) => {
      const elf = ElfFile.open(buildFixture(fx));
      const t = extractUpstream(elf, { base: 0n }).table;
      elf.close();
      return offsetQuantum(t);
    };
    expect(q('aarch64-dwarf5')).toBe(4);
    expect(q('gcc-dwarf5')).toBe(1);
    expect(offsetQuantum(table([0, 2, 6, 10], [0, 0, 0, 0], [1, 2, 3, 4]))).toBe(2);
  });
});
