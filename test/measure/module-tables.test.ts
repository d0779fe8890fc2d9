import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/info.js';
import { allocRows, readLineTable } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { describeError } from '../../src/errors.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import { findModules } from '../../src/kernels/resolve.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { account } from '../../src/measure/accounting.js';
import {
  MAIN_MODULE_FORMAT,
  MODULE_FORMATS,
  measureModule,
} from '../../src/measure/module-tables.js';
import { distribution, measureModuleSet } from '../../src/measure/modules.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import {
  buildKo,
  FIRST_NON_TEXT_LINE,
  hasKoTools,
  KO_TARGETS,
  ourRows,
  refRows,
} from '../helpers/ko-objects.js';
import { runModulesCommand } from '../helpers/modules-command.js';
import { libdwLines } from '../helpers/reference-readers.js';

const dir = scratchDir('modules');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x86 = KO_TARGETS[0];

describe('one module, relocated two ways', () => {
  for (const t of [KO_TARGETS[0], KO_TARGETS[2], KO_TARGETS[4], KO_TARGETS[6]]) {
    it.skipIf(!hasKoTools(t) || !hasTool('llvm-dwarfdump'))(
      `${t.arch}: full relocation keeps .text's rows only, upstream mixes in the other sections`,
      () => {
        const ko = buildKo(t, 5);
        const m = measureModule(ko);
        // every entry of the fully relocated table is a row llvm-dwarfdump shows in .text
        const ref = new Set<string>();
        for (const rows of refRows(ko).values())
          for (const r of rows)
            if (r.line > 0 && r.line < FIRST_NON_TEXT_LINE) ref.add(`${r.addr}:${r.line}`);
        const elf = ElfFile.open(ko);
        const full = extractUpstream(elf, { relocation: 'full' });
        const up = extractUpstream(elf, { relocation: 'upstream' });
        elf.close();
        expect(full.table.count).toBe(m.full.entries);
        expect(full.table.count).toBeGreaterThan(5);
        for (let i = 0; i < full.table.count; i++) {
          expect(ref.has(`${full.table.offsets[i]}:${full.table.lines[i]}`), `entry ${i}`).toBe(
            true,
          );
        }
        // both objects' .text rows are in, and their files
        expect(full.table.files).toEqual(expect.arrayContaining(['mod_a.c', 'mod_b.c']));
        const textLines = new Set(full.table.lines.subarray(0, full.table.count));
        expect([...textLines].some((l) => l >= FIRST_NON_TEXT_LINE)).toBe(false);
        expect(full.drops.aboveEnd).toBeGreaterThan(0); // the .init/.exit/.unlikely rows
        // upstream: .init.text's and .exit.text's sequences start at 0 too and land in .text
        expect(up.drops.aboveEnd).toBeLessThan(full.drops.aboveEnd);
        if (t.arch === 'x86_64') {
          const upLines = [...up.table.lines.subarray(0, up.table.count)];
          expect(upLines.some((l) => l >= 9000)).toBe(true);
        }
        expect(m.differ).toBe(true);
        expect(m.causes).toContain('other-sections');
        expect(m.causes).toContain('debug-info');
        if (t.arch === 'riscv64') expect(m.causes).toContain('riscv-add-sub');
        // 64-bit targets with RELA: mod_b's .text sequence has a non-zero addend upstream drops
        expect(m.causes).toContain('text-addends');
        expect(m.full.unknownTypes).toEqual({});
      },
    );
  }

  it.skipIf(!hasKoTools(x86))(
    'lays out v1, v2 and v3 sections whose bytes add up and decode back',
    () => {
      const ko = buildKo(x86, 5);
      const m = measureModule(ko);
      const elf = ElfFile.open(ko);
      const ex = extractUpstream(elf, { relocation: 'full' });
      elf.close();
      expect(m.full.tables.map((t) => t.format)).toEqual(MODULE_FORMATS.map((f) => f.id));
      for (const f of MODULE_FORMATS) {
        const enc = f.encode(ex.table, true);
        const acc = account(enc);
        const mt = m.full.tables.find((t) => t.format === f.id)!;
        expect(mt.total).toBe(enc.bytes.length);
        expect(Object.values(mt.buckets).reduce((a, b) => a + b, 0)).toBe(mt.total);
        expect(acc.buckets).toEqual(mt.buckets);
        const back = f.open(enc.bytes, true).decodeAll();
        expect(back.files).toEqual(ex.table.files);
        expect([...back.offsets]).toEqual([...ex.table.offsets.subarray(0, ex.table.count)]);
        expect([...back.lines]).toEqual([...ex.table.lines.subarray(0, ex.table.count)]);
      }
      const header = (id: string) => m.full.tables.find((t) => t.format === id)!.buckets.counts;
      expect(header('module-v1')).toBe(16);
      expect(header('module-v2:64')).toBe(20); // + 4 reserved, counted as padding
      expect(header(MAIN_MODULE_FORMAT)).toBe(44); // + 4 reserved
      const v3 = m.full.tables.find((t) => t.format === MAIN_MODULE_FORMAT)!.total;
      expect(m.growth.text).toBeCloseTo((100 * v3) / m.sizes.text, 10);
      expect(m.sizes.stripped).toBeLessThan(m.sizes.file);
      expect(m.sizes.alloc).toBeGreaterThanOrEqual(m.sizes.text);
    },
  );

  it('refuses a file that is not a module, naming it', () => {
    const p = join(dir, 'notelf.ko');
    writeFileSync(p, 'not an ELF file at all');
    expect(() => measureModule(p)).toThrow(/not an ELF file/);
    try {
      measureModule(p);
    } catch (e) {
      expect(describeError(e)).toEqual({
        exitCode: 2,
        lines: [`error: ${p}: not an ELF file (no \\x7fELF magic)`],
      });
    }
  });
});

