import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import {
  CAUSES,
  measureAgreement,
  parseGnuLine,
  sameFile,
  sampleFunctionAddresses,
} from '../../src/measure/agreement.js';
import { buildFixture } from '../helpers/fixtures.js';

describe('agreement with addr2line and llvm-symbolizer', () => {
  it("parses the tools' GNU-style answers", () => {
    expect(parseGnuLine('/b/kernel/sched/idle.c:191')).toEqual({
      file: '/b/kernel/sched/idle.c',
      line: 191,
    });
    expect(parseGnuLine('/b/x.c:12 (discriminator 3)')).toEqual({ file: '/b/x.c', line: 12 });
    expect(parseGnuLine('??:0')).toEqual({ line: 0 });
    expect(parseGnuLine('??:?')).toEqual({ line: 0 });
    expect(sameFile('kernel/sysctl.c', 'debian/build/build_amd64/kernel/sysctl.c')).toBe(true);
    expect(sameFile('kernel/sysctl.c', 'debian/build/build_amd64/xkernel/sysctl.c')).toBe(false);
  });

  it('samples addresses inside functions, the same ones for the same seed', () => {
    const elf = ElfFile.open(buildFixture('gcc-dwarf5'));
    const a = sampleFunctionAddresses(elf, 0n, 300, 5);
    const b = sampleFunctionAddresses(elf, 0n, 300, 5);
    const main = elf.symbolValue('main')!;
    elf.close();
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(50);
    expect(a.some((x) => x >= main && x < main + 64n)).toBe(true);
  });

  it('counts every mismatch under one cause, and our symbolizer rules agree at least as often as upstream', () => {
    const elf = ElfFile.open(buildFixture('gcc-dwarf5-O0'));
    const r = measureAgreement(elf, {
      rules: ['v1-v4', 'symbolizer'],
      samples: 2000,
      seed: 11,
      base: 0n,
    });
    elf.close();
    expect(r.map((x) => x.rules)).toEqual(['v1-v4', 'symbolizer']);
    for (const rule of r) {
      for (const t of rule.tools) {
        const mismatches = CAUSES.reduce((a, c) => a + t.causes[c], 0);
        expect(mismatches + t.agree).toBe(2000);
        expect(t.percent).toBeCloseTo((100 * t.agree) / 2000, 10);
      }
    }
    const sym = r[1].tools.find((t) => t.tool === 'llvm-symbolizer')!;
    const up = r[0].tools.find((t) => t.tool === 'llvm-symbolizer')!;
    expect(sym.agree).toBeGreaterThanOrEqual(up.agree);
    expect(sym.percent).toBeGreaterThan(95);
  });
});
