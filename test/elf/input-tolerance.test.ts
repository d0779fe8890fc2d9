import { rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * Parts of the ELF file the generator never reads, or reads past (libelf):
 * each becomes a warning, and where the generator reads the mutated file
 * its tables are ours exactly (`generator check`, both revisions).
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');
const dir = scratchDir('elf-tolerance');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each test builds or runs both generators and assembles their output: slow on a busy machine. */
const GENERATOR_TIMEOUT = 300_000;

const withLibdw = hasTool('gcc') && hasTool('pkg-config');

describe.runIf(withLibdw)(
  'ELF parts read past, on a kernel-like fixture (gcc)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    const kern = buildKern('gcc');
    const size = statSync(kern).size;

    /** Both generators read the file, and their tables equal ours. */
    async function exactWithGenerators(file: string) {
      for (const tree of [V4, NEWEST]) {
        const c = await generatorCheck(tree, file, env);
        expect(c.outcome, tree).toBe('exact');
      }
    }

    it('program headers past the end of the file: a warning, the same tables', async () => {
      const m = new ElfMutant(kern);
      m.word(m.eh.phoff, size + 4096);
      const file = m.write(dir, 'ph-past-end');
      const phnum = m.elf.programHeaders.length;
      const phentsize = m.elf.is64 ? 56 : 32;
      const r = await runCli(['inspect', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: program headers: ${phnum} x ${phentsize} bytes at ${size + 4096} end past the end of the file (${size} bytes); skipped the program headers (no figure is taken from them)\n`,
      );
      expect(r.out).toContain('  read past     1 part of the file (see the warnings)\n');
      expect(r.out).toContain(
        '    program headers: skipped the program headers (no figure is taken from them)\n',
      );
      await exactWithGenerators(file);
    });

    it('measure prints the same warning and lists it in --json; its figures are all there', async () => {
      const m = new ElfMutant(kern);
      m.word(m.eh.phoff, size + 4096);
      const file = m.write(dir, 'ph-measure');
      const r = await runCli(['measure', '--json', file]);
      expect(r.code).toBe(0);
      const line = `warning: ${file}: program headers: ${m.elf.programHeaders.length} x ${m.elf.is64 ? 56 : 32} bytes at ${size + 4096} end past the end of the file (${size} bytes); skipped the program headers (no figure is taken from them)`;
      expect(r.err.split('\n')).toContain(line);
      const j = JSON.parse(r.out);
      expect(j.warnings).toEqual([
        {
          part: 'program headers',
          cause: `${m.elf.programHeaders.length} x ${m.elf.is64 ? 56 : 32} bytes at ${size + 4096} end past the end of the file (${size} bytes)`,
          skipped: 'the program headers (no figure is taken from them)',
        },
      ]);
      expect(j.tables.length).toBeGreaterThan(0);
    });

    it('e_phentsize below an entry: a warning, the same tables', async () => {
      const m = new ElfMutant(kern);
      m.u16(m.eh.phentsize, 3);
      const file = m.write(dir, 'phentsize');
      const elf = ElfFile.open(file);
      try {
        expect(elf.programHeaders).toEqual([]);
        expect(elf.warnings).toEqual([
          {
            part: 'program headers',
            cause: `e_phentsize 3 is below ${elf.is64 ? 56 : 32}`,
            skipped: 'the program headers (no figure is taken from them)',
          },
        ]);
      } finally {
        elf.close();
      }
      await exactWithGenerators(file);
    });

    it('e_shentsize other than the standard size: libelf reads 64-byte headers anyway, and so do we', async () => {
      const m = new ElfMutant(kern);
      m.u16(m.eh.shentsize, 38772);
      const file = m.write(dir, 'shentsize');
      const r = await runCli(['inspect', '--revision', 'v1-v4', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: ELF header: e_shentsize 38772 is not 64; skipped e_shentsize (section headers read 64 bytes apart, as libelf reads them)\n`,
      );
      const elf = ElfFile.open(kern);
      try {
        expect(JSON.parse(r.out).entries).toBe(extractUpstream(elf).table.count);
      } finally {
        elf.close();
      }
      await exactWithGenerators(file);
    });

    it('an unknown e_machine: a warning, the arch unknown, the same entries as the generator reads', async () => {
      const m = new ElfMutant(kern);
      m.u16(m.eh.machine, 0x1234);
      const file = m.write(dir, 'machine');
      const r = await runCli(['inspect', '--revision', 'v1-v4', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: ELF header: unknown machine (e_machine 4660); skipped what needs the architecture (its name, instruction size, assembler)\n`,
      );
      const j = JSON.parse(r.out);
      expect(j.arch).toBe('unknown (e_machine 4660)');
      expect(j.warnings).toEqual([
        {
          part: 'ELF header',
          cause: 'unknown machine (e_machine 4660)',
          skipped: 'what needs the architecture (its name, instruction size, assembler)',
        },
      ]);
      // the machine plays no part in reading line tables: the unmutated file's
      // entries are the generator's (its check needs the arch for the assembler)
      const c = await generatorCheck(V4, kern, env);
      expect(c.outcome).toBe('exact');
      expect(j.entries).toBe(c.comparison!.entries.generator);
      // what needs the arch says so, in one line
      const agree = await runCli(['generator', 'check', V4, file]);
      expect(agree.code).toBe(2);
      expect(agree.err).toBe(`error: ${file}: unknown architecture (e_machine 4660)\n`);
      // measure gives every figure, the arch named unknown, with the warning
      const meas = await runCli(['measure', '--json', file]);
      const plain = await runCli(['measure', '--json', kern]);
      expect(meas.code, meas.err).toBe(0);
      expect(meas.err).toContain(
        `warning: ${file}: ELF header: unknown machine (e_machine 4660); skipped what needs the architecture`,
      );
      const mj = JSON.parse(meas.out);
      const pj = JSON.parse(plain.out);
      expect(mj.kernel.metadata).toMatchObject({
        arch: 'unknown (e_machine 4660)',
        kernelArch: 'unknown',
      });
      expect(mj.warnings).toEqual(j.warnings);
      const figures = (x: { tables: object[] }) => JSON.stringify(x.tables);
      expect(figures(mj)).toBe(figures(pj));
    });

    it('a symbol name outside .strtab: that symbol skipped with a warning, the same tables', async () => {
      const m = new ElfMutant(kern);
      const strtab = m.elf.section('.strtab')!;
      const victim = m.symbolIndex('kern_twice');
      m.u32(m.symbolName(victim), strtab.size + 100);
      const file = m.write(dir, 'symbol-name');
      const r = await runCli(['dump', file, '--out', join(dir, 'symbol-name.bin')]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: .symtab: a symbol name outside .strtab (symbol ${victim}: offset ${strtab.size + 100}, table ${strtab.size} bytes); skipped that symbol (no name to find it by)\n`,
      );
      await exactWithGenerators(file);
    });

    it('the symbol table found by its type, whatever its name, as the generator finds it', async () => {
      const m = new ElfMutant(kern);
      const symtab = m.elf.section('.symtab')!;
      const strtab = m.elf.sections.find((x) => x.name === '.strtab')!;
      // sh_name: "strtab", the tail of ".strtab"
      m.u32(m.sectionHeader(symtab.index), strtab.nameOffset + 1);
      const file = m.write(dir, 'symtab-name');
      const elf = ElfFile.open(file);
      try {
        expect(elf.section('.symtab')).toBeUndefined();
        expect(elf.symbolValue('_text')).toBeDefined();
        expect(elf.warnings).toEqual([]);
      } finally {
        elf.close();
      }
      await exactWithGenerators(file);
    });

    it('a section name outside the section name table: libdw opens no DWARF, so one line, exit 2, as the generators', async () => {
      const m = new ElfMutant(kern);
      const comment = m.elf.section('.comment')!;
      const shstrtab = m.elf.section('.shstrtab')!;
      m.u32(m.sectionHeader(comment.index), shstrtab.size + 7);
      const file = m.write(dir, 'section-name');
      const elf = ElfFile.open(file);
      try {
        expect(elf.section('.comment')).toBeUndefined();
        expect(elf.warnings).toEqual([
          {
            part: 'section headers',
            cause: `a section name outside the section name table (section ${comment.index}: offset ${shstrtab.size + 7}, table ${shstrtab.size} bytes)`,
            skipped: `section ${comment.index} (no name to find it by)`,
          },
        ]);
      } finally {
        elf.close();
      }
      const r = await runCli(['inspect', file]);
      expect(r.err).toBe(
        `error: ${file}: section ${comment.index}: name offset ${shstrtab.size + 7} outside the section name table, so libdw reads no DWARF from the file\n`,
      );
      expect(r.code).toBe(2);
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, file], env);
        expect(g.err).toMatch(/gen_lineinfo exited 1 on /);
      }
    });

    it('where libelf stops, we stop with one line: ELF version, a section name table or symbol string table of another type', async () => {
      const version = new ElfMutant(kern);
      version.bytes[6] = 0; // e_ident[EI_VERSION]
      const v = version.write(dir, 'ei-version');
      expect((await runCli(['inspect', v])).err).toBe(
        `error: ${v}: unknown ELF version 0 (e_ident[EI_VERSION])\n`,
      );
      const names = new ElfMutant(kern);
      const shstrtab = names.elf.section('.shstrtab')!;
      names.u32(names.sectionHeader(shstrtab.index) + 4, 1); // sh_type SHT_PROGBITS
      const n = names.write(dir, 'shstrtab-type');
      const rn = await runCli(['inspect', n]);
      expect(rn.err).toBe(
        `error: ${n}: the section name table (section ${shstrtab.index}) is of type 1, not SHT_STRTAB: libelf reads no name from it, so libdw reads no DWARF from the file\n`,
      );
      expect(rn.code).toBe(2);
      const strings = new ElfMutant(kern);
      const strtab = strings.elf.section('.strtab')!;
      strings.u32(strings.sectionHeader(strtab.index) + 4, 0); // sh_type SHT_NULL
      const t = strings.write(dir, 'strtab-type');
      const rt = await runCli(['inspect', t]);
      expect(rt.err).toBe(
        `error: ${t}: no symbol _text to take the base address from (not a vmlinux? pass --base)\n`,
      );
      // the generators stop there too (measured: "Cannot find _text symbol", exit 1)
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, t], env);
        expect(g.err).toMatch(/gen_lineinfo exited 1 on .*: .*(Cannot|cannot) find _text symbol/);
      }
    });

    it('a .symtab of another type (SHT_NULL, SHT_STRTAB) is no symbol table: no _text, one line, exit 2, as the generators', async () => {
      // issue 19 (fuzz: aarch64-gcc:211, s390x-gcc:113, aarch64-gcc:64): the
      // generator walks SHT_SYMTAB sections only, so it finds no _text
      for (const type of [0, 3]) {
        const m = new ElfMutant(kern);
        const symtab = m.elf.section('.symtab')!;
        m.u32(m.sectionHeader(symtab.index) + 4, type);
        const file = m.write(dir, `symtab-type-${type}`);
        const elf = ElfFile.open(file);
        try {
          expect(elf.symbols()).toBeNull();
          expect(elf.symbolValue('_text')).toBeUndefined();
        } finally {
          elf.close();
        }
        const r = await runCli(['dump', file, '--out', join(dir, 'symtab-type.bin')]);
        expect(r.err).toBe(
          `error: ${file}: no symbol table to take the base address from (not a vmlinux? pass --base)\n`,
        );
        expect(r.code).toBe(2);
        for (const tree of [V4, NEWEST]) {
          const g = await runCli(['generator', 'check', tree, file], env);
          expect(g.err).toMatch(/gen_lineinfo exited 1 on .*: .*(Cannot|cannot) find _text symbol/);
        }
      }
    });

    it("the symbol table's sh_entsize bounds the symbols the generator looks at, as sh_size / sh_entsize", async () => {
      // an sh_entsize twice the standard: only the first half of the symbols is read
      const m = new ElfMutant(kern);
      const symtab = m.elf.section('.symtab')!;
      const std = m.elf.is64 ? 24 : 16;
      const text = m.symbolIndex('_text');
      const at = m.sectionHeader(symtab.index) + (m.elf.is64 ? 56 : 36);
      // the largest sh_entsize that still leaves _text among the symbols read, and one that does not
      const count = symtab.size / std;
      const keeps = Math.floor(symtab.size / (text + 1));
      const drops = Math.floor(symtab.size / text) + 1;
      expect(Math.floor(symtab.size / keeps)).toBeGreaterThan(text);
      expect(Math.floor(symtab.size / drops)).toBeLessThanOrEqual(text);
      expect(count).toBeGreaterThan(text);
      m.word(at, keeps);
      const kept = m.write(dir, 'symtab-entsize-keeps');
      await exactWithGenerators(kept);
      m.word(at, drops);
      const dropped = m.write(dir, 'symtab-entsize-drops');
      const r = await runCli(['dump', dropped, '--out', join(dir, 'symtab-entsize.bin')]);
      expect(r.err).toBe(
        `error: ${dropped}: no symbol _text to take the base address from (not a vmlinux? pass --base)\n`,
      );
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, dropped], env);
        expect(g.err).toMatch(/gen_lineinfo exited 1 on .*: .*(Cannot|cannot) find _text symbol/);
      }
    });

    it('a symbol table with sh_entsize 0: both generators die dividing by it; we read every symbol, with a warning (a deliberate difference)', async () => {
      const m = new ElfMutant(kern);
      const symtab = m.elf.section('.symtab')!;
      m.word(m.sectionHeader(symtab.index) + (m.elf.is64 ? 56 : 36), 0);
      const file = m.write(dir, 'symtab-entsize-0');
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: .symtab: sh_entsize 0; skipped nothing (every symbol read: the generators divide by it and die of SIGFPE)\n`,
      );
      const before = await runCli(['inspect', '--json', kern]);
      expect(JSON.parse(r.out).entries).toBe(JSON.parse(before.out).entries);
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, file], env);
        expect(g.code, tree).toBe(2);
        expect(g.err, tree).toMatch(/gen_lineinfo .*SIGFPE/);
      }
    });

    it('a symbol table whose sh_size is no multiple of a symbol: libelf gives no data, so no symbols, no _text, as the generators', async () => {
      // fuzz s390x-gcc:289 (.symtab sh_size 0x2e8 -> 0x2e7): elf_getdata fails
      // (ELF_E_INVALID_DATA), find_text_addr passes the table over
      const m = new ElfMutant(kern);
      const symtab = m.elf.section('.symtab')!;
      m.word(m.sectionHeader(symtab.index) + (m.elf.is64 ? 32 : 20), symtab.size - 1);
      const file = m.write(dir, 'symtab-size');
      const elf = ElfFile.open(file);
      try {
        expect(elf.symbols()!.count).toBe(0);
        expect(elf.symbolValue('_text')).toBeUndefined();
        expect(elf.warnings).toContainEqual({
          part: '.symtab',
          cause: `sh_size ${symtab.size - 1} is not a multiple of ${m.elf.is64 ? 24 : 16}, the size of an entry of its type (sh_type 2): libelf gives no data for it`,
          skipped: 'its symbols (libelf gives the generator none)',
        });
      } finally {
        elf.close();
      }
      const r = await runCli(['dump', file, '--out', join(dir, 'symtab-size.bin')]);
      expect(r.err).toBe(
        `error: ${file}: no symbol _text to take the base address from (not a vmlinux? pass --base)\n`,
      );
      expect(r.code).toBe(2);
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, file], env);
        expect(g.err).toMatch(/gen_lineinfo exited 1 on .*: .*(Cannot|cannot) find _text symbol/);
      }
    });

    it('.debug_line larger than the file: one line, exit 2, nothing allocated from its size', async () => {
      const m = new ElfMutant(kern);
      const line = m.elf.section('.debug_line')!;
      // as the issue's: a size that sized a 28-billion-entry array before
      m.word(m.sectionHeader(line.index) + (m.elf.is64 ? 32 : 20), 113_816_633_452);
      const file = m.write(dir, 'line-size');
      const r = await runCli(['inspect', file]);
      expect(r.err).toBe(
        `error: ${file}: truncated: section .debug_line (113816633452 bytes at ${line.offset}) ends past the end of the file (${size} bytes)\n`,
      );
      expect(r.code).toBe(2);
    });
  },
);
