import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { type Answer, askTool, sameAnswer } from '../../src/measure/agreement.js';
import { floorIndex } from '../../src/measure/revision-lookup.js';

/**
 * A row at its own sequence's end address, then code no row covers: gcc
 * writes such a row after the last instruction of a .cold part, and the
 * next unit's cold part may start with instructions without a row (Debian
 * amd64 6.1: `amd_rp_pme_suspend.cold` then
 * `pci_acpi_root_prepare_resources.cold`). The tools answer "no line" from
 * the end address on; our rules with end gaps must too. Assembled here with
 * gas `.loc` directives (`.loc_mark_labels` puts a row at the end label).
 */

const A = `	.file 1 "fixup.c"
	.section .text.unlikely,"ax",@progbits
	.globl a_cold
	.type a_cold,@function
a_cold:
	.loc 1 979
	nop
	nop
	.loc 1 980
	nop
	.loc_mark_labels 1
.Lend:
	.size a_cold, .-a_cold
`;
const B = `	.file 1 "acpi.c"
	.section .text.unlikely,"ax",@progbits
	.globl b_cold
	.type b_cold,@function
b_cold:
	nop
	nop
	.loc 1 515
	nop
	ret
	.size b_cold, .-b_cold
`;

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seq-end-'));
  for (const [name, text] of [
    ['a', A],
    ['b', B],
  ]) {
    writeFileSync(join(dir, `${name}.s`), text);
    execFileSync('as', ['--gdwarf-5', '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)]);
  }
  const out = join(dir, 'ab');
  execFileSync('ld', ['-e', 'a_cold', '-o', out, join(dir, 'a.o'), join(dir, 'b.o')]);
  return out;
}

describe.runIf(process.arch === 'x64')('a row at its own sequence end', () => {
  const path = build();
  const elf = ElfFile.open(path);
  const start = elf.symbolValue('a_cold')!;
  const end = elf.symbolValue('b_cold')!; // a's sequence ends here, b's first row is 2 bytes on
  const addresses = Array.from({ length: Number(end - start) + 4 }, (_, k) => start + BigInt(k));
  const answer = (rules: string, a: bigint): Answer => {
    const t = extractUpstream(elf, { rules, base: start }).table;
    const i = floorIndex(t, Number(a - start));
    return i < 0 || t.lines[i] === 0
      ? { line: 0 }
      : { file: t.files[t.fileIds[i]], line: t.lines[i] };
  };

  it("is written as the tools see it: a row and the end row at one address, nothing until b's first row", () => {
    const dump = execFileSync('llvm-dwarfdump', ['--debug-line', path], { encoding: 'utf8' });
    const hex = `0x${end.toString(16).padStart(16, '0')}`;
    const rows = dump.split('\n').filter((l) => l.startsWith(hex));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\S+\s+980 /);
    expect(rows[1]).toMatch(/end_sequence$/);
    for (const tool of ['llvm-symbolizer', 'addr2line'] as const) {
      const theirs = askTool(tool, path, [end, end + 1n, end + 2n]);
      expect(theirs.map((t) => t.line)).toEqual([0, 0, 515]);
    }
  });

  it.each(['symbolizer', 'last-row-gaps'])(
    '%s rules answer as llvm-symbolizer at every address, with the row counted as losing to its end',
    (rules) => {
      const theirs = askTool('llvm-symbolizer', path, addresses);
      addresses.forEach((a, k) => {
        expect(sameAnswer(answer(rules, a), theirs[k]), `0x${a.toString(16)}`).toBe(true);
      });
      const ex = extractUpstream(elf, { rules, base: start });
      // 979, 980, the gap at a's end, 515, the gap at b's end; the row at a's end is a
      // drop like any other row another one beat at its offset, so the counts add up
      expect(ex.table.count).toBe(5);
      expect(ex.table.lines[2]).toBe(0);
      const drops = Object.values(ex.drops).reduce((s, v) => s + (v ?? 0), 0);
      expect(ex.stats.rowsRead + (ex.unitRangeGaps ?? 0)).toBe(ex.table.count + drops);
      expect(ex.drops.sameFileLine).toBe(0);
    },
  );

  it("upstream rules still answer from the row before (the generator's own table)", () => {
    expect(answer('v1-v4', end).line).toBe(980);
  });
});

/**
 * The line-0 sibling: a cold part whose row at its end label has line 0,
 * and another unit's code starting at that address, its unit read first.
 * The tools answer the other unit's row there; a line-0 row at its own
 * sequence's end must not beat it.
 */
const COLD_ZERO = A.replace('\t.loc 1 980\n', '\t.loc 1 0\n');
const HOT = `	.file 1 "acpi.c"
	.text
	.globl b_hot
	.type b_hot,@function
b_hot:
	.loc 1 515
	nop
	.loc 1 516
	nop
	ret
	.size b_hot, .-b_hot
`;

describe.runIf(process.arch === 'x64')('a line-0 row at its own sequence end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seq-end-0-'));
  writeFileSync(join(dir, 'a.s'), COLD_ZERO);
  writeFileSync(join(dir, 'b.s'), HOT);
  for (const x of ['a', 'b'])
    execFileSync('as', ['--gdwarf-5', '-o', join(dir, `${x}.o`), join(dir, `${x}.s`)]);
  const path = join(dir, 'ba');
  // b's unit first in .debug_line; the linker puts .text.unlikely (a) before .text (b)
  execFileSync('ld', ['-e', 'b_hot', '-o', path, join(dir, 'b.o'), join(dir, 'a.o')]);
  const elf = ElfFile.open(path);
  const start = elf.symbolValue('a_cold')!;
  const hot = elf.symbolValue('b_hot')!;

  it("answers the other unit's row at the shared address, as llvm-symbolizer", () => {
    expect(hot - start).toBe(3n); // a's three nops, then b
    const addresses = [start, start + 2n, hot, hot + 1n];
    const theirs = askTool('llvm-symbolizer', path, addresses);
    // gas puts the line-0 row at the end label only: a row and the end row at b's start
    const dump = execFileSync('llvm-dwarfdump', ['--debug-line', path], { encoding: 'utf8' });
    const at = dump
      .split('\n')
      .filter((l) => l.startsWith(`0x${hot.toString(16).padStart(16, '0')}`));
    expect(at.map((l) => l.split(/\s+/)[1])).toEqual(['515', '0', '0']);
    expect(theirs.map((t) => t.line)).toEqual([979, 979, 515, 516]);
    const t = extractUpstream(elf, { rules: 'symbolizer', base: start }).table;
    addresses.forEach((a, k) => {
      const i = floorIndex(t, Number(a - start));
      const ours: Answer =
        i < 0 || t.lines[i] === 0 ? { line: 0 } : { file: t.files[t.fileIds[i]], line: t.lines[i] };
      expect(sameAnswer(ours, theirs[k]), `0x${a.toString(16)}`).toBe(true);
    });
  });
});
