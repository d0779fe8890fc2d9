import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import type { LookupHit } from '../../src/encodings/types.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { LastRowTable } from '../../src/lineinfo/last-row.js';
import { parseGnuLine } from '../../src/measure/agreement.js';
import { buildClangFixture, hasTool } from '../helpers/fixtures.js';

/**
 * An end-of-sequence row is "no line" for the code after its sequence, not
 * for code another unit has there: where a later unit's sequence ends at the
 * address an earlier unit's row starts, llvm-symbolizer finds the unit that
 * covers the address and answers with its row (the arm64 clang tinyconfig
 * has 19 such addresses in every 4th byte of its text: an end row of a later
 * unit at the first row of __do_softirq, panic(), ...).
 */

function table(rows: [number, number, number, boolean?][]) {
  const t = new LastRowTable(16);
  for (const [offset, file, line, weak] of rows) t.add(offset, file, line, weak === true);
  const r = t.finish(['a', 'b']);
  return {
    entries: Array.from(r.table.offsets, (o, i) => [o, r.table.fileIds[i], r.table.lines[i]]),
    replaced: t.replaced,
    notLast: r.notLast,
  };
}

describe('end gaps in the last-row tables', () => {
  it('yield to any other candidate at their offset, added before or after, next to it or not', () => {
    // an end gap after a row at its offset, next to it
    expect(
      table([
        [8, 1, 5],
        [8, 0, 0, true],
      ]).entries,
    ).toEqual([[8, 1, 5]]);
    // before it: the row replaces it, as before
    expect(
      table([
        [8, 0, 0, true],
        [8, 1, 5],
      ]).entries,
    ).toEqual([[8, 1, 5]]);
    // a later unit's end gap, not next to the row (the sort brings them together)
    const far = table([
      [8, 1, 5],
      [12, 1, 6],
      [4, 0, 7],
      [8, 0, 0, true],
    ]);
    expect(far.entries).toEqual([
      [4, 0, 7],
      [8, 1, 5],
      [12, 1, 6],
    ]);
    expect(far.notLast).toBe(1);
    // rows among themselves: the last one wins, as before
    expect(
      table([
        [8, 1, 5],
        [12, 0, 1],
        [8, 1, 9],
        [8, 0, 0, true],
      ]).entries,
    ).toEqual([
      [8, 1, 9],
      [12, 0, 1],
    ]);
    // end gaps alone: a gap
    expect(
      table([
        [4, 1, 3],
        [8, 0, 0, true],
        [8, 0, 0, true],
      ]).entries,
    ).toEqual([
      [4, 1, 3],
      [8, 0, 0],
    ]);
  });
});

const A_S = `\t.section .text.late,"ax",@progbits
\t.globl late_fn
\t.type late_fn, @function
late_fn:
\tnop
\tmovl $1, %eax
\tret
\t.size late_fn, .-late_fn
\t.section .note.GNU-stack,"",@progbits
`;

const B_S = `\t.text
\t.globl early_fn
\t.type early_fn, @function
early_fn:
\tnop
\tnop
\tmovl $2, %eax
\tret
\t.size early_fn, .-early_fn
\t.section .note.GNU-stack,"",@progbits
`;

const MAIN_C = `int late_fn(void);
int early_fn(void);

__attribute__((section(".text.start"))) int main(void)
{
	return late_fn() + early_fn();
}
`;

/** a.o's code placed after b.o's: b's sequence ends where a's begins, b's unit comes later. */
const LDS = `ENTRY(main)
SECTIONS
{
	. = 0x1000000;
	.text : {
		_text = .;
		*(.text.start)
		*(.text)
		*(.text.late)
		_etext = .;
	}
	.data : { *(.data .data.*) *(.bss .bss.* COMMON) }
}
`;

function buildEndGapFixture(): string {
  const flags = ['-gdwarf-5', '-O2', '-ffreestanding', '-fno-pic', '-nostdlib', '-static'];
  return buildClangFixture(
    'end-gap',
    { 'a.S': A_S, 'b.S': B_S, 'main.c': MAIN_C, 'kern.lds': LDS },
    [...flags, '-Wl,--build-id=none'],
    ['a.S', 'b.S', 'main.c'],
  );
}

describe.runIf(hasTool('clang') && hasTool('llvm-symbolizer'))(
  'a later unit whose sequence ends where an earlier unit starts (clang, two .S files)',
  () => {
    it("the earlier unit's first row answers there, as llvm-symbolizer says", () => {
      const path = buildEndGapFixture();
      const elf = ElfFile.open(path);
      try {
        const base = elf.symbolValue('_text')!;
        const late = elf.symbolValue('late_fn')!;
        // the fixture's shape: early_fn's sequence ends at late_fn
        expect(late - elf.symbolValue('early_fn')!).toBe(8n);
        const addrs: bigint[] = [];
        for (let a = base; a < elf.symbolValue('_etext')!; a++) addrs.push(a);
        const llvm = execFileSync(
          'llvm-symbolizer',
          [`--obj=${path}`, '--no-inlines', '--functions=none', '--output-style=GNU'],
          { input: addrs.map((a) => `0x${a.toString(16)}`).join('\n'), encoding: 'utf8' },
        )
          .split('\n')
          .filter((l) => l !== '')
          .map(parseGnuLine);
        expect(llvm[Number(late - base)]).toMatchObject({ line: 5 });
        expect(llvm[Number(late - base)].file).toMatch(/a\.S$/);
        for (const rules of ['symbolizer', 'last-row-gaps']) {
          const ex = extractUpstream(elf, { rules });
          const reader = flatFormat.open(flatFormat.encode(ex.table, true).bytes, true);
          const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
          const ours = addrs.map((a) =>
            reader.lookup(Number(a - base), hit) && hit.line !== 0
              ? `${ex.table.files[hit.fileId]}:${hit.line}`
              : '-',
          );
          expect(ours[Number(late - base)], rules).toMatch(/a\.S:5$/);
          if (rules === 'symbolizer') {
            const theirs = llvm.map((a) => (a.line ? `${a.file}:${a.line}` : '-'));
            const differ = ours.filter(
              (o, k) => !(o === theirs[k] || (o !== '-' && theirs[k].endsWith(`/${o}`))),
            );
            expect(differ).toEqual([]);
          }
        }
      } finally {
        elf.close();
      }
    });
  },
);
