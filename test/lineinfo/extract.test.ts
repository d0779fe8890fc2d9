import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import type { UserError } from '../../src/errors.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { normalizeUpstream } from '../../src/lineinfo/paths.js';
import { buildFixture } from '../helpers/fixtures.js';
import { type LibdwUnit, libdwLines } from '../helpers/reference-readers.js';

/**
 * An independent oracle: spec section 1 applied, in the plainest way, to the
 * rows libdw returns (one object per row, Array.sort). The extraction under
 * test must produce exactly the same table.
 */
function oracle(units: LibdwUnit[], base: bigint) {
  const files: string[] = [];
  const cand: { off: number; file: number; line: number }[] = [];
  for (const u of units) {
    for (const r of u.rows) {
      if (r.line === 0 || !r.src || r.addr < base) continue;
      const name = normalizeUpstream(r.src, u.compDir);
      let id = files.indexOf(name);
      if (id < 0) id = files.push(name) - 1;
      cand.push({ off: Number(r.addr - base), file: id, line: r.line });
    }
  }
  cand.sort((a, b) => a.off - b.off || a.file - b.file || a.line - b.line);
  const kept: typeof cand = [];
  for (const e of cand) {
    const last = kept[kept.length - 1];
    if (last && (e.off === last.off || (e.file === last.file && e.line === last.line))) continue;
    kept.push(e);
  }
  return { files, kept };
}

describe.each([
  'gcc-dwarf4',
  'gcc-dwarf5',
  'clang-dwarf5',
  'i686-dwarf5',
  's390x-dwarf4',
  'powerpc-dwarf5',
])('upstream extraction on %s', (name) => {
  const path = buildFixture(name);

  it.each(['main', 'compute'])('equals the spec applied to libdw rows (base = %s)', (baseSym) => {
    const elf = ElfFile.open(path);
    const base = elf.symbolValue(baseSym)!;
    const r = extractUpstream(elf, { base: baseSym });
    elf.close();
    const want = oracle(libdwLines(path), base);
    expect(r.table.files).toEqual(want.files);
    expect(Array.from(r.table.offsets)).toEqual(want.kept.map((e) => e.off));
    expect(Array.from(r.table.fileIds)).toEqual(want.kept.map((e) => e.file));
    expect(Array.from(r.table.lines)).toEqual(want.kept.map((e) => e.line));
    expect(r.table.count).toBeGreaterThan(5);
    // every row read is either an entry or counted under one drop reason
    const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
    expect(dropped + r.table.count).toBe(r.stats.rowsRead);
  });
});

/**
 * Our "last row" rule sets, plainly: the last row at an address wins (end
 * rows dropped, or made gaps that any row at their address beats), runs of
 * equal file:line merge.
 */
function lastRowOracle(units: LibdwUnit[], base: bigint, gaps: boolean, stmtOnly: boolean) {
  const files: string[] = [];
  const at = new Map<number, { file: number; line: number; end?: boolean }>();
  for (const u of units) {
    for (const r of u.rows) {
      if (r.line === 0 || !r.src || r.addr < base) continue;
      if (stmtOnly && !r.isStmt && !r.endSequence) continue;
      const off = Number(r.addr - base);
      if (r.endSequence) {
        const had = at.get(off);
        if (gaps && (had === undefined || had.end)) at.set(off, { file: 0, line: 0, end: true });
        continue;
      }
      const name = normalizeUpstream(r.src, u.compDir);
      let id = files.indexOf(name);
      if (id < 0) id = files.push(name) - 1;
      at.set(off, { file: id, line: r.line });
    }
  }
  const kept: { off: number; file: number; line: number }[] = [];
  for (const off of [...at.keys()].sort((a, b) => a - b)) {
    const { file, line } = at.get(off)!;
    const last = kept[kept.length - 1];
    if (last && last.file === file && last.line === line) continue;
    kept.push({ off, file, line });
  }
  return { files, kept };
}

describe.each([
  ['last-row', false, false],
  ['last-row-gaps', true, false],
  ['stmt-last-row-gaps', true, true],
] as const)('rule set %s', (rules, gaps, stmtOnly) => {
  it.each(['gcc-dwarf5', 'clang-dwarf4', 's390x-dwarf5'])(
    'equals its plain definition on libdw rows of %s',
    (name) => {
      const path = buildFixture(name);
      const elf = ElfFile.open(path);
      const r = extractUpstream(elf, { base: 0n, rules });
      elf.close();
      const want = lastRowOracle(libdwLines(path), 0n, gaps, stmtOnly);
      expect(r.table.files).toEqual(want.files);
      expect(Array.from(r.table.offsets)).toEqual(want.kept.map((e) => e.off));
      expect(Array.from(r.table.fileIds)).toEqual(want.kept.map((e) => e.file));
      expect(Array.from(r.table.lines)).toEqual(want.kept.map((e) => e.line));
      const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
      expect(dropped + r.table.count).toBe(r.stats.rowsRead);
      if (gaps) expect(r.table.lines.includes(0)).toBe(true);
    },
  );
});

describe('drop reasons', () => {
  it('counts rows below the base', () => {
    const path = buildFixture('gcc-dwarf5');
    const elf = ElfFile.open(path);
    // whichever of main and compute the linker put higher drops the other's rows
    const upper = elf.symbolValue('main')! > elf.symbolValue('compute')! ? 'main' : 'compute';
    const high = extractUpstream(elf, { base: upper });
    const atZero = extractUpstream(elf, { base: 0n });
    elf.close();
    expect(high.drops.belowBase).toBeGreaterThan(0);
    expect(atZero.drops.belowBase).toBe(0);
    expect(atZero.table.count).toBeGreaterThan(high.table.count);
  });

  it('refuses a file without the base symbol, naming the file', () => {
    const path = buildFixture('gcc-dwarf5');
    const elf = ElfFile.open(path);
    let line = '';
    try {
      extractUpstream(elf);
    } catch (e) {
      line = (e as UserError).line();
    }
    expect(line).toBe(
      `${path}: no symbol _text to take the base address from (not a vmlinux? pass --base)`,
    );
    elf.close();
  });
});
