import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/info.js';
import { unitRanges } from '../../src/dwarf/ranges.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import type { LookupHit } from '../../src/encodings/types.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { measureAgreement, parseGnuLine } from '../../src/measure/agreement.js';
import { buildFixture, hasTool } from '../helpers/fixtures.js';
import { buildKern } from '../helpers/kern-fixture.js';

/** Each compile unit's ranges as llvm-dwarfdump prints its unit DIE: DW_AT_ranges, else low_pc and high_pc. */
function dwarfdumpUnitRanges(path: string): string[][] {
  const out = execFileSync('llvm-dwarfdump', ['--debug-info', path], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const units: string[][] = [];
  for (const chunk of out.split(/^0x[0-9a-f]+: Compile Unit:/m).slice(1)) {
    // the unit DIE: from DW_TAG_compile_unit to the first blank line
    const die = chunk.slice(
      chunk.indexOf('DW_TAG'),
      chunk.indexOf('\n\n', chunk.indexOf('DW_TAG')),
    );
    const hex = (s: string) => `0x${BigInt(s).toString(16)}`;
    const ranges = die.match(/DW_AT_ranges\s*\([^\n]*((?:\n\s+\[0x[0-9a-f]+, 0x[0-9a-f]+\))*)/);
    if (ranges) {
      units.push(
        [...ranges[1].matchAll(/\[(0x[0-9a-f]+), (0x[0-9a-f]+)\)/g)]
          .filter((m) => BigInt(m[2]) > BigInt(m[1]))
          .map((m) => `${hex(m[1])}-${hex(m[2])}`),
      );
      continue;
    }
    const lo = die.match(/DW_AT_low_pc\s*\((0x[0-9a-f]+)\)/);
    const hi = die.match(/DW_AT_high_pc\s*\((0x[0-9a-f]+)\)/);
    units.push(lo && hi && BigInt(hi[1]) > BigInt(lo[1]) ? [`${hex(lo[1])}-${hex(hi[1])}`] : []);
  }
  return units;
}

function ourUnitRanges(path: string): { version: number; ranges: string[] }[] {
  const elf = ElfFile.open(path);
  try {
    const dw = new DwarfSections(elf);
    return readUnits(dw).map((u) => ({
      version: u.version,
      ranges: unitRanges(dw, u).map((r) => `0x${r.lo.toString(16)}-0x${r.hi.toString(16)}`),
    }));
  } finally {
    elf.close();
  }
}

describe.runIf(hasTool('llvm-dwarfdump'))('compile unit address ranges', () => {
  it.each([
    ['gcc-dwarf4', 4],
    ['gcc-dwarf5', 5],
    ['clang-dwarf4', 4],
    ['clang-dwarf5', 5],
  ] as const)('are the ranges llvm-dwarfdump prints for %s', (name, version) => {
    const path = buildFixture(name);
    const ours = ourUnitRanges(path);
    expect(ours.map((u) => u.ranges)).toEqual(dwarfdumpUnitRanges(path));
    expect(ours.every((u) => u.version === version)).toBe(true);
    // a unit with code covers something
    expect(ours.some((u) => u.ranges.length > 0)).toBe(true);
  });

  it.runIf(hasTool('aarch64-linux-gnu-gcc'))(
    'read DW_AT_ranges from .debug_rnglists (DWARF 5, several sections)',
    () => {
      const path = buildKern('aarch64-linux-gnu-gcc', { patchable: true });
      const ours = ourUnitRanges(path);
      expect(ours.map((u) => u.ranges)).toEqual(dwarfdumpUnitRanges(path));
      // kern.c: .text, .text.unlikely and .init.text (two pieces)
      expect(Math.max(...ours.map((u) => u.ranges.length))).toBeGreaterThanOrEqual(4);
    },
  );
});

/**
 * arm64 with -fpatchable-function-entry=2: a function in a section of its
 * own (.init.text) starts with two NOPs that no unit's ranges cover (the
 * unit's range starts at the first row, 8 bytes in), so llvm-symbolizer has
 * no line there; the upstream floor search gives the row before.
 */
describe.runIf(hasTool('aarch64-linux-gnu-gcc') && hasTool('llvm-symbolizer'))(
  'code no compile unit covers (arm64 patchable entries)',
  () => {
    const path = buildKern('aarch64-linux-gnu-gcc', { patchable: true });

    it('has no line under the symbolizer rules, as llvm-symbolizer says', () => {
      const elf = ElfFile.open(path);
      try {
        const base = elf.symbolValue('_text')!;
        const starts = ['kern_init', 'kern_init_late'].map((s) => elf.symbolValue(s)!);
        const addrs = starts.flatMap((s) => [s, s + 4n]);
        const answers = execFileSync(
          'llvm-symbolizer',
          [
            '--obj',
            path,
            '--output-style=GNU',
            '--no-inlines',
            ...addrs.map((a) => `0x${a.toString(16)}`),
          ],
          { encoding: 'utf8' },
        )
          .split('\n')
          .filter((l) => l.includes(':'))
          .map(parseGnuLine);
        expect(answers.map((a) => a.line)).toEqual([0, 0, 0, 0]);
        const look = (rules: string) => {
          const ex = extractUpstream(elf, { rules });
          const reader = flatFormat.open(flatFormat.encode(ex.table, true).bytes, true);
          const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
          return {
            ex,
            lines: addrs.map((a) => (reader.lookup(Number(a - base), hit) ? hit.line : -1)),
          };
        };
        // the upstream rules answer with the line of the code before
        expect(look('v1-v4').lines.every((l) => l > 0)).toBe(true);
        const sym = look('symbolizer');
        expect(sym.lines).toEqual([0, 0, 0, 0]);
        // the gap candidates added are all that rows read and drops do not explain
        const dropped = Object.values(sym.ex.drops).reduce((a, b) => a + (b ?? 0), 0);
        expect(sym.ex.unitRangeGaps).toBeGreaterThan(0);
        expect(dropped + sym.ex.table.count - sym.ex.unitRangeGaps!).toBe(sym.ex.stats.rowsRead);
        // the upstream rule sets are untouched
        expect(look('v1-v4').ex.unitRangeGaps).toBeUndefined();
        expect(look('v1-v4').ex.drops.outsideUnits).toBeUndefined();
      } finally {
        elf.close();
      }
    });

    it('agrees with llvm-symbolizer on every sampled address', () => {
      const elf = ElfFile.open(path);
      try {
        const [r] = measureAgreement(elf, { rules: ['symbolizer'], samples: 2000, seed: 1 });
        const llvm = r.tools.find((t) => t.tool === 'llvm-symbolizer')!;
        expect(llvm.samples).toBe(2000);
        expect(llvm.agree).toBe(2000);
        expect(llvm.percent).toBe(100);
      } finally {
        elf.close();
      }
    });
  },
);
