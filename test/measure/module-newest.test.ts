import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAIN_MODULE_FORMAT,
  MODULE_FORMATS,
  measureModule,
  NEWEST_MAIN_MODULE_FORMAT,
  NEWEST_MODULE_FORMATS,
} from '../../src/measure/module-tables.js';
import { measureModuleSet } from '../../src/measure/modules.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';
import { runModulesCommand } from '../helpers/modules-command.js';
import { hasNewestGenerator, runNewestModule } from '../helpers/newest-generator.js';

/** Modules measured under the newest rules: the newest layout and the v6/v7 and v5 ones, both readings. */

const dir = scratchDir('module-newest-set');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x86 = KO_TARGETS[0];
const arm64 = KO_TARGETS[2];
const riscv = KO_TARGETS[4];

describe('one module under the newest rules', () => {
  it.skipIf(!hasKoTools(x86))(
    'measures the newest layout (main), v6 and v5 in both readings; per-section counts add up',
    () => {
      const ko = buildKo(x86, 5);
      const m = measureModule(ko, 'mod.ko', 'newest');
      expect(m.mainFormat).toBe(NEWEST_MAIN_MODULE_FORMAT);
      for (const mode of ['upstream', 'full'] as const) {
        const r = m[mode];
        expect(r.tables.map((t) => t.format)).toEqual(NEWEST_MODULE_FORMATS.map((f) => f.id));
        expect(r.sections!.map((s) => s.name)).toEqual(['.text', '.exit.text', '.init.text']);
        expect(r.sections!.reduce((n, s) => n + s.entries, 0)).toBe(r.entries);
        for (const t of r.tables) {
          expect(Object.values(t.buckets).reduce((a, b) => a + b, 0)).toBe(t.total);
          expect(t.blobs!.reduce((a, b) => a + b.bytes, 0)).toBe(t.total);
        }
        const newest = r.tables[0];
        expect(newest.blobs!.map((b) => [b.section, b.tables])).toEqual([
          ['.mod_lineinfo', ['.text', '.exit.text']],
          ['.init.mod_lineinfo', ['.init.text']],
        ]);
      }
      expect(m.upstream.entries).toBeLessThan(m.full.entries);
      expect(m.differ).toBe(true);
      expect(m.causes).toEqual(['debug-info']);
      const main = m.full.tables[0].total;
      expect(m.growth.text).toBeCloseTo((100 * main) / m.sizes.text, 10);
    },
  );

  it.skipIf(!hasKoTools(x86) || !hasNewestGenerator())(
    "its upstream bytes are the generator's, section by section",
    () => {
      const ko = buildKo(x86, 5);
      const m = measureModule(ko, 'mod.ko', 'newest');
      const gen = runNewestModule(ko);
      for (const b of m.upstream.tables[0].blobs!) {
        // the assembler may round a section up to its alignment (8)
        expect(gen[b.section].bytes.length - b.bytes).toBeGreaterThanOrEqual(0);
        expect(gen[b.section].bytes.length - b.bytes).toBeLessThan(8);
      }
    },
  );

  it.skipIf(!hasKoTools(riscv))(
    'riscv64: the generator leaves the ADD/SUB address advances alone as well',
    () => {
      const m = measureModule(buildKo(riscv, 5), 'mod.ko', 'newest');
      expect(m.causes).toEqual(['debug-info', 'riscv-add-sub']);
      expect(m.upstream.debugLine.notAppliedByType.R_RISCV_ADD16).toBeGreaterThan(0);
      // the 64-bit set_address operands are applied now
      expect(m.upstream.debugLine.notAppliedByType.R_RISCV_64).toBeUndefined();
    },
  );

  it.skipIf(!hasKoTools(x86))('v1-v4 rules still measure the v1, v2 and v3 layouts', () => {
    const m = measureModule(buildKo(x86, 5));
    expect(m.mainFormat).toBe(MAIN_MODULE_FORMAT);
    expect(m.full.tables.map((t) => t.format)).toEqual(MODULE_FORMATS.map((f) => f.id));
    expect(m.full.sections).toBeUndefined();
  });
});

describe('a set of modules under the newest rules', () => {
  it.skipIf(!hasKoTools(x86) || !hasKoTools(arm64) || !hasTool('gcc'))(
    'totals are the sums of the modules; `modules --rules newest` shows both readings in the newest layout',
    async () => {
      const root = join(dir, 'set');
      mkdirSync(join(root, 'a'), { recursive: true });
      copyFileSync(buildKo(x86, 5), join(root, 'a', 'x86.ko'));
      copyFileSync(buildKo(x86, 4), join(root, 'a', 'x86-dwarf4.ko'));
      const r = await measureModuleSet({
        source: root,
        root,
        paths: [join(root, 'a', 'x86.ko'), join(root, 'a', 'x86-dwarf4.ko')],
        rules: 'newest',
        jobs: 1,
      });
      expect(r.rules).toBe('newest');
      expect(r.mainFormat).toBe('module-newest');
      expect(r.formats).toEqual(['module-newest', 'module-v6:64:sleb', 'module-v5:64:sleb']);
      for (const mode of ['upstream', 'full'] as const) {
        const t = r.summary.totals[mode];
        expect(t.entries).toBe(r.modules.reduce((n, m) => n + m[mode].entries, 0));
        for (const f of r.formats)
          expect(t.bytes[f]).toBe(
            r.modules.reduce((n, m) => n + m[mode].tables.find((x) => x.format === f)!.total, 0),
          );
        expect(Object.values(t.sections!).reduce((a, b) => a + b, 0)).toBe(t.entries);
        expect(t.rowsOutsideText).toBe(r.modules.reduce((n, m) => n + m[mode].drops.aboveEnd, 0));
      }
      expect(r.summary.distribution.sum).toBe(r.summary.totals.full.bytes['module-newest']);
      expect(r.summary.totals.upstream.entries).toBeLessThan(r.summary.totals.full.entries);

      mkdirSync(join(root, 'b'), { recursive: true });
      copyFileSync(buildKo(arm64, 5), join(root, 'b', 'arm64.ko'));
      const { code, out } = await runModulesCommand([
        join(root, 'b'),
        '--rules',
        'newest',
        '--jobs',
        '1',
      ]);
      expect(code).toBe(0);
      expect(out).toMatch(/rules newest/);
      expect(out).toMatch(/module-newest/);
      expect(out).toMatch(/upstream\s+│\s+\d/);
      expect(out).toMatch(/full\s+│\s+\d/);
    },
  );
});
