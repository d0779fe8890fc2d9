import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import {
  askTool,
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

  it("does not sample the padding before a function (objtool's __pfx_ symbols): the tools give it the function before's line", () => {
    // 16 bytes of NOPs before each function, as CONFIG_CALL_PADDING; objtool names them
    // __pfx_<fn>, 16 bytes long. __cfi_real is a function of its own, as kernel/cfi.c had.
    const dir = mkdtempSync(join(tmpdir(), 'pfx-'));
    const source =
      'int g;\n' +
      '__attribute__((noinline)) int f1(int x) { g += x; return g * 3; }\n' +
      '__attribute__((noinline)) int f2(int x) { g ^= x; return g + 7; }\n' +
      '__attribute__((noinline)) int __cfi_real(int x) { g -= x; return g; }\n' +
      '__attribute__((noinline)) int f3(int x) { return f1(x) + f2(x) + __cfi_real(x); }\n' +
      'int main(void) { return f3(2); }\n';
    const names = ['f1', 'f2', '__cfi_real', 'f3'];
    const pfx = names
      .map((f) => `.type __pfx_${f}, @function\n.set __pfx_${f}, ${f} - 16\n.size __pfx_${f}, 16\n`)
      .join('');
    const build = (name: string, text: string) => {
      writeFileSync(join(dir, `${name}.c`), text);
      const out = join(dir, name);
      execFileSync('gcc', [
        '-O2',
        '-g',
        '-fpatchable-function-entry=16,16',
        '-falign-functions=16',
        '-o',
        out,
        join(dir, `${name}.c`),
      ]);
      return out;
    };
    const plain = build('plain', source);
    const padded = build('padded', `${source}asm(${JSON.stringify(pfx)});\n`);
    const elf = ElfFile.open(padded);
    const fns = names.map((f) => elf.symbolValue(f)!);
    expect(names.map((f) => elf.symbolValue(`__pfx_${f}`))).toEqual(fns.map((v) => v - 16n));
    elf.close();
    const inPadding = (a: bigint) => fns.some((v) => a >= v - 16n && a < v);
    const sample = (path: string) => {
      const e = ElfFile.open(path);
      try {
        return sampleFunctionAddresses(e, 0n, 4000, 3);
      } finally {
        e.close();
      }
    };
    // without the symbols the padding is the end of the function before, and sampled
    expect(sample(plain).filter(inPadding).length).toBeGreaterThan(0);
    const a = sample(padded);
    expect(a.filter(inPadding)).toEqual([]);
    // every function's own bytes still are, __cfi_real's among them
    for (const v of fns) expect(a.some((x) => x >= v && x < v + 16n)).toBe(true);
    // what the tools print in the padding: the line of the function before
    const [there] = askTool('llvm-symbolizer', padded, [fns[1] - 8n]);
    expect(there.line).toBe(2);
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
