import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineHeader } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * The line program as libdw's dwarf_getsrclines reads it, where DWARF
 * leaves room or the table is corrupt: each case against both generators.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const TREES = [join(UPSTREAM, 'v4'), join(UPSTREAM, 'post-v7-patch2')];
const dir = scratchDir('line-libdw');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each test builds or runs both generators and assembles their output: slow on a busy machine. */
const GENERATOR_TIMEOUT = 300_000;

/** Operands of the standard opcodes 1 to 12: 'u' ULEB128, 's' SLEB128, 'h' u16. */
const OPERANDS = ['', '', 'u', 's', 'u', 'u', '', '', '', 'h', '', '', 'u'];

/** Where the operand of the first DW_LNS_set_file in a table's program is (a bare walk). */
function firstSetFile(bytes: Uint8Array, start: number, end: number, opcodeBase: number): number {
  let p = start;
  const leb = () => {
    while (bytes[p++] & 0x80);
  };
  while (p < end) {
    const op = bytes[p++];
    if (op >= opcodeBase) continue;
    if (op === 0) {
      const len = bytes[p++];
      p += len;
    } else if (op === 4) return p;
    else if (OPERANDS[op] === 'h') p += 2;
    else if (OPERANDS[op]) leb();
  }
  throw new Error('no DW_LNS_set_file');
}

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'line programs as libdw reads them (gcc)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    async function exact(file: string) {
      for (const tree of TREES)
        expect((await generatorCheck(tree, file, env)).outcome, tree).toBe('exact');
    }

    it('a standard opcode declared with an operand count DWARF does not give it: the table fails', async () => {
      const kern = buildKern('gcc');
      const m = new ElfMutant(kern);
      const unit = m.units()[1];
      const at = m.sectionStart('.debug_line') + unit.stmtList!;
      // DWARF 5: the operand counts start at byte 18 of a 32-bit table; opcode 5 (set_column) is the 5th
      m.bytes[at + 18 + 4] = 2;
      const file = m.write(dir, 'operand-count');
      const r = await runCli(['inspect', file]);
      expect(r.err).toBe(
        `warning: ${file}: unit at .debug_info+${unit.offset} (${unit.name}): .debug_line table at ${unit.stmtList}: standard opcode 5 declared with 2 operands, not 1; skipped its line table\n`,
      );
      await exact(file);
    });

    it('DWARF 4: file 0 has no entry; libdw names it ??? and the generator keeps its rows', async () => {
      const kern = buildKern('gcc', { flags: ['-gdwarf-4'] });
      const m = new ElfMutant(kern);
      const unit = m.units()[0];
      const h = readLineHeader(new DwarfSections(m.elf), unit.stmtList!, unit.addressSize);
      expect(h.version).toBe(4);
      const base = m.sectionStart('.debug_line');
      const operand = firstSetFile(
        m.bytes,
        base + h.programOffset,
        base + h.offset + h.size,
        h.opcodeBase,
      );
      expect(m.bytes[operand]).toBeLessThan(0x80);
      m.bytes[operand] = 0;
      const file = m.write(dir, 'file-0');
      const r = await runCli([
        'dump',
        file,
        '--revision',
        'v1-v4',
        '--out',
        join(dir, 'file-0.bin'),
      ]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(readLines(join(dir, 'file-0.bin.files.txt'))).toContain('???');
      await exact(file);
    });
  },
);

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}
