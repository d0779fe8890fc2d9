import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCoveredSections } from '../../src/elf/covered-sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { NEWEST_ABS32, NEWEST_ABS64 } from '../../src/elf/relocation-types.js';
import {
  type EncodedModule,
  moduleNewestFormat,
  moduleV5Format,
  moduleV6Format,
} from '../../src/encodings/module-sections.js';
import { type ExtractResult, extractUpstream } from '../../src/lineinfo/extract.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import {
  buildKo,
  hasKoTools,
  KO_SOURCES,
  KO_TARGETS,
  type KoTarget,
} from '../helpers/ko-objects.js';
import {
  type GeneratorSection,
  hasNewestGenerator,
  relocatedCopy,
  runNewestModule,
} from '../helpers/newest-generator.js';

/**
 * The newest generator's module rules (spec section 6) against the newest
 * generator itself (shared/upstream/post-v7-patch2, built here), on modules
 * compiled with real gcc for seven architectures and linked with `ld -r` as
 * kbuild links a `.ko`: both line-info sections byte for byte, and the
 * anchors' relocation records.
 */

const dir = scratchDir('module-newest');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const generator = hasNewestGenerator();

function read(
  ko: string,
  relocation: 'upstream' | 'full',
): { ex: ExtractResult; enc: EncodedModule } {
  const elf = ElfFile.open(ko);
  try {
    const ex = extractUpstream(elf, { rules: 'newest', relocation });
    const ms = ex.moduleSections!;
    const enc = moduleNewestFormat().encodeModule(ms.sections, ms.files, {
      littleEndian: elf.littleEndian,
      is64: elf.is64,
    });
    return { ex, enc };
  } finally {
    elf.close();
  }
}

/** Our blobs against the generator's assembled sections: bytes (its section may be padded to 8 with zeros) and anchors. */
function expectSameBlobs(
  gen: Record<string, GeneratorSection>,
  enc: EncodedModule,
  machine: number,
  is64: boolean,
): void {
  expect(enc.blobs.map((b) => b.section).sort()).toEqual(Object.keys(gen).sort());
  for (const b of enc.blobs) {
    const g = gen[b.section];
    expect(g.bytes.length - b.bytes.length, b.section).toBeGreaterThanOrEqual(0);
    expect(g.bytes.length - b.bytes.length, b.section).toBeLessThan(8);
    expect(Buffer.from(g.bytes.subarray(0, b.bytes.length)).equals(Buffer.from(b.bytes))).toBe(
      true,
    );
    expect(g.bytes.subarray(b.bytes.length).every((x) => x === 0)).toBe(true);
    const type = is64 ? NEWEST_ABS64[machine] : NEWEST_ABS32[machine];
    expect(g.relocations).toEqual(
      b.anchors.map((a) => ({ offset: a.offset, type, section: a.section, addend: 0 })),
    );
  }
}

describe.each(KO_TARGETS)('newest module rules on $arch', (t: KoTarget) => {
  const skip = !generator || !hasKoTools(t) || !hasTool(asOf(t));

  it.skipIf(skip)(
    "the generator's reading: .mod_lineinfo, .init.mod_lineinfo and their anchors, byte for byte",
    () => {
      for (const dwarf of [4, 5] as const) {
        const ko = buildKo(t, dwarf);
        const { ex, enc } = read(ko, 'upstream');
        const elf = ElfFile.open(ko);
        const { machine, is64 } = elf;
        elf.close();
        expectSameBlobs(runNewestModule(ko), enc, machine, is64);
        // .debug_info is read unrelocated: with RELA records every DW_AT_stmt_list reads 0,
        // so only the first unit's line program (mod_a.c) is read, and its comp_dir is
        // whatever string lies at offset 0 (ppc32: the producer; s390x, ppc64le: "mod_exit")
        const files = ex.moduleSections!.files;
        if (t.arch === 'i386' || t.arch === 'arm') expect(files).toEqual(['mod_a.c', 'mod_b.c']);
        else {
          expect(files).toHaveLength(1);
          expect(files[0]).toMatch(/mod_a\.c$/);
        }
        expect(enc.blobs.map((b) => b.section)).toEqual(['.mod_lineinfo', '.init.mod_lineinfo']);
      }
    },
  );

  it.skipIf(skip)(
    'every relocation applied: the generator run on a copy with .debug_info relocated beforehand, byte for byte',
    () => {
      const ko = buildKo(t, 5);
      // RISC-V's line programs advance by ADD/SUB pairs the generator never applies:
      // relocate .debug_line in the copy too (RELA: its own pass rewrites the same values)
      const pre = t.arch === 'riscv64' ? ['.debug_info', '.debug_line'] : ['.debug_info'];
      const copy = relocatedCopy(ko, dir, pre);
      const { ex, enc } = read(ko, 'full');
      const elf = ElfFile.open(ko);
      const { machine, is64 } = elf;
      elf.close();
      expectSameBlobs(runNewestModule(copy), enc, machine, is64);
      expect(ex.moduleSections!.files).toEqual(expect.arrayContaining(['mod_a.c', 'mod_b.c']));
    },
  );

  it.skipIf(!hasKoTools(t))(
    'per-section tables: each section its own rows, other code sections counted and dropped',
    () => {
      const ko = buildKo(t, 5);
      const { ex } = read(ko, 'full');
      const ms = ex.moduleSections!;
      const lines = (name: string) => {
        const s = ms.sections.find((x) => x.name === name)!;
        return [...s.table.lines.subarray(0, s.table.count)];
      };
      expect(ms.sections.map((s) => s.name)).toEqual(['.text', '.exit.text', '.init.text']);
      expect(lines('.text').every((l) => l < 7000)).toBe(true);
      expect(lines('.init.text').every((l) => l >= 9000 && l < 9100)).toBe(true);
      expect(lines('.exit.text').every((l) => l >= 9100)).toBe(true);
      expect(lines('.exit.text').length).toBeGreaterThan(0);
      // mod_cold sits in .text.unlikely: its rows are counted, not kept
      expect(ms.otherSections.map((s) => s.name)).toContain('.text.unlikely');
      expect(ms.uncoveredRows).toBeGreaterThan(0);
      expect(ex.drops.aboveEnd).toBe(ms.uncoveredRows);
      // one file list for every section; offsets are section-relative, sorted, inside the section
      for (const s of ms.sections) {
        expect(s.table.files).toBe(ms.files);
        for (let i = 0; i < s.table.count; i++) {
          expect(s.table.offsets[i]).toBeLessThan(s.size);
          if (i > 0) expect(s.table.offsets[i]).toBeGreaterThan(s.table.offsets[i - 1]);
        }
      }
      expect(ex.table).toBe(ms.sections[0].table);
      // rows read = entries + drops - synthesized
      const entries = ms.sections.reduce((n, s) => n + s.table.count, 0);
      const dropped = Object.values(ex.drops).reduce((a, b) => a + b, 0);
      expect(entries + dropped - ex.symbolStarts!.synthesized).toBe(ex.stats.rowsRead);
    },
  );

  it.skipIf(!hasKoTools(t))(
    'upstream against full: blind to later units where .debug_info has RELA records (the addends live in the records)',
    () => {
      const ko = buildKo(t, 5);
      const up = read(ko, 'upstream').ex.moduleSections!;
      const full = read(ko, 'full').ex.moduleSections!;
      const count = (m: typeof up) => m.sections.reduce((n, s) => n + s.table.count, 0);
      if (t.arch === 'i386' || t.arch === 'arm') {
        // REL: DW_AT_stmt_list's field holds its own value, so every unit is read
        expect(count(up)).toBe(count(full));
        expect(up.files).toEqual(full.files);
      } else {
        expect(count(up)).toBeLessThan(count(full));
        expect(full.files.length).toBeGreaterThan(up.files.length);
      }
    },
  );
});