describe('module sets', () => {
  it('distribution: nearest-rank median and p90', () => {
    const d = distribution([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(d).toMatchObject({ count: 10, sum: 55, min: 1, median: 5, p90: 9, max: 10 });
  });

  it.skipIf(!hasKoTools(x86) || !hasKoTools(KO_TARGETS[2]))(
    'sums a directory of modules; the totals are the sums of the modules',
    async () => {
      const root = join(dir, 'set');
      mkdirSync(join(root, 'kernel', 'drivers'), { recursive: true });
      copyFileSync(buildKo(x86, 5), join(root, 'kernel', 'a.ko'));
      copyFileSync(buildKo(x86, 4), join(root, 'kernel', 'drivers', 'b.ko'));
      writeFileSync(join(root, 'kernel', 'README'), 'not a module');
      const paths = findModules(root);
      expect(paths.map((p) => p.slice(root.length + 1))).toEqual([
        'kernel/a.ko',
        'kernel/drivers/b.ko',
      ]);
      const r = await measureModuleSet({ source: root, root, paths, jobs: 1 });
      expect(r.modules.map((m) => m.name)).toEqual(['kernel/a.ko', 'kernel/drivers/b.ko']);
      const s = r.summary;
      for (const mode of ['upstream', 'full'] as const) {
        expect(s.totals[mode].entries).toBe(
          r.modules[0][mode].entries + r.modules[1][mode].entries,
        );
        for (const f of r.formats) {
          const sum = r.modules.reduce(
            (a, m) => a + m[mode].tables.find((t) => t.format === f)!.total,
            0,
          );
          expect(s.totals[mode].bytes[f]).toBe(sum);
        }
      }
      expect(s.distribution.sum).toBe(s.totals.full.bytes[MAIN_MODULE_FORMAT]);
      expect(s.largest[0].bytes).toBe(s.distribution.max);
      expect(s.differ.count).toBe(2);
      expect(s.differ.byCause['other-sections']).toBe(2);
    },
  );

  it.skipIf(!hasKoTools(x86))(
    'the modules command: text and JSON, and a bad file exits 2',
    async () => {
      const root = join(dir, 'cmd');
      mkdirSync(root, { recursive: true });
      copyFileSync(buildKo(x86, 5), join(root, 'm.ko'));
      const text = await runModulesCommand([root, '--jobs', '1']);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/1 modules \(x86_64\)/);
      expect(text.out).toMatch(/upstream\s+│\s+\d/);
      const json = await runModulesCommand([join(root, 'm.ko'), '--json']);
      expect(json.code).toBe(0);
      const r = JSON.parse(json.out);
      expect(r.modules).toHaveLength(1);
      expect(r.summary.differ.count).toBe(1);
      writeFileSync(join(root, 'bad.ko'), 'garbage');
      const bad = await runModulesCommand([root, '--jobs', '1']);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/^error: \S+\/cmd\/bad\.ko: not an ELF file \([^)]+\)$/);
    },
  );
});

