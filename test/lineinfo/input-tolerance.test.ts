import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/info.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { buildGenerator } from '../../src/measure/generator.js';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { buildFixture, hasTool, libdwHelper, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * Whole sections the generator's libdw reads past, and the deliberate
 * differences of docs/input-tolerance.md, each on a real fixture against
 * the real generators.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');
const dir = scratchDir('input-tolerance');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each test builds or runs both generators and assembles their output: slow on a busy machine. */
const GENERATOR_TIMEOUT = 300_000;

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'sections libdw reads past (gcc)',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    const kern = buildKern('gcc');

    async function exact(file: string) {
      for (const tree of [V4, NEWEST])
        expect((await generatorCheck(tree, file, env)).outcome).toBe('exact');
    }

    it('a debug section flagged compressed without a compression header: left out, as libdw does', async () => {
      const m = new ElfMutant(kern);
      const line = m.elf.section('.debug_line')!;
      // sh_flags: SHF_COMPRESSED on plain bytes (the first word is the table's length)
      m.word(m.sectionHeader(line.index) + 8, 0x800);
      const file = m.write(dir, 'flagged');
      const type = m.view.getUint32(line.offset, m.le);
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: ${file}: .debug_line: flagged compressed, but its compression type is ${type}; skipped the section (libdw leaves it out)\n` +
          `warning: ${file}: .debug_line: no such section; skipped every unit's line table\n`,
      );
      expect(JSON.parse(r.out).entries).toBe(0);
      await exact(file);
    });

    describe.runIf(hasTool('objcopy'))(
      'zlib-compressed sections libelf does not decompress',
      () => {
        /** The fixture with its debug sections zlib-compressed (objcopy), as a kernel with CONFIG_DEBUG_INFO_COMPRESSED_ZLIB. */
        function zlibKern(): string {
          const out = join(dir, 'kern-zlib');
          const r = spawnSync('objcopy', ['--compress-debug-sections=zlib', kern, out], {
            encoding: 'utf8',
          });
          expect(r.status, r.stderr).toBe(0);
          return out;
        }

        it('a valid compression header over corrupt data, a ch_size the data does not fill, a ch_addralign no power of 2: the section left out, as libdw leaves it out', async () => {
          const compressed = zlibKern();
          const base = new ElfMutant(compressed);
          const line = base.elf.section('.debug_line')!;
          expect(base.elf.compressionOf(line)).toBe('zlib');
          const hsize = base.elf.is64 ? 24 : 12;
          const sizeAt = line.offset + (base.elf.is64 ? 8 : 4);
          const alignAt = line.offset + (base.elf.is64 ? 16 : 8);
          const cases: [string, (m: ElfMutant) => void, RegExp][] = [
            [
              'corrupt-data',
              // the middle of the deflate stream: a broken block or a checksum that fails
              (m) => m.bytes.fill(0xff, line.offset + hsize + 8, line.offset + hsize + 24),
              /^corrupt zlib data at byte 0 \(/,
            ],
            [
              'size-plus-one',
              (m) => m.word(sizeAt, base.elf.contents(line).bytes.length + 1),
              /^decompressed to \d+ bytes, its header says \d+$/,
            ],
            [
              'align-3',
              (m) => m.word(alignAt, 3),
              /^its compression header's ch_addralign 3 is no power of 2$/,
            ],
          ];
          for (const [name, mutate, cause] of cases) {
            const m = new ElfMutant(compressed);
            mutate(m);
            const file = m.write(dir, `zlib-${name}`);
            const elf = ElfFile.open(file);
            try {
              const r = extractUpstream(elf);
              expect(r.table.count, name).toBe(0);
              expect(r.warnings[0], name).toMatchObject({
                part: '.debug_line',
                cause: expect.stringMatching(cause),
                skipped: 'the section (libdw leaves it out)',
              });
            } finally {
              elf.close();
            }
            await exact(file);
          }
        });

        it('GNU-compressed sections (.zdebug_*, objcopy --compress-debug-sections=zlib-gnu): libdw decompresses them, and reads one that does not decompress as stored; so do we', async () => {
          const gnu = join(dir, 'kern-zlib-gnu');
          const r0 = spawnSync('objcopy', ['--compress-debug-sections=zlib-gnu', kern, gnu], {
            encoding: 'utf8',
          });
          expect(r0.status, r0.stderr).toBe(0);
          const base = new ElfMutant(gnu);
          expect(base.elf.section('.debug_line')).toBeUndefined();
          const line = base.elf.section('.zdebug_line')!;
          const plain = extractUpstream(ElfFile.open(kern)).table;
          const elf = ElfFile.open(gnu);
          try {
            const r = extractUpstream(elf);
            expect(r.table.count).toBe(plain.count);
            expect(r.table.files).toEqual(plain.files);
            expect(r.warnings).toEqual([]);
          } finally {
            elf.close();
          }
          await exact(gnu);
          // its zlib data broken: libdw ignores elf_compress_gnu's error and reads the
          // stored bytes ("ZLIB" ...) as the line tables, which fail: no entries
          const m = new ElfMutant(gnu);
          m.bytes.fill(0xff, line.offset + 14, line.offset + 30);
          const file = m.write(dir, 'zlib-gnu-corrupt');
          const r = await runCli(['inspect', '--json', file]);
          expect(r.code).toBe(0);
          expect(r.err.split('\n')[0]).toMatch(
            new RegExp(
              `^warning: ${file}: \\.zdebug_line: does not decompress as GNU-compressed: corrupt zlib data at byte 0 \\(.*\\); skipped nothing \\(read as stored, as libdw reads it\\)$`,
            ),
          );
          expect(JSON.parse(r.out).entries).toBe(0);
          await exact(file);
        });

        it('a compressed .debug_line whose bytes lie past the end of the file: left out, as libdw leaves it out (elf_compress fails), not an error', async () => {
          const compressed = zlibKern();
          const m = new ElfMutant(compressed);
          const line = m.elf.section('.debug_line')!;
          const offsetAt = m.sectionHeader(line.index) + (m.elf.is64 ? 24 : 16);
          m.word(offsetAt, m.bytes.length - 8);
          const file = m.write(dir, 'zlib-past-eof');
          const r = await runCli(['inspect', '--json', file]);
          expect(r.code).toBe(0);
          expect(r.err.split('\n')[0]).toBe(
            `warning: ${file}: .debug_line: flagged compressed, but its ${line.size} bytes at ${m.bytes.length - 8} end past the end of the file (${m.bytes.length} bytes); skipped the section (libdw leaves it out)`,
          );
          expect(JSON.parse(r.out).entries).toBe(0);
          await exact(file);
        });

        it('a section name table flagged compressed: libelf decompresses it for every name; one it cannot decompress gives no name, so no DWARF, as the generators', async () => {
          // flagged over plain strings: the first word is no compression type libelf knows
          const flagged = new ElfMutant(kern);
          const shstrtab = flagged.elf.section('.shstrtab')!;
          const flagsAt = flagged.sectionHeader(shstrtab.index) + 8;
          flagged.word(flagsAt, 0x800);
          const f = flagged.write(dir, 'shstrtab-flagged');
          const r = await runCli(['inspect', f]);
          expect(r.err).toMatch(
            new RegExp(
              `^error: ${f}: the section name table \\(section ${shstrtab.index}\\) is flagged compressed, but its compression type is \\d+: libelf reads no name from it, so libdw reads no DWARF from the file\\n$`,
            ),
          );
          expect(r.code).toBe(2);
          for (const tree of [V4, NEWEST]) {
            const g = await runCli(['generator', 'check', tree, f], env);
            expect(g.err).toMatch(/gen_lineinfo exited 1 on .*built with CONFIG_DEBUG_INFO\?/);
          }
          // really compressed (zlib, appended to the file): the names are read from it, the same tables
          const real = new ElfMutant(kern);
          const is64 = real.elf.is64;
          const names = real.elf.contents(shstrtab).bytes;
          const z = deflateSync(names);
          const chdr = new DataView(new ArrayBuffer(is64 ? 24 : 12));
          chdr.setUint32(0, 1, real.le); // ELFCOMPRESS_ZLIB
          if (is64) {
            chdr.setBigUint64(8, BigInt(names.length), real.le);
            chdr.setBigUint64(16, 1n, real.le);
          } else {
            chdr.setUint32(4, names.length, real.le);
            chdr.setUint32(8, 1, real.le);
          }
          const at = Math.ceil(real.bytes.length / 8) * 8;
          const header = real.sectionHeader(shstrtab.index);
          real.word(header + 8, 0x800);
          real.word(header + (is64 ? 24 : 16), at);
          real.word(header + (is64 ? 32 : 20), chdr.byteLength + z.length);
          const file = join(dir, 'shstrtab-zlib');
          const bytes = new Uint8Array(at + chdr.byteLength + z.length);
          bytes.set(real.bytes);
          bytes.set(new Uint8Array(chdr.buffer), at);
          bytes.set(z, at + chdr.byteLength);
          writeFileSync(file, bytes);
          const elf = ElfFile.open(file);
          try {
            expect(elf.sectionNamesProblem).toBeUndefined();
            expect(elf.section('.debug_line')).toBeDefined();
          } finally {
            elf.close();
          }
          await exact(file);
        });
      },
    );

    it('a zeroed stretch of .debug_info (one 4-byte unit after another): skipped as one run, with work bounded by its bytes, not by reads or objects per unit', async () => {
      // issue 19 (fuzz: vmlinux:81, 15 MB zeroed, 3.8 million units: a minute
      // per revision, against the generator's 2.8 s)
      const m = new ElfMutant(kern);
      const units = m.units();
      const last = units[units.length - 1];
      const info = m.elf.section('.debug_info')!;
      m.bytes.fill(0, info.offset + last.offset, info.offset + info.size);
      const file = m.write(dir, 'info-zeroed');
      // dwarf_nextcu starts no unit within the last 4 bytes: the units before them
      let zeroUnits = 0;
      while (last.offset + 4 * zeroUnits + 4 < info.size) zeroUnits++;
      expect(zeroUnits).toBeGreaterThan(100);
      const elf = ElfFile.open(file);
      try {
        const dw = new DwarfSections(elf);
        const walked = readUnits(dw, { tolerant: true, runs: true, onStop: () => {} });
        // the units before the stretch, and one entry for all of it
        expect(walked).toHaveLength(units.length);
        expect(walked[units.length - 1]).toMatchObject({
          offset: last.offset,
          skippedRun: zeroUnits,
          size: 4 * zeroUnits,
        });
        // a read per unit before the stretch, one (read ahead) for the stretch
        expect(dw.peekReads).toBeLessThanOrEqual(units.length + 1);
        const r = extractUpstream(elf);
        expect(r.stats.units).toBe(units.length - 1 + zeroUnits);
        expect(r.stats.unitsSkipped).toBe(zeroUnits);
        expect(r.warnings.map((w) => `${w.part}: ${w.cause}`)).toEqual([
          `unit at .debug_info+${last.offset + 4 * zeroUnits}: header: ${info.size - last.offset - 4 * zeroUnits} bytes left, fewer than a unit header`,
          `${zeroUnits} units (the first at .debug_info+${last.offset}): unsupported DWARF version 0`,
        ]);
      } finally {
        elf.close();
      }
      await exact(file);
    });

    it('file names that are not UTF-8 are kept apart by their bytes and emitted as those bytes, as the generator compares and emits them', async () => {
      // "lib/util.h" and "lib/util.c" made "lib/util.\xff" and "lib/util.\xfe": decoded
      // as UTF-8 with replacement both were "lib/util.\ufffd", one file instead of two
      const m = new ElfMutant(kern);
      const lineStr = m.elf.section('.debug_line_str')!;
      const bytes = m.bytes.subarray(lineStr.offset, lineStr.offset + lineStr.size);
      const at = (s: string) => {
        const i = Buffer.from(bytes).indexOf(`${s}\0`);
        expect(i, s).toBeGreaterThanOrEqual(0);
        return i + s.length - 1; // the name's last byte
      };
      bytes[at('util.h')] = 0xff;
      bytes[at('lib/util.c')] = 0xfe;
      const file = m.write(dir, 'names-not-utf8');
      const elf = ElfFile.open(file);
      try {
        const before = extractUpstream(ElfFile.open(kern));
        const r = extractUpstream(elf);
        expect(r.table.files).toHaveLength(before.table.files.length);
        expect(r.table.files).toContain('lib/util.\udcff');
        expect(r.table.files).toContain('lib/util.\udcfe');
      } finally {
        elf.close();
      }
      await exact(file);
    });

    it('a debug section flagged SHF_GROUP: left out, as dwarf_begin_elf leaves out group members', async () => {
      const m = new ElfMutant(kern);
      const line = m.elf.section('.debug_line')!;
      m.word(m.sectionHeader(line.index) + 8, 0x200); // sh_flags: SHF_GROUP
      const file = m.write(dir, 'group');
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err.split('\n')[0]).toBe(
        `warning: ${file}: .debug_line: flagged SHF_GROUP (a section group member); skipped the section (libdw leaves it out)`,
      );
      expect(JSON.parse(r.out).entries).toBe(0);
      await exact(file);
    });

    it('two sections named .debug_line: libdw reads the first that loads (not SHT_NOBITS, not a group member, not empty, decompressed), and so do we', async () => {
      // the section before .debug_line renamed .debug_line, then made what libdw passes over
      const base = new ElfMutant(kern);
      const line = base.elf.section('.debug_line')!;
      const before = base.elf.sections[line.index - 1];
      const full = extractUpstream(ElfFile.open(kern)).table.count;
      expect(full).toBeGreaterThan(0);
      const cases: [string, (m: ElfMutant, header: number) => void, string | undefined][] = [
        ['nobits', (m, h) => m.u32(h + 4, 8), undefined], // sh_type SHT_NOBITS
        [
          'group',
          (m, h) => m.word(h + 8, 0x200),
          'flagged SHF_GROUP (a section group member); skipped the section (libdw leaves it out)',
        ],
        ['empty', (m, h) => m.word(h + (m.elf.is64 ? 32 : 20), 0), undefined], // sh_size 0
        [
          'compressed',
          (m, h) => m.word(h + 8, 0x800), // SHF_COMPRESSED over plain bytes
          'flagged compressed, but its compression type is',
        ],
        // one libdw loads: the second is the one passed over
        ['plain', () => {}, undefined],
      ];
      for (const [name, mutate, cause] of cases) {
        const m = new ElfMutant(kern);
        const header = m.sectionHeader(before.index);
        m.u32(header, line.nameOffset); // sh_name
        mutate(m, header);
        const file = m.write(dir, `second-debug-line-${name}`);
        const elf = ElfFile.open(file);
        try {
          const r = extractUpstream(elf);
          const texts = r.warnings.map((w) => `${w.part}: ${w.cause}; skipped ${w.skipped}`);
          if (name === 'plain') {
            // the first holds another section's bytes: every unit's line table fails
            expect(r.table.count, name).toBe(0);
            expect(texts[0], name).toBe(
              `.debug_line (section ${line.index}): a second section of this name (libdw reads section ${before.index}); skipped the section`,
            );
          } else {
            expect(r.table.count, name).toBe(full);
            if (cause) expect(texts[0], name).toContain(`.debug_line: ${cause}`);
            else expect(texts, name).toEqual([]);
          }
        } finally {
          elf.close();
        }
        await exact(file);
      }
    });

    it('no .debug_str: units read without their string attributes, one warning for all', async () => {
      const m = new ElfMutant(kern);
      const str = m.elf.section('.debug_str')!;
      m.u32(m.sectionHeader(str.index), 0); // sh_name: the empty name
      const file = m.write(dir, 'no-debug-str');
      const elf = ElfFile.open(file);
      try {
        const r = extractUpstream(elf);
        const before = extractUpstream(ElfFile.open(kern));
        expect(r.table.count).toBe(before.table.count);
        expect(r.warnings).toHaveLength(1);
        expect(r.warnings[0]).toMatchObject({
          part: expect.stringMatching(/^\d+ units \(the first at \.debug_info\+0/),
          cause: expect.stringMatching(/^first DIE: DW_AT_producer: no \.debug_str section/),
          skipped: 'that string of each (the units are read without it, as libdw reads them)',
        });
      } finally {
        elf.close();
      }
      await exact(file);
    });

    it('no .debug_abbrev: every unit unreadable, an empty table, as the generators make', async () => {
      const m = new ElfMutant(kern);
      const abbrev = m.elf.section('.debug_abbrev')!;
      m.u32(m.sectionHeader(abbrev.index), 0);
      const file = m.write(dir, 'no-abbrev');
      const r = await runCli(['inspect', '--json', file]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(
        /: unit at \.debug_info\+0: header: abbreviation offset 0 past \.debug_abbrev's end \(0\); skipped it and every unit after it \(\d+ bytes of \.debug_info\)\n$/,
      );
      expect(JSON.parse(r.out).entries).toBe(0);
      await exact(file);
    });

    it('newest rules: an _etext of 0 is no cap, as the newest generator takes it', async () => {
      const m = new ElfMutant(kern);
      const etext = m.symbolIndex('_etext');
      // st_value of an Elf64_Sym: 8 bytes at 8
      m.word(m.symbolName(etext) + (m.elf.is64 ? 8 : 4), 0);
      const file = m.write(dir, 'etext-0');
      const c = await generatorCheck(NEWEST, file, env);
      expect(c.outcome).toBe('exact');
      const elf = ElfFile.open(file);
      try {
        expect(extractUpstream(elf, { rules: 'newest' }).end).toBeUndefined();
      } finally {
        elf.close();
      }
    });

    it('deliberate: an ET_REL e_type is read as a module; --base _text reads it as the generator does', async () => {
      const m = new ElfMutant(kern);
      m.u16(16, 1); // e_type ET_REL
      const file = m.write(dir, 'et-rel');
      const orig = ElfFile.open(kern);
      const elf = ElfFile.open(file);
      try {
        const asModule = extractUpstream(elf);
        expect(asModule.base).toBe(elf.section('.text')!.addr);
        for (const rules of ['v1-v4', 'newest']) {
          const asVmlinux = extractUpstream(elf, { rules, base: '_text' });
          const generatorReads = extractUpstream(orig, { rules });
          expect(asVmlinux.table.count).toBe(generatorReads.table.count);
          expect(asVmlinux.table.files).toEqual(generatorReads.table.files);
        }
      } finally {
        elf.close();
        orig.close();
      }
      // the generators run without --module, as kbuild runs them on a vmlinux (their check
      // would pick module mode from e_type): the same counts as ours with --base _text
      const counts = { v4: '', newest: '' };
      for (const [key, tree, args] of [
        ['v4', V4, []],
        ['newest', NEWEST, ['-v']],
      ] as const) {
        const g = spawnSync(buildGenerator(tree, env).binary, [...args, file], {
          encoding: 'utf8',
        });
        expect(g.status).toBe(0);
        counts[key] = /(\d+) entries, (\d+) files/.exec(g.stderr)![0];
      }
      const viaBase = (rules: string) => {
        const e = ElfFile.open(file);
        try {
          const t = extractUpstream(e, { rules, base: '_text' }).table;
          return `${t.count} entries, ${t.files.length} files`;
        } finally {
          e.close();
        }
      };
      expect(counts).toEqual({ v4: viaBase('v1-v4'), newest: viaBase('newest') });
    });
  },
);

