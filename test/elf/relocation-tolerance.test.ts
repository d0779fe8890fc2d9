import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';

/**
 * A kernel module's relocation input read past as each generator reads it
 * past before libdw reads `.debug_line` (v4 `apply_debug_line_relocations`;
 * the newest `apply_debug_line_relocations`, `apply_dl_reloc_table`,
 * `apply_one_dl_reloc`): mutated copies of real modules (gcc, ld -r),
 * against both real generators.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');
const dir = scratchDir('relocation-tolerance');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each test builds or runs both generators and assembles their output: slow on a busy machine. */
const GENERATOR_TIMEOUT = 300_000;

/** Section header field offsets (gABI). */
const SH = (is64: boolean) =>
  is64
    ? { name: 0, type: 4, flags: 8, size: 32, link: 40, info: 44, entsize: 56 }
    : { name: 0, type: 4, flags: 8, size: 20, link: 24, info: 28, entsize: 36 };

type Rules = 'v1-v4' | 'newest';

/** Our reading of `file` as a revision reads a module. */
function read(file: string, rules: Rules) {
  const elf = ElfFile.open(file);
  try {
    return extractUpstream(elf, { rules, relocation: 'upstream' });
  } finally {
    elf.close();
  }
}

/** Our warnings reading `file` as a revision reads a module, one `part: cause; skipped what` line each. */
function warnings(file: string, rules: Rules): string[] {
  return read(file, rules).warnings.map((w) => `${w.part}: ${w.cause}; skipped ${w.skipped}`);
}

/** Our tables (every covered section's under the newest rules), as text to compare. */
function tables(file: string, rules: Rules): string {
  const ex = read(file, rules);
  const t = (x: EntryTable) => [
    x.files,
    [...x.offsets.subarray(0, x.count)],
    [...x.lines.subarray(0, x.count)],
    [...x.fileIds.subarray(0, x.count)],
  ];
  const ms = ex.moduleSections;
  return JSON.stringify(
    ms ? [ms.files, ms.sections.map((s) => [s.name, t(s.table)])] : t(ex.table),
  );
}

/** Whether the mutation changed our table (and so, being exact, the generator's) for each revision. */
function changed(file: string, ko: string): Record<Rules, boolean> {
  return {
    'v1-v4': tables(file, 'v1-v4') !== tables(ko, 'v1-v4'),
    newest: tables(file, 'newest') !== tables(ko, 'newest'),
  };
}

async function outcome(tree: string, file: string): Promise<string> {
  return (await generatorCheck(tree, file, env)).outcome;
}

/** A mutated copy of the module: `edit` gets the mutant, the relocation table and the field offsets. */
function mutant(
  ko: string,
  name: string,
  table: string,
  edit: (m: ElfMutant, at: number, sh: ReturnType<typeof SH>) => void,
): string {
  const m = new ElfMutant(ko);
  edit(m, m.sectionHeader(m.elf.section(table)!.index), SH(m.elf.is64));
  return m.write(dir, name);
}

const x86 = KO_TARGETS.find((t) => t.arch === 'x86_64')!;

/** Exact against both generators. */
async function exact(file: string): Promise<void> {
  expect(await outcome(V4, file), 'v4').toBe('exact');
  expect(await outcome(NEWEST, file), 'newest').toBe('exact');
}

/** The index of the first relocation record of `table` whose symbol lies in section `section`. */
function recordAgainst(m: ElfMutant, table: string, section: string): number {
  const rs = m.elf.section(table)!;
  const syms = m.elf.symbols()!;
  const target = m.elf.section(section)!.index;
  const size = m.elf.is64 ? 24 : 8;
  for (let i = 0; i * size < rs.size; i++) {
    const sym = symbolOf(m, rs.offset + i * size);
    if (syms.shndx[sym] === target) return i;
  }
  throw new Error(`no record against ${section}`);
}

/** r_info's symbol of the record at `at` (x86_64: high 32 bits; ELF32: info >> 8). */
function symbolOf(m: ElfMutant, at: number): number {
  return m.elf.is64 ? m.view.getUint32(at + 12, m.le) : m.view.getUint32(at + 4, m.le) >>> 8;
}

