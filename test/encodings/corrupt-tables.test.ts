import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/encodings/registry.js';
import { FormatError } from '../../src/errors.js';
import { fixtureTable } from '../helpers/format-checks.js';

describe('bugs the mutations found, one corrupt table each', () => {
  const { table, littleEndian: le } = fixtureTable('gcc-dwarf5');

  it('page-huffman: an entry count past what the data can hold is refused before the columns are allocated', () => {
    const f = parseFormat('page-huffman');
    const enc = f.encode(table, le);
    const bytes = enc.bytes.slice();
    // 2^32 - 1 entries: 40 GiB of columns, allocated (lazily) before the fix
    new DataView(bytes.buffer).setUint32(0, 0xffffffff, le);
    const reader = f.open(bytes, le);
    expect(() => reader.decodeAll()).toThrow(FormatError);
    expect(() => reader.decodeAll()).toThrow(/4294967295 entries cannot fit \d+ bytes of data/);
  });
});