/** Rewrites a section's sh_type (and sh_size) in the mutant's header. */
function retype(m: ElfMutant, name: string, type: number, size?: number): void {
  const h = m.sectionHeader(m.elf.section(name)!.index);
  m.u32(h + 4, type);
  if (size !== undefined) m.word(h + (m.elf.is64 ? 32 : 20), size);
}

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'a debug section of another sh_type: what libelf gives libdw',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    async function exact(file: string) {
      for (const tree of [V4, NEWEST])
        expect((await generatorCheck(tree, file, env)).outcome, tree).toBe('exact');
    }

    it('a size its new type does not divide: elf_getdata fails, so dwarf_begin_elf fails: one line, exit 2, as the generators', async () => {
      // fuzz x86_64-clang:91 (.debug_loclists), aarch64-gcc:423 (.debug_str): sh_type 1 -> 2
      const kern = buildKern('gcc');
      const m = new ElfMutant(kern);
      const str = m.elf.section('.debug_str')!;
      // SHT_SYMTAB (24-byte symbols), with a size that is no multiple of 24
      const size = str.size % 24 === 0 ? str.size - 1 : str.size;
      retype(m, '.debug_str', 2, size);
      const file = m.write(dir, 'str-symtab');
      const r = await runCli(['inspect', file]);
      expect(r.err).toBe(
        `error: ${file}: section .debug_str (section ${str.index}): sh_size ${size} is not a multiple of 24, the size of an entry of its type (sh_type 2): libelf gives no data for it, so libdw reads no DWARF from the file\n`,
      );
      expect(r.code).toBe(2);
      for (const tree of [V4, NEWEST]) {
        const g = await runCli(['generator', 'check', tree, file], env);
        expect(g.err).toMatch(/gen_lineinfo exited 1 on .*CONFIG_DEBUG_INFO\?/);
      }
    });

    it('a type whose size divides it, or a type libelf reads as bytes: read as before, as the generators read it (a little-endian file: nothing converted)', async () => {
      const kern = buildKern('gcc');
      const m = new ElfMutant(kern);
      // SHT_NOTE: bytes whatever the size; SHT_GNU_versym: 2-byte entries
      retype(m, '.debug_line', 7);
      const str = m.elf.section('.debug_str')!;
      retype(m, '.debug_str', 0x6fffffff, str.size - (str.size % 2));
      const file = m.write(dir, 'retyped-le');
      const r = await runCli(['inspect', file]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      await exact(file);
    });

    describe.runIf(hasTool('s390x-linux-gnu-gcc'))('a big-endian file (s390x)', () => {
      it('libelf converts the section to the host byte order by its new type (fields of records reversed, note headers), and libdw reads that: so do we', async () => {
        const kern = buildKern('s390x-linux-gnu-gcc');
        const base = new ElfMutant(kern);
        const str = base.elf.section('.debug_str')!;
        const line = base.elf.section('.debug_line')!;
        expect(base.elf.littleEndian).toBe(false);
        // .debug_str as SHT_GNU_versym: every 2 bytes swapped (names garbled);
        // .debug_line as SHT_NOTE: the headers of the "notes" its bytes make swapped;
        // .debug_line as SHT_HASH (8-byte words on s390x), cut to a multiple of 8
        const cases: [string, (m: ElfMutant) => void][] = [
          ['versym', (m) => retype(m, '.debug_str', 0x6fffffff, str.size - (str.size % 2))],
          ['note', (m) => retype(m, '.debug_line', 7)],
          ['hash', (m) => retype(m, '.debug_line', 5, line.size - (line.size % 8))],
        ];
        for (const [name, mutate] of cases) {
          const m = new ElfMutant(kern);
          mutate(m);
          const file = m.write(dir, `retyped-be-${name}`);
          const r = await runCli(['inspect', file]);
          expect(r.code, name).toBe(0);
          await exact(file);
        }
        // a size SHT_HASH's 8-byte words do not divide: no data, no DWARF
        const m = new ElfMutant(kern);
        retype(m, '.debug_line', 5, line.size - (line.size % 8) - 4);
        const file = m.write(dir, 'retyped-be-hash-cut');
        expect((await runCli(['inspect', file])).code).toBe(2);
        for (const tree of [V4, NEWEST]) {
          const g = await runCli(['generator', 'check', tree, file], env);
          expect(g.err).toMatch(/gen_lineinfo exited 1 on .*CONFIG_DEBUG_INFO\?/);
        }
      });
    });
  },
);

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'deliberate: zstd debug sections',
  { timeout: GENERATOR_TIMEOUT },
  () => {
    it('read by us; libdw 0.188 finds no DWARF in them', async () => {
      const file = buildFixture('gcc-dwarf5-zstd');
      const r = await runCli(['inspect', '--base', '0', '--json', file]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).dwarf.compression['.debug_line']).toBe('zstd');
      expect(JSON.parse(r.out).entries).toBeGreaterThan(20);
      const libdw = spawnSync(libdwHelper(), [file], { encoding: 'utf8' });
      // elfutils 0.189 added zstd; 0.188's libdw leaves every section out
      if (libdw.status !== 0) expect(libdw.stderr).toMatch(/no DWARF information/);
    });
  },
);
