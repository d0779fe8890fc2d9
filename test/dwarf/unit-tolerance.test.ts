import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineHeader } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * Units libdw (0.188) will not read, as the generator meets them in its
 * dwarf_nextcu loop: a unit it skips we skip, counted and with a warning;
 * where its walk ends, ours ends. Each case is checked against both real
 * generators on the same mutated file: equal tables (`generator check`).
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');
const dir = scratchDir('unit-tolerance');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each test builds or runs both generators and assembles their output: slow on a busy machine. */
const GENERATOR_TIMEOUT = 300_000;

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'units libdw skips (gcc, DWARF 5)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    const kern = buildKern('gcc');
    const base = new ElfMutant(kern);
    const units = base.units();
    const info = base.sectionStart('.debug_info');
    const infoSize = base.elf.section('.debug_info')!.size;
    const all = extractUpstream(base.elf);
    /** A middle unit with a line table, and its entries' count under v1-v4 without it. */
    const k = 1;
    const unit = units[k];

    /** inspect's stderr and JSON, and both generators' verdicts on the same file. */
    async function read(m: ElfMutant, name: string) {
      const file = m.write(dir, name);
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      for (const tree of [V4, NEWEST]) {
        const c = await generatorCheck(tree, file, env);
        expect(c.outcome, `${tree} on ${name}`).toBe('exact');
      }
      return { file, err: r.err, json: JSON.parse(r.out) };
    }

    it('has units enough to mutate one in the middle', () => {
      expect(units.length).toBeGreaterThanOrEqual(3);
      expect(unit.stmtList).toBeDefined();
      expect(unit.version).toBe(5);
    });

    it('an unknown abbreviation code in a first DIE: that unit skipped, the rest read', async () => {
      const m = new ElfMutant(kern);
      m.bytes[info + unit.offset + 12] = 0x7e; // a one-byte ULEB128 no table declares
      const r = await read(m, 'abbrev-code');
      expect(r.err).toMatch(
        new RegExp(
          `^warning: ${r.file}: unit at \\.debug_info\\+${unit.offset}: \\.debug_abbrev: abbreviation code 126 not in table at \\d+; skipped the unit \\(its line table is not read\\)\\n$`,
        ),
      );
      expect(r.json.dwarf.unitsSkipped).toBe(1);
      expect(r.json.dwarf.units).toBe(units.length);
      expect(r.json.entries).toBeLessThan(all.table.count);
    });

    it('an unknown DWARF version: that unit skipped, the walk goes on by its length', async () => {
      const m = new ElfMutant(kern);
      m.u16(info + unit.offset + 4, 9);
      const r = await read(m, 'version');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: unsupported DWARF version 9; skipped the unit (its line table is not read)\n`,
      );
      expect(r.json.dwarf.unitsSkipped).toBe(1);
      expect(r.json.dwarf.units).toBe(units.length);
    });

    it('an unknown unit type: that unit skipped, the walk goes on', async () => {
      const m = new ElfMutant(kern);
      m.bytes[info + unit.offset + 6] = 9;
      const r = await read(m, 'unit-type');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: unknown unit type 9; skipped the unit (its line table is not read)\n`,
      );
      expect(r.json.dwarf.unitsSkipped).toBe(1);
    });

    it('an address size other than 4 or 8 on a 64-bit file: libdw reads the unit with 8', async () => {
      const m = new ElfMutant(kern);
      m.bytes[info + unit.offset + 7] = 89; // DWARF 5: address_size after unit_type
      const r = await read(m, 'address-size');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset} (${unit.name}): header: address size 89; skipped that size (read as 8, as libdw reads any size but 4 and 8)\n`,
      );
      // inspect's default revision is the newest: all its entries, none lost
      expect(r.json.entries).toBe(extractUpstream(base.elf, { rules: 'newest' }).table.count);
    });

    it('an abbreviation offset past .debug_abbrev: dwarf_nextcu fails, the walk ends before the unit', async () => {
      const m = new ElfMutant(kern);
      const abbrevSize = m.elf.section('.debug_abbrev')!.size;
      m.u32(info + unit.offset + 8, abbrevSize + 5);
      const r = await read(m, 'abbrev-offset');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: header: abbreviation offset ${abbrevSize + 5} past .debug_abbrev's end (${abbrevSize}); skipped it and every unit after it (${infoSize - unit.offset} bytes of .debug_info)\n`,
      );
      expect(r.json.dwarf.units).toBe(k);
    });

    it('an abbreviation offset at the very end of .debug_abbrev: dwarf_nextcu takes it, only that unit is skipped', async () => {
      const m = new ElfMutant(kern);
      const abbrevSize = m.elf.section('.debug_abbrev')!.size;
      m.u32(info + unit.offset + 8, abbrevSize);
      const r = await read(m, 'abbrev-offset-end');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: .debug_abbrev: table offset ${abbrevSize} past its end; skipped the unit (its line table is not read)\n`,
      );
      expect(r.json.dwarf.units).toBe(units.length);
      expect(r.json.dwarf.unitsSkipped).toBe(1);
    });

    it('bytes after the last unit, fewer than 5: the walk of libdw ends there, the units before are read', async () => {
      for (const extra of [1, 2, 4]) {
        const m = new ElfMutant(kern);
        const sec = m.elf.section('.debug_info')!;
        // .debug_info made longer: the next bytes of the file become its tail
        m.word(m.sectionHeader(sec.index) + (m.elf.is64 ? 32 : 20), infoSize + extra);
        const r = await read(m, `tail-${extra}`);
        expect(r.err).toBe(
          `warning: ${r.file}: unit at .debug_info+${infoSize}: header: ${extra} byte${extra === 1 ? '' : 's'} left, fewer than a unit header; skipped it and every unit after it (${extra} bytes of .debug_info)\n`,
        );
        expect(r.json.dwarf.units).toBe(units.length);
        expect(r.json.entries).toBe(extractUpstream(base.elf, { rules: 'newest' }).table.count);
      }
    });

    it('a unit header the section end cuts: the walk ends before it', async () => {
      // the last unit's length made 0 and its version kept: a 5-byte unit, then its
      // own DIE bytes read as a unit header (as libdw reads them)
      const last = units[units.length - 1];
      const m = new ElfMutant(kern);
      const sec = m.elf.section('.debug_info')!;
      m.word(m.sectionHeader(sec.index) + (m.elf.is64 ? 32 : 20), last.offset + 7);
      const r = await read(m, 'header-cut');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${last.offset}: header: a 12-byte unit header does not fit in the 7 bytes left; skipped it and every unit after it (7 bytes of .debug_info)\n`,
      );
      expect(r.json.dwarf.units).toBe(units.length - 1);
    });

    it('a compile unit made a type unit: libdw checks the type offset it then reads, and its walk ends there', async () => {
      const m = new ElfMutant(kern);
      m.bytes[info + unit.offset + 6] = 2; // DW_UT_type: a signature and a type offset follow the header
      // the type offset is the DIE's bytes at +20: set, as they depend on the fixture's paths
      const typeOffset = 5;
      m.u32(info + unit.offset + 20, typeOffset);
      const r = await read(m, 'type-unit');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: header: type unit's type offset ${typeOffset} inside its 24-byte header; skipped it and every unit after it (${infoSize - unit.offset} bytes of .debug_info)\n`,
      );
      expect(r.json.dwarf.units).toBe(k);
    });

    it('a reserved unit length: the walk ends before the unit', async () => {
      const m = new ElfMutant(kern);
      m.u32(info + unit.offset, 0xfffffff1);
      const r = await read(m, 'reserved-length');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: header: reserved unit length 0xfffffff1; skipped it and every unit after it (${infoSize - unit.offset} bytes of .debug_info)\n`,
      );
      expect(r.json.dwarf.units).toBe(k);
    });

    it('a unit length past the section end: that unit read to the end, none after it', async () => {
      const m = new ElfMutant(kern);
      m.u32(info + unit.offset, 4_000_000);
      const r = await read(m, 'long-unit');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: header: length 4000000 runs past the section end (${infoSize}); skipped every unit after it (it was read up to the section end, as libdw reads it)\n`,
      );
      expect(r.json.dwarf.units).toBe(k + 1);
      expect(r.json.dwarf.unitsWithLines).toBe(k + 1);
    });

    it('a line table longer than .debug_line: dwarf_getsrclines fails, that unit skipped', async () => {
      const m = new ElfMutant(kern);
      const lineSize = m.elf.section('.debug_line')!.size;
      m.u32(m.sectionStart('.debug_line') + unit.stmtList!, 4_000_000);
      const r = await read(m, 'line-length');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset} (${unit.name}): .debug_line table at ${unit.stmtList}: length 4000000 runs past the section end (${lineSize}); skipped its line table\n`,
      );
      expect(r.json.dwarf.unitsSkipped).toBe(1);
      expect(r.json.dwarf.unitsWithLines).toBe(all.stats.unitsWithLines - 1);
    });

    it('a DW_FORM the reader does not know before DW_AT_stmt_list: that unit skipped', async () => {
      // the first attribute of the unit DIE's abbreviation gets form 0x7f
      const m = new ElfMutant(kern);
      const abbrev = m.sectionStart('.debug_abbrev');
      // GCC's unit DIE abbreviation: code, DW_TAG_compile_unit (0x11), children, then
      // (DW_AT_producer 0x25, form) first; find that pair after the unit's abbreviation offset
      const abbrevOffset = m.view.getUint32(info + unit.offset + 8, m.le);
      const table = m.bytes.subarray(abbrev + abbrevOffset);
      let at = -1;
      for (let i = 0; i + 4 < table.length; i++) {
        if (table[i + 1] === 0x11 && table[i + 3] === 0x25) {
          at = i + 4;
          break;
        }
      }
      expect(at).toBeGreaterThan(0);
      m.bytes[abbrev + abbrevOffset + at] = 0x7f;
      const r = await read(m, 'form');
      // every unit sharing that abbreviation table is skipped (GCC gives each unit its own)
      expect(r.err).toMatch(
        new RegExp(
          `^warning: ${r.file}: unit at \\.debug_info\\+${unit.offset}: unknown attribute form 0x7f at byte \\d+; skipped the unit \\(its line table is not read\\)\\n$`,
        ),
      );
    });
  },
);

describe.runIf(hasTool('i686-linux-gnu-gcc') && hasTool('pkg-config'))(
  'a unit address size libdw replaces, on a 32-bit file (i686 gcc, DWARF 5)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    const kern = buildKern('i686-linux-gnu-gcc');
    const base = new ElfMutant(kern);
    const units = base.units();
    const info = base.sectionStart('.debug_info');
    const unit = units[1];

    it('an address size other than 4 or 8: read as 8 (not the ELF class 4): its DIE and line table read so', async () => {
      expect(base.elf.is64).toBe(false);
      const m = new ElfMutant(kern);
      m.bytes[info + unit.offset + 7] = 0x5d;
      const file = m.write(dir, 'address-size-32');
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      for (const tree of [V4, NEWEST]) {
        const c = await generatorCheck(tree, file, env);
        expect(c.outcome, `${tree}`).toBe('exact');
      }
      const lines = r.err.split('\n').filter(Boolean);
      expect(lines[0]).toBe(
        `warning: ${file}: unit at .debug_info+${unit.offset} (${unit.name}): header: address size 93; skipped that size (read as 8, as libdw reads any size but 4 and 8)`,
      );
      // DW_AT_low_pc read in 8 bytes moves DW_AT_stmt_list: its line table is lost
      expect(JSON.parse(r.out).dwarf.unitsSkipped).toBe(1);
    });
  },
);

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'LEB128s and abbreviation tables as libdw reads them (gcc)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    /** Both generators' tables equal ours on the mutant; inspect's stderr and JSON. */
    async function check(m: ElfMutant, name: string) {
      const file = m.write(dir, name);
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      for (const tree of [V4, NEWEST]) {
        const c = await generatorCheck(tree, file, env);
        expect(c.outcome, `${tree} on ${name}`).toBe('exact');
      }
      return { file, err: r.err, json: JSON.parse(r.out) };
    }

    /** The declarations of the abbreviation table at `at` of `.debug_abbrev`: [start, code] pairs. */
    function declarations(bytes: Uint8Array, at: number): [number, number][] {
      const out: [number, number][] = [];
      let pos = at;
      const uleb = () => {
        let v = 0;
        let shift = 0;
        for (;;) {
          const b = bytes[pos++];
          v += (b & 0x7f) * 2 ** shift;
          shift += 7;
          if (b < 0x80) return v;
        }
      };
      for (;;) {
        const start = pos;
        const code = uleb();
        if (code === 0) return out;
        out.push([start, code]);
        uleb(); // tag
        pos++; // children
        for (;;) {
          const attr = uleb();
          const form = uleb();
          if (form === 0x21) uleb(); // implicit_const (its value: only its length matters here)
          if (attr === 0 && form === 0) break;
        }
      }
    }

    it('an abbreviation LEB128 that does not end: libdw reads 10 bytes of it and goes on (s390x-gcc:133)', async () => {
      const kern = buildKern('gcc');
      const m = new ElfMutant(kern);
      const abbrev = m.sectionStart('.debug_abbrev');
      m.bytes.fill(0xff, abbrev + 2, abbrev + 13); // the first declaration's children byte and a 10-byte attribute name
      const r = await check(m, 'abbrev-leb');
      expect(r.err).not.toMatch(/ULEB128/);
    });

    it('a code declared twice before the unit DIE one: the lookup fails there, that unit is skipped (aarch64-gcc:221)', async () => {
      const kern = buildKern('gcc');
      const m = new ElfMutant(kern);
      const info = m.sectionStart('.debug_info');
      const abbrev = m.sectionStart('.debug_abbrev');
      // a unit whose DIE's declaration comes third or later in its table (GCC's main.c and kern.c)
      const tableOf = (u: { offset: number }) => m.view.getUint32(info + u.offset + 8, m.le);
      const unit = m.units().find((u) => {
        const code = m.bytes[info + u.offset + 12];
        const i = declarations(m.bytes.subarray(abbrev), tableOf(u)).findIndex(
          (d) => d[1] === code,
        );
        return i >= 2;
      })!;
      expect(unit).toBeDefined();
      const decls = declarations(m.bytes.subarray(abbrev), tableOf(unit));
      expect(decls[0][1]).toBeLessThan(128);
      expect(decls[1][1]).toBeLessThan(128);
      m.bytes[abbrev + decls[1][0]] = decls[0][1]; // the second declaration takes the first one's code
      const r = await check(m, 'abbrev-duplicate');
      expect(r.err).toBe(
        `warning: ${r.file}: unit at .debug_info+${unit.offset}: .debug_abbrev: abbreviation code ${decls[0][1]} declared again at ${decls[1][0]} (first at ${decls[0][0]}); skipped the unit (its line table is not read)\n`,
      );
      expect(r.json.dwarf.unitsSkipped).toBe(1);
    });

    /**
     * The kern fixture's second unit and where the form of its DIE's first
     * attribute is declared: GCC's unit DIE declaration is code,
     * DW_TAG_compile_unit (0x11), children, then (DW_AT_producer 0x25, form).
     */
    function secondUnitProducer() {
      const m = new ElfMutant(buildKern('gcc'));
      const info = m.sectionStart('.debug_info');
      const abbrev = m.sectionStart('.debug_abbrev');
      const unit = m.units()[1];
      const table = abbrev + m.view.getUint32(info + unit.offset + 8, m.le);
      let producerForm = -1;
      for (let i = 0; i + 4 < 4096; i++) {
        if (m.bytes[table + i + 1] === 0x11 && m.bytes[table + i + 3] === 0x25) {
          producerForm = table + i + 4;
          break;
        }
      }
      expect(producerForm).toBeGreaterThan(0);
      return { m, unit, producerForm };
    }

    it('an attribute of form 0 in the unit DIE: libdw skips it without a value, and so do we', async () => {
      const { m, producerForm } = secondUnitProducer();
      m.bytes[producerForm] = 0; // DW_AT_producer of form 0: its strp's 4 bytes are read as the next attributes
      await check(m, 'form-0');
    });

    it('a DW_FORM_block length within 10 of 2^64: libdw adds its own bytes in 64 bits, wraps, and reads on inside them; so do we', async () => {
      const { m, producerForm, unit } = secondUnitProducer();
      expect(unit.version).toBe(5);
      const info = m.sectionStart('.debug_info');
      m.bytes[producerForm] = 0x09; // DW_AT_producer of form DW_FORM_block
      // its length: 2^64 - 6 in 10 bytes, so length + 10 wraps to 4: the next
      // attribute is read 4 bytes on, where it was (its bytes now the length's)
      const value = info + unit.offset + 13; // after the 12-byte header and a 1-byte code
      expect(m.bytes[info + unit.offset + 12]).toBeLessThan(0x80);
      m.bytes.set([0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], value);
      const r = await check(m, 'block-wraps');
      expect(r.err).not.toMatch(/skipped the unit|skipped it and every unit/);
      expect(r.json.dwarf.unitsSkipped).toBe(0);
    });

    /** Where GCC's first DW_LNE_set_address (0, 9, 2: 8-byte address) is in the first bytes of a program. */
    function firstSetAddress(head: Uint8Array): number {
      for (let i = 0; i + 2 < head.length; i++)
        if (head[i] === 0 && head[i + 1] === 9 && head[i + 2] === 2) return i;
      throw new Error('no DW_LNE_set_address at the start of the program');
    }

    for (const dwarf of [5, 4]) {
      const kern = buildKern('gcc', dwarf === 4 ? { flags: ['-gdwarf-4'] } : {});

      it(`a line program ULEB128 that does not end (DWARF ${dwarf}): 10 bytes read, 0xffffffff kept (x86_64-gcc-dwarf4:91)`, async () => {
        const m = new ElfMutant(kern);
        const unit = m.units()[1];
        const h = readLineHeader(new DwarfSections(m.elf), unit.stmtList!, unit.addressSize);
        const program = m.sectionStart('.debug_line') + h.programOffset;
        // GCC's first DW_LNE_set_address (11 bytes) becomes DW_LNS_set_column and a
        // 10-byte ULEB128 that does not end; the program goes on after them
        const at = program + firstSetAddress(m.bytes.subarray(program, program + 16));
        m.bytes[at] = 5;
        m.bytes.fill(0x80, at + 1, at + 11);
        const r = await check(m, `line-uleb-${dwarf}`);
        expect(r.err).toMatch(/a row with column 4294967295/);
      });

      it(`NVIDIA's DW_LNE 0x91 (set_function_name): libdw reads its ULEB128 operand whatever the length says (DWARF ${dwarf}, powerpc-gcc:102)`, async () => {
        const m = new ElfMutant(kern);
        const line = m.elf.section('.debug_line')!;
        const sec = m.bytes.subarray(line.offset, line.offset + line.size);
        // the fuzz case's bytes: DW_LNS_set_column a, DW_LNS_advance_line b,
        // DW_LNS_copy become DW_LNS_set_column 0 and an extended opcode of
        // length 1, sub-opcode 0x91: libdw takes the next byte (an opcode) as
        // its operand, where a reader skipping by the length reads that opcode
        let at = -1;
        for (let i = sec.length - 6; i > 0 && at < 0; i--)
          if (
            sec[i] === 5 &&
            sec[i + 1] < 0x80 &&
            sec[i + 2] === 3 &&
            sec[i + 3] < 0x80 &&
            sec[i + 4] === 1 &&
            sec[i + 5] < 0x80
          )
            at = i;
        expect(at).toBeGreaterThan(0);
        sec.set([0, 0, 1, 0x91], at + 1);
        await check(m, `line-nvidia-${dwarf}`);
      });

      it(`a header_length 4 bytes past the tables: libdw 0.188 reads those 4 as a .debug_str offset (NVIDIA CUBINs) and runs the program after them; 3 or 5: the table fails (DWARF ${dwarf})`, async () => {
        for (const delta of [4, 3, 5]) {
          const m = new ElfMutant(kern);
          const unit = m.units()[1];
          const h = readLineHeader(new DwarfSections(m.elf), unit.stmtList!, unit.addressSize);
          // unit_length (4), version (2), DWARF 5: address and segment selector sizes
          const at = m.sectionStart('.debug_line') + unit.stmtList! + 6 + (dwarf >= 5 ? 2 : 0);
          const headerLength = m.view.getUint32(at, m.le);
          expect(unit.stmtList! + 10 + (dwarf >= 5 ? 2 : 0) + headerLength).toBe(h.programOffset);
          m.u32(at, headerLength + delta);
          const r = await check(m, `line-header-length-${dwarf}-${delta}`);
          if (delta === 4) expect(r.err).toBe('');
          else expect(r.err).toMatch(/directory and file tables end at byte/);
        }
      });

      it(`a line program SLEB128 that does not end (DWARF ${dwarf}): 10 bytes read, -1 kept`, async () => {
        const m = new ElfMutant(kern);
        const unit = m.units()[1];
        const h = readLineHeader(new DwarfSections(m.elf), unit.stmtList!, unit.addressSize);
        const program = m.sectionStart('.debug_line') + h.programOffset;
        const at = program + firstSetAddress(m.bytes.subarray(program, program + 16)) + 11;
        // after the first DW_LNE_set_address: DW_LNS_advance_line and 10 bytes of 0x80
        m.bytes[at] = 3;
        m.bytes.fill(0x80, at + 1, at + 11);
        await check(m, `line-sleb-${dwarf}`);
      });
    }
  },
);
