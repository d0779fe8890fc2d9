import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { readUnits } from '../../src/dwarf/info.js';
import { libdwFilePath, ROW, readLineTable } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import type { LookupHit } from '../../src/encodings/types.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { libdwRowOrder } from '../../src/lineinfo/libdw-order.js';
import { type Answer, parseGnuLine, sameAnswer } from '../../src/measure/agreement.js';
import type { GeneratorCheckResult } from '../../src/measure/generator.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildClangFixture, hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { libdwLines, llvmDwarfdumpLines } from '../helpers/reference-readers.js';

/**
 * clang's integrated assembler on a `.S` file with code in `.subsection 1`,
 * as arm64's alternatives put their replacement code (arch/arm64/kernel/
 * entry.S's vectors in a clang-built kernel): the line program goes forward
 * into the subsection (laid out after the end of subsection 0, past the
 * sequence's end) and comes back with DW_LNS_advance_pc 2^64 - n.
 *
 * libdw computes that advance in 32 bits, so the upstream generator sees
 * the rows after it 4 GiB up and drops them ("entries skipped (offset > 4
 * GiB from _text)"); llvm-symbolizer and addr2line wrap in 64 bits, and
 * llvm-symbolizer answers in the unordered sequence with a binary search
 * of its rows as they are. A fixture of the kind, built here with clang:
 * the upstream rule sets must give the real generators' tables, the
 * symbolizer rules llvm-symbolizer's answers at every byte.
 */

const HANDLERS = 16;

/** Sixteen 128-byte handlers, each with two instructions in `.subsection 1`, as kernel_ventry. */
function vectorsSource(): string {
  const out = [
    '\t.text',
    '\t.globl sub_vectors',
    '\t.type sub_vectors, @function',
    '\t.p2align 11',
  ];
  out.push('sub_vectors:');
  for (let k = 0; k < HANDLERS; k++) {
    out.push(
      '\t.p2align 7',
      '\tnop',
      `\tmovl $${k}, %eax`,
      '\t.subsection 1',
      `\tmovl $${k + 100}, %ecx`,
      `\tmovl $${k + 200}, %edx`,
      '\t.previous',
      '\tnop',
      `\tmovl $${k}, %esi`,
      '\tjmp 1f',
      '1:',
    );
  }
  out.push(
    '\tret',
    '\t.size sub_vectors, .-sub_vectors',
    '\t.section .note.GNU-stack,"",@progbits',
  );
  return `${out.join('\n')}\n`;
}

const MAIN_C = `int sub_vectors(void);

__attribute__((noinline)) int helper(int x)
{
	return x * 3 + 1;
}

int main(void)
{
	return sub_vectors() + helper(2);
}
`;

const LDS = `ENTRY(main)
SECTIONS
{
	. = 0x1000000;
	.text : {
		_text = .;
		*(.text .text.*)
		_etext = .;
	}
	.rodata : { *(.rodata .rodata.*) }
	.data : { *(.data .data.*) *(.bss .bss.* COMMON) }
}
`;

/** The fixture, linked with `_text` and `_etext` around the code (cached in the temp directory). */
function buildSubsectionFixture(): string {
  const vec = vectorsSource();
  const flags = [
    '-gdwarf-5',
    '-O2',
    '-ffreestanding',
    '-fno-pic',
    '-nostdlib',
    '-static',
    '-Wl,--build-id=none',
  ];
  return buildClangFixture(
    'subsection',
    { 'vectors.S': vec, 'main.c': MAIN_C, 'kern.lds': LDS },
    flags,
    ['vectors.S', 'main.c'],
    'vmlinux',
  );
}

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const dir = scratchDir('subsection');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function generatorCheck(tree: string, path: string): Promise<GeneratorCheckResult> {
  const p = fakeProcess(['generator', 'check', join(UPSTREAM, tree), path, '--json'], env);
  const code = await run(p.proc);
  expect(p.stderr()).toBe('');
  expect(code).toBe(0);
  return JSON.parse(p.stdout()) as GeneratorCheckResult;
}

/** The table's answer at each address: file and line, or none. */
function lookups(table: EntryTable, base: bigint, addresses: bigint[]): Answer[] {
  const reader = flatFormat.open(flatFormat.encode(table, true).bytes, true);
  const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
  return addresses.map((a) =>
    reader.lookup(Number(a - base), hit) && hit.line !== 0
      ? { file: table.files[hit.fileId], line: hit.line }
      : { line: 0 },
  );
}

