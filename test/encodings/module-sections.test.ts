import { describe, expect, it } from 'vitest';
import {
  type ModuleFormat,
  type ModuleSectionInput,
  moduleBucketSizes,
  moduleBytes,
  moduleNewestFormat,
  moduleV5Format,
  moduleV6Format,
} from '../../src/encodings/module-sections.js';
import { parseFormat } from '../../src/encodings/registry.js';
import { REVISION_IDS, REVISIONS } from '../../src/encodings/revisions.js';
import { bucketSizes } from '../../src/encodings/types.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import {
  expectRoundTrip,
  expectSurvivesMutations,
  fixtureTable,
} from '../helpers/format-checks.js';

/** Module layouts from v5 on: per-section tables in .mod_lineinfo and .init.mod_lineinfo. */

const IDS = [
  'module-newest',
  'module-v6:64:sleb',
  'module-v6:8:zigzag',
  'module-v5:64:sleb',
  'module-v5:4',
];

/** A table's entries from..to (offsets made relative to the first), as one section's input. */
function slice(t: EntryTable, name: string, from: number, to: number): ModuleSectionInput {
  const base = t.offsets[from];
  const offsets = t.offsets.slice(from, to).map((o) => o - base);
  return {
    name,
    size: offsets.length ? offsets[offsets.length - 1] + 3 : 0,
    table: {
      count: to - from,
      offsets,
      fileIds: t.fileIds.slice(from, to),
      lines: t.lines.slice(from, to),
    },
  };
}

describe.each(IDS)('module layout %s as a Format (one table as .text)', (id) => {
  const format = parseFormat(id);

  it('is known to parseFormat by its id', () => {
    expect(format.id).toBe(id.split(':').length === 2 ? `${id}:sleb` : id);
  });

  it.each(['gcc-dwarf5', 's390x-dwarf5', 'i686-dwarf5'])(
    'round-trips and looks up right on %s, in its byte order; parts tile the bytes',
    (fx) => {
      const { table, littleEndian } = fixtureTable(fx);
      expectRoundTrip(format, table, littleEndian, 3000);
    },
  );

  it('survives 2,000 random mutations: a clean FormatError or bounded answers, never a crash', () => {
    const { table, littleEndian } = fixtureTable('gcc-dwarf5');
    const enc = format.encode(table, littleEndian);
    expectSurvivesMutations(format, enc, littleEndian, 7, 2000);
  });
});