/** Sets r_info's symbol of record `i` of `table`, keeping its type. */
function setSymbol(m: ElfMutant, table: string, i: number, sym: number): void {
  const rs = m.elf.section(table)!;
  if (m.elf.is64) m.u32(rs.offset + i * 24 + 12, sym);
  else {
    const at = rs.offset + i * 8 + 4;
    m.u32(at, ((sym << 8) | (m.view.getUint32(at, m.le) & 0xff)) >>> 0);
  }
}

describe.runIf(hasKoTools(x86))(
  'x86_64 module (.rela.debug_line)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    const ko = buildKo(x86);
    const RELA = '.rela.debug_line';
    const noData = (size: number, entry: number, type: number) =>
      `sh_size ${size} is not a multiple of ${entry}, the size of an entry of its type (sh_type ${type}): libelf gives no data for it`;

    it('unmutated: exact against both generators, no warning', async () => {
      expect(warnings(ko, 'v1-v4')).toEqual([]);
      expect(warnings(ko, 'newest')).toEqual([]);
      await exact(ko);
    });

    it('.rela.debug_line sh_size no multiple of 24: libelf gives no data, no relocation at all', async () => {
      const file = mutant(ko, 'rela-size', RELA, (m, at, sh) => m.word(at + sh.size, 260));
      expect(warnings(file, 'v1-v4')).toEqual([
        `${RELA}: ${noData(260, 24, 4)}; skipped every relocation of .debug_line (v4 applies none)`,
      ]);
      expect(warnings(file, 'newest')).toEqual([
        `${RELA}: ${noData(260, 24, 4)}; skipped its records (the newest generator skips the table)`,
      ]);
      // the file names (.debug_line_str offsets) and the newest's section bases are lost
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      // the '-line' modes read .debug_line as the generator does (everything else fully)
      for (const [rules, relocation, who] of [
        ['v1-v4', 'upstream-line', 'every relocation of .debug_line (v4 applies none)'],
        ['newest', 'upstream-line', 'its records (the newest generator skips the table)'],
      ] as const) {
        const elf = ElfFile.open(file);
        try {
          const w = extractUpstream(elf, { rules, relocation }).warnings;
          expect(w.map((x) => `${x.part}: ${x.cause}; skipped ${x.skipped}`)).toContain(
            `${RELA}: ${noData(260, 24, 4)}; skipped ${who}`,
          );
        } finally {
          elf.close();
        }
      }
      // where we stopped (exit 2), inspect reads the module and says what it read past
      const r = await runCli(['inspect', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: ${RELA}: ${noData(260, 24, 4)}; skipped its records (the newest generator skips the table)\n`,
      );
      await exact(file);
    });

    it('.symtab sh_size no multiple of 24: no symbols, so no relocation at all', async () => {
      const size = new ElfMutant(ko).elf.section('.symtab')!.size - 4;
      const file = mutant(ko, 'symtab-size', '.symtab', (m, at, sh) => m.word(at + sh.size, size));
      const symtab = `.symtab: ${noData(size, 24, 2)}`;
      expect(warnings(file, 'v1-v4')).toEqual([
        `${symtab}; skipped its symbols (libelf gives the generator none)`,
        `${symtab}; skipped every relocation of .debug_line (v4 applies none without symbols)`,
      ]);
      expect(warnings(file, 'newest')).toEqual([
        `${symtab}; skipped its symbols (libelf gives the generator none)`,
        `${symtab}; skipped every relocation of .debug_line (the newest generator applies none without symbols)`,
      ]);
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(file);
    });

    it('.rela.debug_line sh_entsize 0: v4 dies of SIGFPE, the newest skips the table', async () => {
      const file = mutant(ko, 'rela-entsize0', RELA, (m, at, sh) => m.word(at + sh.entsize, 0));
      expect(warnings(file, 'v1-v4')).toEqual([
        `${RELA}: sh_entsize is 0; skipped its 11 records (v4 divides sh_size by sh_entsize and dies of SIGFPE)`,
      ]);
      expect(warnings(file, 'newest')).toEqual([
        `${RELA}: sh_entsize is 0; skipped its 11 records (the newest generator skips the table)`,
      ]);
      const r = await runCli(['generator', 'check', V4, file], env);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`gen_lineinfo was killed by SIGFPE on ${file}`);
      expect(changed(file, ko).newest).toBe(true);
      expect(await outcome(NEWEST, file)).toBe('exact');
    });

    it('.rela.debug_line sh_entsize 48: sh_size / sh_entsize records, read 24 bytes apart; 8: every record', async () => {
      const file = mutant(ko, 'rela-entsize48', RELA, (m, at, sh) => m.word(at + sh.entsize, 48));
      const cause = (who: string) =>
        `${RELA}: sh_entsize 48 is not 24: ${who} counts sh_size / sh_entsize = 5 records and reads them 24 bytes apart; skipped its last 6 of 11 records`;
      expect(warnings(file, 'v1-v4')).toEqual([cause('v4')]);
      expect(warnings(file, 'newest')).toEqual([cause('the newest generator')]);
      // v4 reads only the first unit (its .debug_info unrelocated): records 5.. are the second's
      expect(changed(file, ko)).toEqual({ 'v1-v4': false, newest: true });
      await exact(file);
      // sh_size / 8 = 33 records counted: gelf_getrela fails past the 11th, nothing is lost
      const small = mutant(ko, 'rela-entsize8', RELA, (m, at, sh) => m.word(at + sh.entsize, 8));
      expect(warnings(small, 'v1-v4')).toEqual([]);
      expect(warnings(small, 'newest')).toEqual([]);
      expect(changed(small, ko)).toEqual({ 'v1-v4': false, newest: false });
      await exact(small);
    });

    it('a symbol index past .symtab: that record skipped', async () => {
      const m = new ElfMutant(ko);
      // records 1 and 2: R_X86_64_32, file names in .debug_line_str; the first
      // against .init.text: R_X86_64_64 (only the newest applies it)
      const init = recordAgainst(m, RELA, '.init.text');
      setSymbol(m, RELA, 1, 999);
      setSymbol(m, RELA, 2, 1000);
      setSymbol(m, RELA, init, 1001);
      const file = m.write(dir, 'bad-symbol');
      expect(warnings(file, 'v1-v4')).toEqual([
        `${RELA}: 2 records name a symbol past .symtab (record 1: symbol 999, the table has 28); skipped those records (gelf_getsym fails)`,
      ]);
      expect(warnings(file, 'newest')).toEqual([
        `${RELA}: 3 records name a symbol past .symtab (record 1: symbol 999, the table has 28); skipped those records (gelf_getsym fails)`,
      ]);
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(file);
    });

    it('a field past the end of .debug_line: that record skipped', async () => {
      const m = new ElfMutant(ko);
      const rela = m.elf.section(RELA)!;
      const size = m.elf.section('.debug_line')!.size;
      // r_offset of record 2 (R_X86_64_32, a file name): its last byte one past the section
      m.word(rela.offset + 2 * 24, size - 3);
      const file = m.write(dir, 'rela-offset');
      const past = `${RELA}: a record patches bytes past the end of .debug_line (record 2: 4 bytes at ${size - 3}, the section has ${size}); skipped that record`;
      expect(warnings(file, 'v1-v4')).toEqual([past]);
      expect(warnings(file, 'newest')).toEqual([past]);
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(file);
    });

    it("deliberate: a record whose r_offset wraps the generators' bounds check (2^64 - 2): they write outside .debug_line (v4 dies of it); we skip the record", async () => {
      const m = new ElfMutant(ko);
      const rela = m.elf.section(RELA)!;
      m.view.setBigUint64(rela.offset + 2 * 24, 0xffff_ffff_ffff_fffen, m.le);
      const file = m.write(dir, 'rela-offset-wraps');
      for (const rules of ['v1-v4', 'newest'] as const)
        expect(warnings(file, rules)).toEqual([
          expect.stringMatching(
            new RegExp(
              `^${RELA.replace(/\./g, '\\.')}: a record patches bytes past the end of \\.debug_line \\(record 2: 4 bytes at \\d+, the section has \\d+\\); skipped that record$`,
            ),
          ),
        ]);
      // v4: r_offset + 4 wraps to 2, under d_size: it writes 2 bytes before its
      // buffer and glibc aborts on the heap it broke
      const g4 = await runCli(['generator', 'check', V4, file], env);
      expect(g4.code).toBe(2);
      expect(g4.err).toMatch(/gen_lineinfo .*(SIGABRT|SIGSEGV)/);
      // the newest survives the write: its table is not ours (no table to match)
      expect(await outcome(NEWEST, file)).toBe('different');
    });

    it('the last SHT_SYMTAB section is the symbol table: .strtab retyped, libelf gives it no data, no relocation', async () => {
      const strtab = new ElfMutant(ko).elf.section('.strtab')!;
      expect(strtab.size % 24).not.toBe(0);
      const file = mutant(ko, 'strtab-symtab', '.strtab', (m, at, sh) => m.u32(at + sh.type, 2));
      const w4 = warnings(file, 'v1-v4');
      const wn = warnings(file, 'newest');
      const noSyms = `.strtab: ${noData(strtab.size, 24, 2)}; skipped every relocation of .debug_line`;
      expect(w4).toContain(`${noSyms} (v4 applies none without symbols)`);
      expect(wn).toContain(`${noSyms} (the newest generator applies none without symbols)`);
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(file);
    });

    it('two sections named .debug_line: the generator relocates the last, libdw reads the first', async () => {
      const m = new ElfMutant(ko);
      const line = m.elf.section('.debug_line')!;
      const rnglists = m.elf.section('.debug_rnglists')!;
      expect(rnglists.index).toBeGreaterThan(line.index);
      // .debug_rnglists (no reader here needs it) renamed .debug_line
      m.u32(m.sectionHeader(rnglists.index), m.view.getUint32(m.sectionHeader(line.index), m.le));
      const file = m.write(dir, 'two-debug-line');
      const cause = (who: string) =>
        `.debug_line: section ${rnglists.index} is named .debug_line too: ${who} relocates that one (the last of the name), libdw reads this one; skipped every relocation of .debug_line (${who} applies none to the section libdw reads)`;
      // and the second section itself, passed over by libdw (libdwSections)
      const second = `.debug_line (section ${rnglists.index}): a second section of this name (libdw reads section ${line.index}); skipped the section`;
      expect(warnings(file, 'v1-v4')).toEqual([cause('v4'), second]);
      expect(warnings(file, 'newest')).toEqual([cause('the newest generator'), second]);
      expect(changed(file, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(file);
    });

    it('.rela.debug_line without data and a .rel.debug_line: the newest skips the one and applies the other', async () => {
      const m = new ElfMutant(ko);
      const rela = m.elf.section(RELA)!;
      const names = m.elf.sectionNameTable!;
      // a name for the REL table: .note.GNU-stack's string (as long) becomes .rel.debug_line
      const text = new TextDecoder('latin1').decode(
        m.bytes.subarray(names.offset, names.offset + names.size),
      );
      const at = text.indexOf('.note.GNU-stack\0');
      expect(at).toBeGreaterThan(0);
      m.bytes.set(new TextEncoder().encode('.rel.debug_line'), names.offset + at);
      // .rela.debug_rnglists (no reader here needs it) made a REL table of one
      // record: .rela.debug_line's against .init.text (its addend 0, the field's)
      const rel = m.elf.section('.rela.debug_rnglists')!;
      const init = recordAgainst(m, RELA, '.init.text');
      const record = m.bytes.slice(rela.offset + init * 24, rela.offset + init * 24 + 16);
      m.bytes.fill(0, rel.offset, rel.offset + rel.size);
      m.bytes.set(record, rel.offset);
      const sh = SH(true);
      const relAt = m.sectionHeader(rel.index);
      m.u32(relAt + sh.name, at);
      m.u32(relAt + sh.type, 9);
      m.word(relAt + sh.entsize, 16);
      // and .rela.debug_line no multiple of 24
      m.word(m.sectionHeader(rela.index) + sh.size, rela.size - 8);
      const file = m.write(dir, 'rela-nodata-rel');
      const noRela = `${RELA}: ${noData(rela.size - 8, 24, 4)}`;
      expect(warnings(file, 'v1-v4')).toEqual([
        `${noRela}; skipped every relocation of .debug_line (v4 applies none)`,
      ]);
      expect(warnings(file, 'newest')).toEqual([
        `${noRela}; skipped its records (the newest generator skips the table)`,
      ]);
      // the newest: only .init.text's sequence at its base (the others at 0)
      const relaOnly = mutant(ko, 'rela-nodata', RELA, (x, a, h) =>
        x.word(a + h.size, rela.size - 8),
      );
      expect(tables(file, 'newest')).not.toBe(tables(relaOnly, 'newest'));
      expect(tables(file, 'newest')).not.toBe(tables(ko, 'newest'));
      expect(tables(file, 'v1-v4')).toBe(tables(relaOnly, 'v1-v4'));
      await exact(file);
    });

    it('sh_info and sh_link play no part: a table aimed elsewhere is still applied to .debug_line', async () => {
      const file = mutant(ko, 'rela-info-link', RELA, (m, at, sh) => {
        m.u32(at + sh.info, m.elf.section('.debug_info')!.index);
        m.u32(at + sh.link, 0);
      });
      expect(warnings(file, 'v1-v4')).toEqual([]);
      expect(warnings(file, 'newest')).toEqual([]);
      expect(changed(file, ko)).toEqual({ 'v1-v4': false, newest: false });
      await exact(file);
    });

    it('a table of another name or type is not read: renamed, retyped SHT_PROGBITS', async () => {
      const renamed = mutant(ko, 'rela-renamed', RELA, (m, at, sh) =>
        m.u32(at + sh.name, m.view.getUint32(at + sh.name, m.le) + 1),
      );
      const line = new ElfMutant(ko).elf.section('.debug_line')!.index;
      const aim = (who: string, names: string) =>
        `rela.debug_line: its relocation records aim at .debug_line (sh_info ${line}), but ${who} takes them from the section named ${names} only; skipped its records (not applied)`;
      expect(warnings(renamed, 'v1-v4')).toEqual([aim('v4', RELA)]);
      expect(warnings(renamed, 'newest')).toEqual([
        aim('the newest generator', `${RELA} or .rel.debug_line`),
      ]);
      expect(changed(renamed, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(renamed);
      const retyped = mutant(ko, 'rela-progbits', RELA, (m, at, sh) => m.u32(at + sh.type, 1));
      const typed = `${RELA}: of type 1, not SHT_RELA; skipped its records (gelf_getrela reads none from it)`;
      expect(warnings(retyped, 'v1-v4')).toEqual([typed]);
      expect(warnings(retyped, 'newest')).toEqual([typed]);
      expect(changed(retyped, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(retyped);
      // SHF_COMPRESSED over plain records: elf_getdata hands over a compression header (ELF_T_CHDR)
      const compressed = mutant(ko, 'rela-compressed', RELA, (m, at, sh) =>
        m.word(at + sh.flags, 0x840),
      );
      const flagged = `${RELA}: flagged SHF_COMPRESSED; skipped its records (gelf_getrela reads none from it)`;
      expect(warnings(compressed, 'v1-v4')).toEqual([flagged]);
      expect(warnings(compressed, 'newest')).toEqual([flagged]);
      expect(changed(compressed, ko)).toEqual({ 'v1-v4': true, newest: true });
      await exact(compressed);
    });
  },
);

describe.runIf(hasKoTools(x86) && hasTool('objcopy'))(
  'x86_64 module with compressed debug sections',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    it('the generators patch .debug_line in its compressed bytes, before libdw decompresses it', async () => {
      const lost =
        '.debug_line: flagged compressed: the generator applies its relocations to the compressed bytes, before libdw decompresses them; then corrupt zlib data at byte 0 (invalid bit length repeat); skipped the section (libdw leaves it out)';
      const none = ".debug_line: no such section; skipped every unit's line table";
      // as a kernel built with CONFIG_DEBUG_INFO_COMPRESSED_ZLIB links its modules
      const compress = (dwarf: 4 | 5) => {
        const file = join(dir, `compressed-dwarf${dwarf}.ko`);
        execFileSync('objcopy', ['--compress-debug-sections=zlib', buildKo(x86, dwarf), file]);
        return file;
      };
      const five = compress(5);
      // DWARF 5: R_X86_64_32 file names and R_X86_64_64 addresses patched into the zlib stream
      // the newest's R_X86_64_64 records: some past the compressed bytes' end
      const past = (what: string) =>
        `.rela.debug_line: ${what} bytes past the end of .debug_line (record `;
      expect(warnings(five, 'v1-v4')).toEqual([lost, none]);
      expect(warnings(five, 'newest')).toEqual([
        `${past('2 records patch')}9: 8 bytes at 239, the section has 243); skipped those records`,
        lost,
        none,
      ]);
      for (const rules of ['v1-v4', 'newest'] as const)
        expect(read(five, rules).table.count).toBe(0);
      await exact(five);
      // DWARF 4: no R_X86_64_32 in .debug_line (file names inline): v4 patches nothing
      const four = compress(4);
      expect(warnings(four, 'v1-v4')).toEqual([]);
      expect(read(four, 'v1-v4').table.count).toBeGreaterThan(0);
      expect(tables(four, 'v1-v4')).toBe(tables(buildKo(x86, 4), 'v1-v4'));
      expect(warnings(four, 'newest')).toEqual([
        `${past('a record patches')}4: 8 bytes at 346, the section has 252); skipped that record`,
        lost,
        none,
      ]);
      await exact(four);
    });
  },
);

/** 32-bit modules with REL records (`.rel.debug_line`): v4 never reads them, the newest does. */
describe.each(KO_TARGETS.filter((t) => t.arch === 'i386' || t.arch === 'arm'))(
  '$arch module (.rel.debug_line)',
  (t) => {
    const REL = '.rel.debug_line';
    const skip = !hasKoTools(t);
    const ko = skip ? '' : buildKo(t);
    const opts = { timeout: GENERATOR_TIMEOUT };

    it.skipIf(skip)('unmutated: exact against both generators, no warning', opts, async () => {
      expect(warnings(ko, 'v1-v4')).toEqual([]);
      expect(warnings(ko, 'newest')).toEqual([]);
      await exact(ko);
    });

    it.skipIf(skip)(
      'a record against a symbol of non-zero value: v4 applies no .rel record, the newest does',
      opts,
      async () => {
        const m = new ElfMutant(ko);
        const syms = m.elf.symbols()!;
        const text = m.elf.section('.text')!.index;
        let best = 0;
        for (let i = 0; i < syms.count; i++)
          if (syms.shndx[i] === text && syms.values[i] > syms.values[best]) best = i;
        expect(syms.values[best]).toBeGreaterThan(0n);
        setSymbol(m, REL, 0, best);
        const file = m.write(dir, `${t.arch}-rel-symbol`);
        expect(warnings(file, 'v1-v4')).toEqual([]);
        expect(warnings(file, 'newest')).toEqual([]);
        expect(changed(file, ko)).toEqual({ 'v1-v4': false, newest: true });
        await exact(file);
      },
    );

    it.skipIf(skip)(
      '.rel.debug_line sh_size no multiple of 8, or sh_entsize 0: the newest skips the table (v4 never reads it)',
      opts,
      async () => {
        const size = new ElfMutant(ko).elf.section(REL)!.size - 4;
        const n = (size + 4) / 8;
        const sized = mutant(ko, `${t.arch}-rel-size`, REL, (m, at, sh) =>
          m.word(at + sh.size, size),
        );
        expect(warnings(sized, 'v1-v4')).toEqual([]);
        expect(warnings(sized, 'newest')).toEqual([
          `${REL}: sh_size ${size} is not a multiple of 8, the size of an entry of its type (sh_type 9): libelf gives no data for it; skipped its records (the newest generator skips the table)`,
        ]);
        expect(changed(sized, ko)).toEqual({ 'v1-v4': false, newest: true });
        await exact(sized);
        const ent0 = mutant(ko, `${t.arch}-rel-entsize0`, REL, (m, at, sh) =>
          m.word(at + sh.entsize, 0),
        );
        expect(warnings(ent0, 'v1-v4')).toEqual([]);
        expect(warnings(ent0, 'newest')).toEqual([
          `${REL}: sh_entsize is 0; skipped its ${n} records (the newest generator skips the table)`,
        ]);
        expect(changed(ent0, ko)).toEqual({ 'v1-v4': false, newest: true });
        await exact(ent0);
      },
    );

    it.skipIf(skip)('a symbol index past .symtab: that record skipped', opts, async () => {
      const m = new ElfMutant(ko);
      const init = recordAgainst(m, REL, '.init.text');
      const count = m.elf.symbols()!.count;
      setSymbol(m, REL, init, 999);
      const file = m.write(dir, `${t.arch}-rel-bad-symbol`);
      expect(warnings(file, 'v1-v4')).toEqual([]);
      expect(warnings(file, 'newest')).toEqual([
        `${REL}: a record names a symbol past .symtab (record ${init}: symbol 999, the table has ${count}); skipped that record (gelf_getsym fails)`,
      ]);
      // .init.text's sequence loses its base: its rows fall in .text's range
      expect(changed(file, ko)).toEqual({ 'v1-v4': false, newest: true });
      await exact(file);
    });
  },
);
