import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/encodings/registry.js';
import type { EncodedTable, LookupHit } from '../../src/encodings/types.js';
import { FormatError } from '../../src/errors.js';
import { fixtureTable } from '../helpers/format-checks.js';

/** The part named `symbol` of an encoded table. */
function part(enc: EncodedTable, symbol: string) {
  const p = enc.parts.find((x) => x.symbol === symbol);
  if (!p) throw new Error(`no part ${symbol}`);
  return p;
}

describe('bugs the mutations found, one corrupt table each', () => {
  const { table, littleEndian: le } = fixtureTable('gcc-dwarf5');
  const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };

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

  it.each(['flagged:5:paged', 'special:16:paged', 'mru-huffman:7:paged'])(
    "%s: a page index pointing past the page's blocks gives nothing, not an entry above the address",
    (id) => {
      const f = parseFormat(id);
      const enc = f.encode(table, le);
      const bytes = enc.bytes.slice();
      const pages = part(enc, 'lineinfo_page_blocks');
      const v = new DataView(bytes.buffer);
      const shift = v.getUint32(16, le);
      const first = table.offsets[0];
      // the page of the byte before the first entry now says its blocks start at block 1
      v.setUint32(pages.offset + 4 * Math.floor((first - 1) / 2 ** shift), 1, le);
      // before the fix: block 0, whose first entry lies above the address
      expect(f.open(bytes, le).lookup(first - 1, hit)).toBe(false);
      expect(f.open(enc.bytes, le).lookup(first - 1, hit)).toBe(false);
    },
  );

  it.each([
    'flat',
    'blocks:64:sleb',
    'module-v3:8:zigzag',
    'flagged:64',
    'special:64',
    'mru-huffman:64',
    'module-newest',
  ])(
    "%s: an entry whose file name offset lies past the names is no answer (as the kernel's lookup)",
    (id) => {
      const f = parseFormat(id);
      const enc = f.encode(table, le);
      expect(f.open(enc.bytes, le).lookup(table.offsets[0], hit)).toBe(true);
      const file = hit.fileId;
      const bytes = enc.bytes.slice();
      const offsets = enc.parts.find((p) => p.symbol.endsWith('file_offsets'));
      const names = enc.parts.find((p) => p.symbol.endsWith('filenames'));
      if (!offsets || !names) throw new Error('no file tables');
      new DataView(bytes.buffer).setUint32(offsets.offset + 4 * file, names.size, le);
      // before the fix: file and line, with a name the kernel's lookup (and the C one) refuses
      expect(f.open(bytes, le).lookup(table.offsets[0], hit)).toBe(false);
      expect(() => f.open(bytes, le).decodeAll()).toThrow(FormatError);
    },
  );
});
