import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { relocateSection } from '../../src/elf/relocate.js';
import { BufferSource } from '../../src/elf/source.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import {
  buildKo,
  hasKoTools,
  KO_TARGETS,
  ourRows,
  type Row,
  refRows,
} from '../helpers/ko-objects.js';

describe('relocation of .ko-like objects (gcc/cross gcc, ld -r) against llvm-dwarfdump', () => {
  for (const t of KO_TARGETS) {
    for (const dwarf of [5, 4] as const) {
      it.skipIf(!hasKoTools(t) || !hasTool('llvm-dwarfdump'))(
        `${t.arch} DWARF ${dwarf}: fully relocated rows equal llvm-dwarfdump's`,
        () => {
          const ko = buildKo(t, dwarf);
          const elf = ElfFile.open(ko);
          expect(elf.arch.name).toBe(t.arch);
          elf.close();
          const ours = ourRows(ko, 'full');
          const ref = refRows(ko);
          // two objects: two line tables, the second at a relocated, non-zero offset
          expect([...ours.keys()]).toEqual([...ref.keys()]);
          expect(ours.size).toBe(2);
          for (const [off, rows] of ref) {
            expect(rows.length).toBeGreaterThan(4);
            expect(ours.get(off)).toEqual(rows);
          }
        },
      );
    }
  }

  it.skipIf(!hasKoTools(KO_TARGETS[4]))(
    'riscv64: the line program advances are ADD16/SUB16 pairs, applied in full mode and not upstream',
    () => {
      const ko = buildKo(KO_TARGETS[4], 5);
      const elf = ElfFile.open(ko);
      try {
        const full = new DwarfSections(elf, 'full');
        full.get('.debug_line');
        const r = full.relocations.get('.debug_line')!;
        expect(r.unknown).toEqual({});
        expect(r.notApplied).toBe(0);
        const up = new DwarfSections(elf, 'upstream');
        up.get('.debug_line');
        const u = up.relocations.get('.debug_line')!;
        expect(u.notAppliedByType.R_RISCV_ADD16).toBeGreaterThan(0);
        expect(u.notAppliedByType.R_RISCV_SUB16).toBe(u.notAppliedByType.R_RISCV_ADD16);
        expect(u.notAppliedByType.R_RISCV_64).toBeGreaterThan(0);
        expect(u.applied).toBeGreaterThan(0); // R_RISCV_32: the line_strp names
        expect(u.applied + u.notApplied).toBe(u.records);
      } finally {
        elf.close();
      }
    },
  );
});

describe('RISC-V label differences against the linker', () => {
  const rv = KO_TARGETS[4];
  it.skipIf(!hasKoTools(rv))(
    'ADD/SUB/SET/SUB6/SET6 fields of every debug section equal what ld writes (linked without relaxation)',
    () => {
      const ko = buildKo(rv, 5);
      const exe = `${ko}.exe`;
      execFileSync(
        rv.ld,
        ['--no-relax', '--unresolved-symbols=ignore-all', '-e', '0', '-o', exe, ko],
        {
          stdio: 'pipe',
        },
      );
      const elf = ElfFile.open(ko);
      const linked = ElfFile.open(exe);
      try {
        const seen: Record<string, number> = {};
        for (const rs of elf.sections.filter((s) => s.name.startsWith('.rela.debug_'))) {
          const target = elf.sections[rs.info];
          const ours = elf.contents(target).bytes.slice();
          const r = relocateSection(elf, target, ours, 'full');
          expect(r.unknown).toEqual({});
          const theirs = linked.sectionBytes(target.name)!;
          expect(theirs.length).toBe(ours.length);
          const rel = elf.contents(rs).bytes;
          const v = new DataView(rel.buffer, rel.byteOffset, rel.byteLength);
          for (let o = 0; o < rel.length; o += 24) {
            const off = Number(v.getBigUint64(o, true));
            const type = v.getUint32(o + 8, true);
            // 33..40 ADD/SUB 8..64, 52..56 SUB6/SET6/SET8/16/32: differences, the same wherever the code lands
            const size = {
              33: 1,
              34: 2,
              35: 4,
              36: 8,
              37: 1,
              38: 2,
              39: 4,
              40: 8,
              52: 1,
              53: 1,
              54: 1,
              55: 2,
              56: 4,
            }[type];
            if (size === undefined) continue;
            seen[type] = (seen[type] ?? 0) + 1;
            expect(
              [...ours.subarray(off, off + size)],
              `${target.name}+${off} type ${type}`,
            ).toEqual([...theirs.subarray(off, off + size)]);
          }
        }
        // ADD16/SUB16 (line program), ADD64/SUB64, SET6/SUB6 (call frames) all checked
        for (const t of [34, 38, 36, 40, 52, 53]) expect(seen[t], `type ${t}`).toBeGreaterThan(0);
      } finally {
        elf.close();
        linked.close();
      }
    },
  );
});