function toolAnswers(tool: 'addr2line' | 'llvm-symbolizer', path: string, addrs: bigint[]) {
  const args =
    tool === 'addr2line'
      ? ['-e', path]
      : [`--obj=${path}`, '--no-inlines', '--functions=none', '--output-style=GNU'];
  const out = execFileSync(tool, args, {
    input: `${addrs.map((a) => `0x${a.toString(16)}`).join('\n')}\n`,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const lines = out.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(addrs.length);
  return lines.map(parseGnuLine);
}

const addrOf = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);

describe.runIf(
  hasTool('clang') && hasTool('llvm-dwarfdump') && hasTool('llvm-symbolizer') && hasTool('cc'),
)('clang .subsection code: backward address advances', () => {
  const path = buildSubsectionFixture();

  it('has the backward DW_LNS_advance_pc (2^64 - n) clang writes for arm64 entry.S', () => {
    const text = execFileSync('llvm-dwarfdump', ['--debug-line', '-v', path], {
      encoding: 'utf8',
    });
    const operands = [...text.matchAll(/DW_LNS_advance_pc \((\d+)\)/g)].map((m) => BigInt(m[1]));
    const backward = operands.filter((v) => v >= 1n << 63n);
    expect(backward).toHaveLength(HANDLERS);
    // some small enough that 2^64 - n rounds to 2^64 as a double: a reader
    // that reads the operand into a number advances by 0 there
    expect(backward.some((v) => Number(v) === 2 ** 64)).toBe(true);
  });

  it('reads the rows libdw returns (the advance in 32 bits) and, with wrap64, those llvm-dwarfdump prints', () => {
    const elf = ElfFile.open(path);
    try {
      const dw = new DwarfSections(elf);
      const units = readUnits(dw);
      const libdw = libdwLines(path);
      const dump = llvmDwarfdumpLines(path);
      let above4G = 0;
      for (const u of units) {
        const ref = libdw.find((r) => r.offset === u.offset)!;
        const t = readLineTable(dw, u.stmtList!, u.addressSize);
        const rows = t.rows;
        const ours = Array.from(libdwRowOrder(rows), (i) => ({
          addr: addrOf(rows.addrHi[i], rows.addrLo[i]),
          line: rows.line[i],
          endSequence: (rows.flags[i] & ROW.endSequence) !== 0,
          isStmt: (rows.flags[i] & ROW.isStmt) !== 0,
          src: libdwFilePath(t.header, rows.file[i], u.compDir),
        }));
        expect(ours).toEqual(ref.rows);
        above4G += ref.rows.filter((r) => r.addr >= 0x100000000n).length;

        const w = readLineTable(dw, u.stmtList!, u.addressSize, undefined, { wrap64: true });
        const wrapped = [];
        for (let i = 0; i < w.rows.count; i++)
          wrapped.push({ addr: addrOf(w.rows.addrHi[i], w.rows.addrLo[i]), line: w.rows.line[i] });
        expect(wrapped).toEqual(
          dump.get(u.stmtList!)!.map((r) => ({ addr: r.addr, line: r.line })),
        );
      }
      // libdw puts every row after the first backward advance 4 GiB up
      expect(above4G).toBeGreaterThanOrEqual(4 * HANDLERS);
    } finally {
      elf.close();
    }
  });

  it('v4 and post-v7-patch2 generators: our v1-v4 and newest tables are exact', async () => {
    for (const tree of ['v4', 'post-v7-patch2']) {
      const j = await generatorCheck(tree, path);
      expect(j.outcome, tree).toBe('exact');
      expect(j.comparison!.entries.ours).toBe(j.comparison!.entries.generator);
    }
  });

  it('the upstream rules lose the lines after the first backward advance, as the generator does; the symbolizer rules keep them', () => {
    const elf = ElfFile.open(path);
    try {
      const v4 = extractUpstream(elf, { rules: 'v1-v4' });
      const sym = extractUpstream(elf, { rules: 'symbolizer' });
      const lines = (t: EntryTable) =>
        new Set(Array.from(t.lines).filter((_, i) => t.files[t.fileIds[i]]?.endsWith('vectors.S')));
      expect(v4.drops.offsetOver4G).toBeGreaterThanOrEqual(4 * HANDLERS);
      expect(lines(v4.table).size).toBeLessThan(8);
      expect(sym.drops.offsetOver4G).toBe(0);
      expect(lines(sym.table).size).toBeGreaterThanOrEqual(4 * HANDLERS);
      expect(sym.drops.unorderedSequence).toBeGreaterThan(0);
      expect(v4.drops.unorderedSequence).toBeUndefined();
      // every row read is an entry or counted under one drop reason, gap entries aside
      const dropped = Object.values(sym.drops).reduce((a, b) => a + (b ?? 0), 0);
      expect(dropped + sym.table.count - sym.unitRangeGaps!).toBe(sym.stats.rowsRead);
    } finally {
      elf.close();
    }
  });

  it('the symbolizer rules answer as llvm-symbolizer at every byte of the code, its binary search in the unordered sequence included', () => {
    const elf = ElfFile.open(path);
    try {
      const base = elf.symbolValue('_text')!;
      const end = elf.symbolValue('_etext')!;
      const addrs: bigint[] = [];
      for (let a = base; a < end; a++) addrs.push(a);
      const llvm = toolAnswers('llvm-symbolizer', path, addrs);
      const ours = lookups(extractUpstream(elf, { rules: 'symbolizer' }).table, base, addrs);
      const differ: string[] = [];
      addrs.forEach((a, k) => {
        if (!sameAnswer(ours[k], llvm[k]))
          differ.push(
            `0x${a.toString(16)}: ours ${JSON.stringify(ours[k])}, llvm ${JSON.stringify(llvm[k])}`,
          );
      });
      expect(differ).toEqual([]);
      // the handlers' lines are answered (not lost as upstream loses them)
      expect(
        new Set(llvm.filter((a) => a.file?.endsWith('vectors.S')).map((a) => a.line)).size,
      ).toBeGreaterThanOrEqual(4 * HANDLERS);
      // where LLVM's binary search of the unordered rows and a search of the
      // sorted rows (addr2line's) part, ours is LLVM's
      if (hasTool('addr2line')) {
        const a2l = toolAnswers('addr2line', path, addrs);
        const parted = addrs.filter(
          (_, k) => llvm[k].line !== 0 && a2l[k].line !== 0 && !sameAnswer(llvm[k], a2l[k]),
        );
        expect(parted.length).toBeGreaterThanOrEqual(HANDLERS - 1);
      }
    } finally {
      elf.close();
    }
  });
});
