import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { moduleV1Format, moduleV2Format } from '../../src/encodings/module-early.js';
import type { ModuleFormat } from '../../src/encodings/module-sections.js';
import { parseFormat } from '../../src/encodings/registry.js';
import type { EncodedTable, Format, LookupHit } from '../../src/encodings/types.js';
import { FormatError } from '../../src/errors.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import {
  blobTarget,
  formatTarget,
  lookupOffsets,
  MUTATION_KINDS,
  type MutationTally,
  type MutationTarget,
  runMutations,
} from '../../src/measure/table-mutations.js';
import { seededRandom } from '../../src/measure/verify.js';
import { fixtureTable, OUR_FORMAT_IDS } from '../helpers/format-checks.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';

/**
 * Corrupt tables (issue 19 item 4): every format the registry parses and
 * every module layout, mutated with a fixed seed; the reader answers within
 * bounds or refuses with a FormatError, never another exception, a read
 * outside its bytes or a hang. The C lookup's side is in
 * test/measure/table-mutations.test.ts.
 */

/** Every format parseFormat knows, with block sizes and codings that reach the edge cases. */
const REGISTRY_FORMATS = [
  'flat',
  'blocks:64:sleb',
  'blocks:8:zigzag',
  'blocks:1',
  'module-v3:64:sleb',
  'module-v3:8:zigzag',
  'module-v5:64:sleb',
  'module-v5:4:zigzag',
  'module-v6:64:sleb',
  'module-v6:8:zigzag',
  'module-newest',
  ...OUR_FORMAT_IDS,
];
/** module-early.ts's layouts (not in the registry: measured for modules only). */
const EARLY_MODULE_FORMATS: Format[] = [moduleV1Format, moduleV2Format(64), moduleV2Format(4)];

const SEED = 19;

function expectSurvived(t: MutationTally): void {
  expect(t.problems, t.name).toEqual([]);
  expect(t.ts.failed, t.name).toBe(0);
  // the mutations reached both sides: some tables refused, some read
  expect(t.ts.rejected, t.name).toBeGreaterThan(0);
  expect(t.ts.same + t.ts.changed, t.name).toBeGreaterThan(0);
}

describe('every format survives corrupt tables: answers within bounds or a FormatError', () => {
  const formats: Format[] = [...REGISTRY_FORMATS.map(parseFormat), ...EARLY_MODULE_FORMATS];
  // little-endian x86_64 and big-endian s390x, fewer of the second and not its paged
  // formats (their page index over 16 MiB of text makes 2 MiB tables, slow to watch)
  it.each([
    ['gcc-dwarf5', 300],
    ['s390x-dwarf5', 80],
  ] as const)(
    '%s: %i mutants per format, every read of the bytes watched',
    (fixture, count) => {
      const { table, littleEndian } = fixtureTable(fixture);
      const offsets = lookupOffsets([table], 40, seededRandom(1));
      const kinds = new Set<string>();
      for (const f of formats) {
        if (fixture === 's390x-dwarf5' && f.id.endsWith(':paged')) continue;
        const t = runMutations(formatTarget(f, f.encode(table, littleEndian)), {
          count,
          seed: SEED,
          offsets,
          watch: true,
          slowMs: 2000,
        });
        expect(t.mutations).toBe(count);
        expectSurvived(t);
        for (const [k, n] of Object.entries(t.byKind)) if (n > 0) kinds.add(k);
      }
      expect([...kinds].sort()).toEqual([...MUTATION_KINDS].sort());
    },
    180_000,
  );
});

describe('module layouts on real .ko objects survive corrupt sections', () => {
  // x86_64 (64-bit LE), i386 (32-bit: 4-byte anchors), s390x (64-bit BE)
  const targets = [KO_TARGETS[0], KO_TARGETS[1], KO_TARGETS[6]];
  for (const ko of targets) {
    it.skipIf(!hasKoTools(ko))(
      `${ko.arch}: v1-v4 layouts (module-v1, -v2, -v3) and both blobs of module-newest, -v6, -v5`,
      () => {
        const path = buildKo(ko, 5);
        const elf = ElfFile.open(path);
        const le = elf.littleEndian;
        const is64 = elf.is64;
        const old = extractUpstream(elf, { rules: 'v1-v4', relocation: 'full' }).table;
        const ms = extractUpstream(elf, { rules: 'newest', relocation: 'full' }).moduleSections;
        elf.close();
        if (!ms) throw new Error('no per-section tables under the newest rules');
        const all: MutationTarget[] = [];
        for (const f of [
          moduleV1Format,
          moduleV2Format(64),
          parseFormat('module-v3:64:sleb'),
          parseFormat('module-v3:2:zigzag'),
        ])
          all.push(formatTarget(f, f.encode(old, le)));
        for (const id of ['module-newest', 'module-v6:64:sleb', 'module-v5:64:sleb']) {
          const f = parseFormat(id) as ModuleFormat;
          const m = f.encodeModule(ms.sections, ms.files, { littleEndian: le, is64 });
          for (const b of m.blobs) all.push(blobTarget(f, b));
        }
        // both blobs of each per-section layout: .init.text's table is in the second
        expect(all.filter((t) => t.name.endsWith('.init.mod_lineinfo'))).toHaveLength(3);
        const offsets = lookupOffsets(
          [old, ...ms.sections.map((s) => s.table)],
          20,
          seededRandom(2),
        );
        for (const t of all) {
          const tally = runMutations(t, { count: 250, seed: SEED, offsets, watch: true });
          expectSurvived(tally);
        }
      },
      120_000,
    );
  }
});

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

  it.each([
    ['special:64', 2],
    ['mru-huffman:64', 35],
    ['special:16:paged', 2],
  ] as const)(
    '%s: fewer parameter words than the decoder needs (%i) is a FormatError, as the C lookup refuses it',
    (id, needed) => {
      const f = parseFormat(id);
      const enc = f.encode(table, le);
      for (const np of [0, needed - 1]) {
        const bytes = enc.bytes.slice();
        new DataView(bytes.buffer).setUint32(part(enc, 'lineinfo_num_params').offset, np, le);
        // before the fix: opened, and each block's first entry answered from a table C refuses
        expect(() => f.open(bytes, le)).toThrow(FormatError);
        expect(() => f.open(bytes, le)).toThrow(`${np} parameters, the decoder needs ${needed}`);
      }
      expect(f.open(enc.bytes, le).entries).toBe(table.count);
    },
  );
});
