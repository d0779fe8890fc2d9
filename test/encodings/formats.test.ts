import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/encodings/registry.js';
import { UserError } from '../../src/errors.js';
import {
  expectRoundTrip,
  expectSurvivesMutations,
  fixtureTable,
} from '../helpers/format-checks.js';

const FORMATS = [
  'flat',
  'blocks:64:sleb',
  'blocks:64:zigzag',
  'blocks:4',
  'blocks:1',
  'module-v3:64:sleb',
  'module-v3:8',
  'flagged:64',
  'flagged:3',
  'special:64',
  'special:5',
  'mru-huffman:64',
  'mru-huffman:7',
  'special:16:paged',
  'mru-huffman:32:paged',
  'page-huffman',
  'page-huffman:16',
  'page-huffman:1024',
];

describe.each(FORMATS)('format %s', (id) => {
  const format = parseFormat(id);

  it.each(['gcc-dwarf5', 's390x-dwarf5', 'i686-dwarf5'])(
    'round-trips and looks up right on %s, in its byte order',
    (fx) => {
      const { table, littleEndian } = fixtureTable(fx);
      const v = expectRoundTrip(format, table, littleEndian, 5000);
      expect(v.sampleLookups).toBe(5000);
    },
  );

  it('survives 3,000 random mutations: a clean FormatError or bounded answers, never a crash', () => {
    const { table, littleEndian } = fixtureTable('gcc-dwarf5');
    const enc = format.encode(table, littleEndian);
    expect(expectSurvivesMutations(format, enc, littleEndian, 99, 3000)).toBeGreaterThan(0);
  });
});

describe('module section (v3/v4)', () => {
  it('is the block table behind a 48-byte header whose offsets point at its parts', () => {
    const { table, littleEndian } = fixtureTable('s390x-dwarf5');
    const mod = parseFormat('module-v3:64').encode(table, littleEndian);
    const vm = parseFormat('blocks:64').encode(table, littleEndian);
    const part = (t: typeof mod, s: string) => t.parts.find((p) => p.symbol === s)!;
    const v = new DataView(mod.bytes.buffer);
    const word = (i: number) => v.getUint32(4 * i, littleEndian);
    expect(word(0)).toBe(table.count);
    expect(word(3)).toBe(48);
    expect(part(mod, 'block_addrs').offset).toBe(word(3));
    expect(part(mod, 'data').offset).toBe(word(5));
    expect(part(mod, 'file_offsets').offset).toBe(word(7));
    expect(part(mod, 'filenames').offset).toBe(word(9));
    // the same data bytes as the vmlinux table
    const d = part(vm, 'lineinfo_data');
    expect(
      Buffer.from(mod.bytes.subarray(word(5), word(5) + word(6))).equals(
        Buffer.from(vm.bytes.subarray(d.offset, d.offset + d.size)),
      ),
    ).toBe(true);
  });
});

describe('format ids', () => {
  it('parse with defaults and reject nonsense with a user error', () => {
    expect(parseFormat('blocks').id).toBe('blocks:64:sleb');
    expect(parseFormat('blocks:16:zigzag').id).toBe('blocks:16:zigzag');
    expect(() => parseFormat('blocks:0')).toThrow(UserError);
    expect(() => parseFormat('blocks:64:rle')).toThrow('deltas are sleb or zigzag');
    expect(() => parseFormat('gsym')).toThrow('unknown format');
  });
});
