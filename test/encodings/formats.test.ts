import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { parseFormat } from '../../src/encodings/registry.js';
import type { LookupHit } from '../../src/encodings/types.js';
import { FormatError, UserError } from '../../src/errors.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { account } from '../../src/measure/accounting.js';
import { seededRandom, verifyEncoding } from '../../src/measure/verify.js';
import { buildFixture } from '../helpers/fixtures.js';

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
];

function fixtureTable(name: string) {
  const elf = ElfFile.open(buildFixture(name));
  const r = extractUpstream(elf, { base: 0n });
  elf.close();
  return { table: r.table, littleEndian: elf.littleEndian };
}

describe.each(FORMATS)('format %s', (id) => {
  const format = parseFormat(id);

  it.each(['gcc-dwarf5', 's390x-dwarf5', 'i686-dwarf5'])(
    'round-trips and looks up right on %s, in its byte order',
    (fx) => {
      const { table, littleEndian } = fixtureTable(fx);
      const enc = format.encode(table, littleEndian);
      const v = verifyEncoding(format, enc, table, 5000, 3);
      expect(v.roundTripEntries).toBe(table.count);
      expect(v.sampleLookups).toBe(5000);
      const acc = account(enc);
      expect(Object.values(acc.buckets).reduce((a, b) => a + b, 0)).toBe(enc.bytes.length);
      // the parts tile the bytes: consecutive, no gap, no overlap
      let at = 0;
      for (const p of enc.parts) {
        expect(p.offset).toBe(at);
        at += p.size;
      }
      expect(at).toBe(enc.bytes.length);
    },
  );

  it('survives 3,000 random mutations: a clean FormatError or bounded answers, never a crash', () => {
    const { table, littleEndian } = fixtureTable('gcc-dwarf5');
    const enc = format.encode(table, littleEndian);
    const random = seededRandom(99);
    const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
    let rejected = 0;
    for (let k = 0; k < 3000; k++) {
      const bytes = enc.bytes.slice(
        0,
        random() < 0.2 ? Math.floor(random() * enc.bytes.length) : enc.bytes.length,
      );
      for (let f = 0; f < 3; f++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      let reader: ReturnType<typeof format.open>;
      try {
        reader = format.open(bytes, littleEndian);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        rejected++;
        continue;
      }
      for (let q = 0; q < 20; q++) {
        if (reader.lookup(Math.floor(random() * 0x10000), hit)) {
          expect(hit.fileId).toBeLessThan(reader.files);
          expect(hit.index).toBeLessThan(reader.entries);
        }
      }
      try {
        reader.decodeAll();
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
      }
    }
    expect(rejected).toBeGreaterThan(0);
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
