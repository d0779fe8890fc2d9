import { describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/info.js';
import { type LineRows, libdwFilePath, ROW, readLineTable } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { libdwRowOrder } from '../../src/lineinfo/libdw-order.js';
import { buildFixture, FIXTURES, referenceInput } from '../helpers/fixtures.js';
import { libdwLines, llvmDwarfdumpLines } from '../helpers/reference-readers.js';

function addrOf(rows: LineRows, i: number): bigint {
  return (BigInt(rows.addrHi[i]) << 32n) | BigInt(rows.addrLo[i]);
}

function flagNames(f: number): string[] {
  const out: string[] = [];
  if (f & ROW.isStmt) out.push('is_stmt');
  if (f & ROW.basicBlock) out.push('basic_block');
  if (f & ROW.prologueEnd) out.push('prologue_end');
  if (f & ROW.epilogueBegin) out.push('epilogue_begin');
  if (f & ROW.endSequence) out.push('end_sequence');
  return out;
}

function ourTables(path: string) {
  const elf = ElfFile.open(path);
  const dw = new DwarfSections(elf);
  const units = readUnits(dw);
  return { elf, dw, units };
}

describe.each(Object.keys(FIXTURES))('line tables of %s', (name) => {
  const path = buildFixture(name);

  it('equal llvm-dwarfdump --debug-line row for row', () => {
    const ref = llvmDwarfdumpLines(referenceInput(name));
    const { dw, units, elf } = ourTables(path);
    const withLines = units.filter((u) => u.stmtList !== undefined);
    expect(withLines.length).toBe(ref.size);
    expect(withLines.length).toBeGreaterThanOrEqual(2);
    let total = 0;
    for (const u of withLines) {
      const refRows = ref.get(u.stmtList!);
      expect(refRows, `table at ${u.stmtList}`).toBeDefined();
      const t = readLineTable(dw, u.stmtList!, u.addressSize);
      const ours = [];
      for (let i = 0; i < t.rows.count; i++) {
        ours.push({
          addr: addrOf(t.rows, i),
          line: t.rows.line[i],
          column: t.rows.column[i],
          file: t.rows.file[i],
          isa: t.rows.isa[i],
          discriminator: t.rows.discriminator[i],
          flags: flagNames(t.rows.flags[i]),
        });
      }
      // Flags are compared as sets: the tools print them in their own order.
      const norm = (rows: typeof ours) => rows.map((r) => ({ ...r, flags: [...r.flags].sort() }));
      expect(norm(ours)).toEqual(norm(refRows!));
      total += ours.length;
    }
    expect(total).toBeGreaterThan(20);
    elf.close();
  });

  it('give the row order and file names libdw gives', () => {
    const ref = libdwLines(referenceInput(name));
    const { dw, units, elf } = ourTables(path);
    const byOffset = new Map(units.map((u) => [u.offset, u]));
    let compared = 0;
    for (const r of ref) {
      const u = byOffset.get(r.offset);
      expect(u, `unit at ${r.offset}`).toBeDefined();
      if (u!.stmtList === undefined) {
        expect(r.rows).toHaveLength(0);
        continue;
      }
      const t = readLineTable(dw, u!.stmtList, u!.addressSize);
      const order = libdwRowOrder(t.rows);
      const ours = Array.from(order, (i) => ({
        addr: addrOf(t.rows, i),
        line: t.rows.line[i],
        endSequence: (t.rows.flags[i] & ROW.endSequence) !== 0,
        isStmt: (t.rows.flags[i] & ROW.isStmt) !== 0,
        src: libdwFilePath(t.header, t.rows.file[i], u!.compDir),
      }));
      expect(ours).toEqual(r.rows);
      expect(u!.compDir).toBe(r.compDir);
      compared += ours.length;
    }
    expect(compared).toBeGreaterThan(20);
    elf.close();
  });
});