/** A real module: Debian's cloud-amd64 6.1 debug package, when the cache has its modules. */
const debianModules = join(
  cacheRoot(),
  'debian',
  'linux-image-6.1.0-56-cloud-amd64-dbg_6.1.192-2',
  'usr/lib/debug/lib/modules/6.1.0-56-cloud-amd64/kernel',
);
const realModule = join(debianModules, 'net/xfrm/xfrm_algo.ko');

describe.runIf(existsSync(realModule) && hasTool('llvm-dwarfdump'))(
  'a real module (Debian 6.1 cloud-amd64, net/xfrm/xfrm_algo.ko)',
  () => {
    it('fully relocated rows equal llvm-dwarfdump; names are kernel-relative', () => {
      const ours = ourRows(realModule, 'full');
      const ref = refRows(realModule);
      expect(ref.size).toBeGreaterThan(1);
      expect([...ours.keys()]).toEqual([...ref.keys()]);
      for (const [off, rows] of ref) expect(ours.get(off)).toEqual(rows);
      const m = measureModule(realModule);
      expect(m.arch).toBe('x86_64');
      expect(m.full.unknownTypes).toEqual({});
      expect(m.differ).toBe(true);
      const elf = ElfFile.open(realModule);
      const full = extractUpstream(elf, { relocation: 'full' });
      elf.close();
      expect(full.table.files).toContain('net/xfrm/xfrm_algo.c');
      for (const f of full.table.files) expect(f.startsWith('/')).toBe(false);
    });

    it('upstream relocation reads the units libdw reads in the unrelocated .debug_info, row for row', () => {
      const lib = libdwLines(realModule);
      const elf = ElfFile.open(realModule);
      const dw = new DwarfSections(elf, 'upstream');
      const ours = new Map<number, number>();
      for (const u of readUnits(dw, { tolerant: true })) {
        let n = 0;
        if (u.stmtList !== undefined) {
          try {
            n = readLineTable(dw, u.stmtList, u.addressSize, allocRows(64)).rows.count;
          } catch {
            n = 0; // libdw fails on this unit too: no rows
          }
        }
        ours.set(u.offset, n);
      }
      elf.close();
      expect(lib.length).toBeGreaterThan(1);
      expect([...ours.keys()]).toEqual(lib.map((u) => u.offset));
      for (const u of lib) expect(ours.get(u.offset), `unit ${u.offset}`).toBe(u.rows.length);
      // only the first unit is readable without .debug_info's relocations
      expect(lib[0].rows.length).toBeGreaterThan(0);
      expect(lib.slice(1).every((u) => u.rows.length === 0)).toBe(true);
    });
  },
);

/** A real riscv64 module from a kernel build (kernels build tinyconfig-modules-dwarf5 --arch riscv64), when cached. */
function builtRiscvModule(): string | undefined {
  const builds = join(cacheRoot(), 'builds');
  if (!existsSync(builds)) return undefined;
  for (const d of readdirSync(builds).sort()) {
    const p = join(builds, d, 'out', 'lib', 'crc7.ko');
    if (d.startsWith('riscv64-tinyconfig-modules-dwarf5-gcc-') && existsSync(p)) return p;
  }
  return undefined;
}
const riscvModule = builtRiscvModule();

describe.runIf(riscvModule !== undefined && hasTool('llvm-dwarfdump'))(
  'a real riscv64 module from a kernel build (lib/crc7.ko)',
  () => {
    it('fully relocated rows equal llvm-dwarfdump; upstream loses the ADD/SUB address advances', () => {
      const ko = riscvModule!;
      const ref = refRows(ko);
      const ours = ourRows(ko, 'full');
      expect([...ours.keys()]).toEqual([...ref.keys()]);
      for (const [off, rows] of ref) expect(ours.get(off)).toEqual(rows);
      const m = measureModule(ko);
      expect(m.arch).toBe('riscv64');
      expect(m.full.unknownTypes).toEqual({});
      expect(m.causes).toContain('riscv-add-sub');
      expect(m.upstream.debugLine.notAppliedByType.R_RISCV_ADD16).toBeGreaterThan(0);
      // every advance read as 0: the whole function collapses onto fewer offsets
      expect(m.upstream.entries).toBeLessThan(m.full.entries);
    });
  },
);