function asOf(t: KoTarget): string {
  return t.arch === 'x86_64' ? 'as' : t.ld.replace(/ld$/, 'as');
}

/** A module with a `.noinstr.text` function (linked first, so the generator's one readable unit has it). */
function buildNoinstrKo(): string {
  const c = join(dir, 'mod_noinstr.c');
  writeFileSync(
    c,
    `extern int counter;
#line 8000
__attribute__((section(".noinstr.text"), noinline)) int mod_noinstr(int x)
{
	return x + counter * 5;
}
int mod_c(int x)
{
	return mod_noinstr(x) - 2;
}
`,
  );
  const objs: string[] = [];
  for (const [name, src] of [['mod_noinstr.c', null], ...Object.entries(KO_SOURCES)] as const) {
    if (src) writeFileSync(join(dir, name), src);
    const o = join(dir, name.replace(/\.c$/, '.o'));
    execFileSync('gcc', ['-gdwarf-5', '-O2', '-ffreestanding', '-fno-pic', '-c', '-o', o, name], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    objs.push(o);
  }
  const ko = join(dir, 'noinstr.ko');
  execFileSync('ld', ['-r', '-o', ko, ...objs], { stdio: 'pipe' });
  return ko;
}

describe('.noinstr.text', () => {
  it.skipIf(!generator || !hasKoTools(KO_TARGETS[0]))(
    'is covered in .mod_lineinfo after .text and .exit.text; v5 and v6 (our readings) leave it out',
    () => {
      const ko = buildNoinstrKo();
      const elf = ElfFile.open(ko);
      const resolved = resolveCoveredSections(elf);
      elf.close();
      // bases: each present covered section after the one before, rounded up to 16
      const present = resolved.covered.filter((c) => c.present);
      expect(present.map((c) => c.name)).toEqual([
        '.text',
        '.exit.text',
        '.init.text',
        '.noinstr.text',
      ]);
      for (let i = 1; i < present.length; i++)
        expect(present[i].bias).toBe(
          Math.ceil((present[i - 1].bias + present[i - 1].size) / 16) * 16,
        );
      expect(resolved.extra.map((c) => c.name)).toEqual(['.text.unlikely']);

      for (const mode of ['upstream', 'full'] as const) {
        const { ex, enc } = read(ko, mode);
        if (mode === 'upstream') expectSameBlobs(runNewestModule(ko), enc, 62, true);
        const ms = ex.moduleSections!;
        const noinstr = ms.sections.find((s) => s.name === '.noinstr.text')!;
        expect(noinstr.table.count).toBeGreaterThan(0);
        expect(
          [...noinstr.table.lines.subarray(0, noinstr.table.count)].every(
            (l) => l >= 8000 && l < 9000,
          ),
        ).toBe(true);
        expect(enc.blobs[0].sections).toEqual(
          ['.text', '.exit.text', '.noinstr.text'].filter(
            (n) => ms.sections.find((s) => s.name === n)!.table.count > 0,
          ),
        );
        for (const f of [moduleV5Format(), moduleV6Format()]) {
          const m = f.encodeModule(ms.sections, ms.files, { littleEndian: true, is64: true });
          expect(m.notCovered).toBe(noinstr.table.count);
          expect(m.entries + m.notCovered).toBe(enc.entries);
        }
      }
    },
  );
});
