import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import type { ModuleSetResult } from '../../src/measure/modules.js';
import { ElfMutant, runCli } from '../helpers/elf-mutants.js';
import { scratchDir } from '../helpers/fixtures.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';

/**
 * `modules` on a module whose relocation input the generator reads past but
 * a linker's reading (the strict 'full' relocation) cannot use: the upstream
 * figures are kept, the full ones (and the comparison and growth taken from
 * them) are left out with a warning, and the sums are over the other modules.
 */

const dir = scratchDir('modules-tolerance');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x86 = KO_TARGETS.find((t) => t.arch === 'x86_64')!;
const RELA = '.rela.debug_line';
/** Section header field offsets (gABI, ELF64). */
const SH_SIZE = 32;

/** Upstream entries of `file` as the revision's generator reads it (every covered section's, newest rules). */
function upstreamEntries(file: string, rules: string): number {
  const elf = ElfFile.open(file);
  try {
    const ex = extractUpstream(elf, { rules, relocation: 'upstream' });
    const ms = ex.moduleSections;
    return ms ? ms.sections.reduce((n, s) => n + s.table.count, 0) : ex.table.count;
  } finally {
    elf.close();
  }
}

describe.runIf(hasKoTools(x86))('modules: a module only the upstream reading can read', () => {
  const ko = buildKo(x86);
  const root = join(dir, 'set');
  mkdirSync(root, { recursive: true });
  copyFileSync(ko, join(root, 'good.ko'));
  // .rela.debug_line's sh_size no multiple of 24: libelf gives no data, the
  // generators apply none of its records; a linker could not relocate .debug_line
  const m = new ElfMutant(ko);
  m.word(m.sectionHeader(m.elf.section(RELA)!.index) + SH_SIZE, 260);
  const bad = m.write(root, 'bad.ko');
  const fullWarning = `warning: ${bad}: ${RELA}: size 260 is not a multiple of 24, where the full relocation (every relocation applied, as a linker would) stops; skipped its full relocation figures, and the comparison (differ, causes) and growth taken from them (its upstream relocation figures are kept)`;

  for (const [revision, rules, upstreamSkipped] of [
    ['newest', 'newest', 'its records (the newest generator skips the table)'],
    ['v1-v4', 'v1-v4', 'every relocation of .debug_line (v4 applies none)'],
  ] as const) {
    it(`${revision}: exit 0, a warning, the upstream figures kept, the full ones absent, sums over the good module`, async () => {
      const json = await runCli(['modules', root, '--jobs', '1', '--revision', revision, '--json']);
      expect(json.code).toBe(0);
      expect(json.err.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
        `warning: ${bad}: ${RELA}: sh_size 260 is not a multiple of 24, the size of an entry of its type (sh_type 4): libelf gives no data for it; skipped ${upstreamSkipped}`,
        fullWarning,
      ]);
      const r = JSON.parse(json.out) as ModuleSetResult;
      const [b, g] = r.modules;
      expect([b.name, g.name]).toEqual(['bad.ko', 'good.ko']);
      // the mutant: the generator's reading, as extractUpstream gives it; nothing of the full one
      expect(b.upstream.entries).toBe(upstreamEntries(bad, rules));
      expect(b.upstream.entries).toBeGreaterThan(0);
      expect(b.full).toBeUndefined();
      expect(b.differ).toBeUndefined();
      expect(b.causes).toBeUndefined();
      expect(b.growth).toBeUndefined();
      expect(b.warnings?.at(-1)?.skipped).toMatch(/^its full relocation figures/);
      // the good module: both readings, no warning
      expect(g.full).toBeDefined();
      expect(g.growth).toBeDefined();
      expect(g.warnings).toEqual([]);
      // every sum is over the good module only, and the mutant is counted apart
      const s = r.summary;
      expect(s.modules).toBe(2);
      expect(s.upstreamOnly).toEqual({
        count: 1,
        modules: [
          {
            name: 'bad.ko',
            upstreamEntries: b.upstream.entries,
            upstreamBytes: b.upstream.tables.find((t) => t.format === r.mainFormat)!.total,
            reason: `${RELA}: size 260 is not a multiple of 24, where the full relocation (every relocation applied, as a linker would) stops`,
          },
        ],
      });
      for (const mode of ['upstream', 'full'] as const) {
        expect(s.totals[mode].entries, mode).toBe(g[mode]!.entries);
        for (const t of g[mode]!.tables) expect(s.totals[mode].bytes[t.format]).toBe(t.total);
      }
      expect(s.sizes).toEqual({
        text: g.sizes.text,
        alloc: g.sizes.alloc,
        stripped: g.sizes.stripped,
        file: g.sizes.file,
      });
      expect(s.growth).toEqual(g.growth);
      expect(s.distribution.count).toBe(1);
      expect(s.distributionUpstream.count).toBe(1);
      expect(s.largest.map((x) => x.name)).toEqual(['good.ko']);
      expect(s.differ.modules.map((x) => x.name)).toEqual(['good.ko']);

      // the terminal: the mutant's full row is '-', the totals' note counts it out
      const text = await runCli(['modules', root, '--jobs', '1', '--revision', revision]);
      expect(text.code).toBe(0);
      expect(text.err).toContain(`${fullWarning}\n`);
      const n = (v: number) => v.toLocaleString('en-US');
      const up = b.upstream;
      const cells = (xs: string[]) => xs.map((x) => `${x}\\s+│\\s+`).join('');
      expect(text.out).toMatch(
        new RegExp(
          `│ bad\\.ko \\(upstream\\)\\s+│\\s+${cells([n(up.entries), n(up.files), n(up.rowsRead), ...up.tables.slice(0, -1).map((t) => n(t.total))])}${n(up.tables.at(-1)!.total)}\\s+│`,
        ),
      );
      expect(text.out).toMatch(/│ bad\.ko \(full\)\s+(│\s+-\s+){6}│/);
      expect(text.out).toContain(
        'summed over the 1 modules read both ways; 1 read with upstream relocation only is left out of every figure below',
      );
      expect(text.out).toContain('differ in 1 of 1 modules read both ways');

      // the mutant alone: its upstream row, '-' for full, growth said to be left out
      const one = await runCli(['modules', bad, '--revision', revision]);
      expect(one.code).toBe(0);
      expect(one.out).toMatch(new RegExp(`│ upstream\\s+│\\s+${n(up.entries)}\\s+│`));
      expect(one.out).toMatch(/│ full\s+(│\s+-\s+){6}│/);
      expect(one.out).toContain('growth, quoted on the full table, is left out');
    });
  }

  it('a FormatError of the full reading (.rela.debug_info no multiple of 24): exit 0 where it stopped with exit 2', async () => {
    // the generators never read .rela.debug_info (.debug_info stays unrelocated): no upstream warning
    const mi = new ElfMutant(ko);
    mi.word(mi.sectionHeader(mi.elf.section('.rela.debug_info')!.index) + SH_SIZE, 260);
    const one = join(dir, 'info');
    mkdirSync(one, { recursive: true });
    const file = mi.write(one, 'info.ko');
    const r = await runCli(['modules', file, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `warning: ${file}: .rela.debug_info: size 260 is not a multiple of 24, where the full relocation (every relocation applied, as a linker would) stops; skipped its full relocation figures, and the comparison (differ, causes) and growth taken from them (its upstream relocation figures are kept)\n`,
    );
    const [x] = (JSON.parse(r.out) as ModuleSetResult).modules;
    expect(x.upstream.entries).toBe(upstreamEntries(file, 'newest'));
    expect(x.full).toBeUndefined();
    expect(x.growth).toBeUndefined();
  });
});