describe('relocation rules', () => {
  const x86 = KO_TARGETS[0];

  it.skipIf(!hasKoTools(x86))(
    'upstream mode applies only R_X86_64_32 to .debug_line: set_address operands stay 0',
    () => {
      const ko = buildKo(x86, 5);
      const up = ourRows(ko, 'upstream');
      const full = ourRows(ko, 'full');
      const starts = (m: Map<number, Row[]>) =>
        [...m.values()].flatMap((rows) => rows.filter((_, i) => i === 0 || rows[i - 1].end));
      // every sequence starts at 0 when the 64-bit operands are left alone
      expect(starts(up).every((r) => r.addr === 0n)).toBe(true);
      // fully relocated, the second object's .text sequence starts after the first's
      expect(starts(full).some((r) => r.addr !== 0n)).toBe(true);
      const elf = ElfFile.open(ko);
      const dw = new DwarfSections(elf, 'upstream');
      dw.get('.debug_line');
      const r = dw.relocations.get('.debug_line')!;
      elf.close();
      expect(r.notAppliedByType).toEqual({ R_X86_64_64: expect.any(Number) });
      // .init.text, .exit.text (mod_a.c) and .text.unlikely (mod_b.c) sequences
      expect(r.otherCodeSection).toBeGreaterThanOrEqual(3);
      expect(r.applied + r.notApplied).toBe(r.records);
    },
  );

  it.skipIf(!hasKoTools(x86))('counts a relocation type it does not know, and skips it', () => {
    const ko = buildKo(x86, 5);
    const bytes = new Uint8Array(readFileSync(ko));
    const elf0 = new ElfFile(new BufferSource('m.ko', bytes));
    const rela = elf0.section('.rela.debug_line')!;
    // r_info's type (low 32 bits, little-endian) of the first record -> 200
    new DataView(bytes.buffer).setUint32(rela.offset + 8, 200, true);
    const elf = new ElfFile(new BufferSource('m.ko', bytes));
    const target = elf.section('.debug_line')!;
    const data = elf.contents(target).bytes.slice();
    const r = relocateSection(elf, target, data, 'full');
    expect(r.unknown).toEqual({ 'type 200': 1 });
    expect(r.applied + 1).toBe(r.records);
  });

  it.skipIf(!hasTool('gcc'))(
    'never applies the .rela.debug_* of an executable (a vmlinux linked with --emit-relocs)',
    () => {
      const dir = scratchDir('emit-relocs');
      writeFileSync(join(dir, 'x.c'), 'int g;\nint main(void)\n{\n\treturn g + 1;\n}\n');
      const exe = join(dir, 'x');
      execFileSync('gcc', ['-gdwarf-5', '-O2', '-Wl,--emit-relocs', '-o', exe, 'x.c'], {
        cwd: dir,
        stdio: 'pipe',
      });
      const elf = ElfFile.open(exe);
      try {
        const line = elf.section('.debug_line')!;
        expect(elf.sections.some((s) => s.name === '.rela.debug_line')).toBe(true);
        const raw = elf.contents(line).bytes;
        const dw = new DwarfSections(elf, 'full');
        expect(Buffer.compare(dw.get('.debug_line')!, raw)).toBe(0);
        expect(dw.relocations.size).toBe(0);
        // relocateSection itself refuses a file that is not ET_REL
        const copy = raw.slice();
        const r = relocateSection(elf, line, copy, 'full');
        expect(r.records).toBe(0);
      } finally {
        elf.close();
      }
    },
  );
});