describe('several sections', () => {
  const { table } = fixtureTable('gcc-dwarf5');
  const n = table.count;
  // four sections of a made-up module, in the generator's order; one odd count
  const sections = [
    slice(table, '.text', 0, Math.floor(n / 2) + 1),
    slice(table, '.exit.text', Math.floor(n / 2) + 1, Math.floor(n / 2) + 4),
    slice(table, '.init.text', Math.floor(n / 2) + 4, n - 5),
    slice(table, '.noinstr.text', n - 5, n),
  ];
  const files = table.files;
  const formats: ModuleFormat[] = [moduleNewestFormat(), moduleV6Format(), moduleV5Format()];

  it.each(formats.map((f) => [f.id, f] as const))(
    '%s: every section decodes back from its blob; buckets add up to the bytes',
    (_id, f) => {
      for (const target of [
        { littleEndian: true, is64: true },
        { littleEndian: false, is64: true },
        { littleEndian: true, is64: false },
        { littleEndian: false, is64: false },
      ]) {
        const m = f.encodeModule(sections, files, target);
        const sum = moduleBucketSizes(m);
        expect(sum.total).toBe(moduleBytes(m));
        for (const b of m.blobs) expect(bucketSizes(b).total).toBe(b.bytes.length);
        const seen: string[] = [];
        for (const b of m.blobs) {
          const read = f.openBlob(b.bytes, target.littleEndian);
          expect(read).toHaveLength(b.sections.length);
          read.forEach((r, k) => {
            const s = sections.find((x) => x.name === b.sections[k])!;
            expect(f.blobOf(s.name)).toBe(b.section);
            const back = r.reader.decodeAll();
            expect(back.files).toEqual(files);
            expect([...back.offsets]).toEqual([...s.table.offsets]);
            expect([...back.lines]).toEqual([...s.table.lines]);
            expect([...back.fileIds]).toEqual([...s.table.fileIds]);
            if (f.id !== 'module-v5:64:sleb') expect(r.size).toBe(s.size);
            seen.push(s.name);
          });
          // anchors: zero bytes in the blob, one relocation per table
          expect(b.anchors.map((a) => a.section)).toEqual(b.sections);
          for (const a of b.anchors) {
            expect(a.size).toBe(target.is64 ? 8 : 4);
            expect(b.bytes.subarray(a.offset, a.offset + a.size).every((x) => x === 0)).toBe(true);
          }
        }
        expect(m.entries + m.notCovered).toBe(sections.reduce((k, s) => k + s.table.count, 0));
        if (f.id === 'module-newest') {
          expect(seen).toEqual(['.text', '.exit.text', '.noinstr.text', '.init.text']);
          expect(m.notCovered).toBe(0);
        } else {
          // our reading of v5 and v6: init and exit text in .init.mod_lineinfo, no .noinstr.text
          expect(seen).toEqual(['.text', '.exit.text', '.init.text']);
          expect(m.notCovered).toBe(5);
        }
      }
    },
  );

  it('module-newest: root, descriptors and per-section headers where the generator puts them', () => {
    const f = moduleNewestFormat();
    const le = true;
    const m = f.encodeModule(sections, files, { littleEndian: le, is64: false });
    const b = m.blobs[0];
    const v = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    expect(v.getUint32(0, le)).toBe(3); // .text, .exit.text, .noinstr.text
    expect(v.getUint32(4, le)).toBe(0); // padding to the 8-aligned descriptors
    // 32-bit little-endian: the 4-byte relocation first, then 4 zero bytes
    expect(b.anchors.map((a) => a.offset)).toEqual([8, 24, 40]);
    const first = v.getUint32(8 + 12, le);
    expect(first).toBe(8 + 3 * 16);
    const count = v.getUint32(first, le);
    expect(count).toBe(sections[0].table.count);
    expect(v.getUint32(first + 4, le)).toBe(files.length);
    // the next table starts 4-aligned after the first one's file names
    const second = v.getUint32(8 + 16 + 12, le);
    expect(second % 4).toBe(0);
    const namesSize = v.getUint32(first + 8, le);
    const end =
      first +
      12 +
      4 * count +
      2 * count +
      (count % 2 ? 2 : 0) +
      4 * count +
      4 * files.length +
      namesSize;
    expect(second).toBe(Math.ceil(end / 4) * 4);
    const be = f.encodeModule(sections, files, { littleEndian: false, is64: false });
    // 32-bit big-endian: 4 zero bytes first, then the relocation
    expect(be.blobs[0].anchors.map((a) => a.offset)).toEqual([12, 28, 44]);
    expect(be.blobs.map((x) => x.section)).toEqual(['.mod_lineinfo', '.init.mod_lineinfo']);
  });

  it('a blob without tables is not emitted; nothing at all for a module without entries', () => {
    const none = sections.map((s) => ({ ...s, table: { ...s.table, count: 0 } }));
    for (const f of formats) {
      expect(f.encodeModule(none, files, { littleEndian: true, is64: true }).blobs).toEqual([]);
      const initOnly = sections.map((s) =>
        s.name === '.init.text' ? s : { ...s, table: { ...s.table, count: 0 } },
      );
      const m = f.encodeModule(initOnly, files, { littleEndian: true, is64: true });
      expect(m.blobs.map((b) => b.section)).toEqual(['.init.mod_lineinfo']);
    }
  });
});

describe('revisions', () => {
  it('v1-v4, v5 and v6 name a module layout parseFormat knows; the newest one is module-newest', () => {
    for (const id of REVISION_IDS) {
      const layout = REVISIONS[id].moduleLayout;
      // the newest profile's layout is named once the generator check compares its blobs
      if (id === 'newest' && layout === undefined) continue;
      expect(layout, id).toBeDefined();
      expect(parseFormat(layout!).id).toBe(layout);
    }
    expect(REVISIONS.v5.moduleLayout).toBe('module-v5:64:sleb');
    expect(REVISIONS.v6.moduleLayout).toBe('module-v6:64:sleb');
    expect(parseFormat('module-newest').id).toBe('module-newest');
  });
});
