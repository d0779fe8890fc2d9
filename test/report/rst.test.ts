import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import { mainRules } from '../../src/results/config.js';
import type { KernelResult, RunResult } from '../../src/results/schema.js';
import {
  checkedInRun,
  commas,
  imageFileOf,
  mib1,
  noteCheckedInDifference,
  pct2,
  quotedModulesOf,
  tableOf,
} from './runs.js';

const rst = reporter('rst')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
/** The older run of the main job: v1-v4 first, arm64 tinyconfig without a boot image. */
const defaultV1V4 = checkedInRun('defaultV1V4');
/** The older multiarch run: v1-v4 first, no newest. */
const multiarchV1V4 = checkedInRun('multiarchV1V4');
const out = rst.render(multiarch);

/**
 * The RST simple tables of a text: each the header cells and rows of cells,
 * split at the columns the '=' rule line marks.
 */
function simpleTables(text: string): { head: string[]; rows: string[][]; lines: string[] }[] {
  const lines = text.split('\n');
  const isRule = (l: string | undefined) => l !== undefined && /^=+( +=+)+$/.test(l);
  const tables: { head: string[]; rows: string[][]; lines: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    // a table: rule, header, rule, rows..., rule
    if (!isRule(lines[i]) || !isRule(lines[i + 2]) || lines[i] !== lines[i + 2]) continue;
    const rule = lines[i];
    const spans: [number, number][] = [];
    for (const m of rule.matchAll(/=+/g)) spans.push([m.index!, m.index! + m[0].length]);
    const cells = (l: string) =>
      spans.map(([a, b], c) => l.slice(a, c === spans.length - 1 ? undefined : b).trim());
    let j = i + 3;
    const body: string[] = [];
    while (j < lines.length && lines[j] !== rule) body.push(lines[j++]);
    tables.push({
      head: cells(lines[i + 1]),
      rows: body.map(cells),
      lines: [rule, lines[i + 1], rule, ...body, rule],
    });
    i = j;
  }
  return tables;
}

/**
 * A kernel's row of the Memory Overhead table, from run.json: the rule set's
 * table in blocks of 64 with SLEB128 deltas (v3/v4's layout, which also
 * stands for the newest revision's compression in revisions.ts).
 */
function expectedRow(run: RunResult, k: KernelResult, rules: string): string[] {
  const md = k.measure.kernel.metadata;
  const t = tableOf(run, k.id, rules, 'blocks:64:sleb');
  return [
    md.arch,
    `${md.configName} (${md.compiler})`,
    commas(t.entries),
    t.bytesPerEntry.toFixed(2),
    mib1(t.total),
    pct2(t.growth.loaded),
    pct2(t.growth.image),
    k.measure.bases.some((b) => b.id === 'image') ? imageFileOf(run, k.id) : '-',
  ];
}

describe('rst reporter over the multiarch run', () => {
  it('opens with the Memory Overhead heading and names the revision (newest, the first rule set), format, rules and run', () => {
    expect(mainRules(multiarch.config)).toBe('newest');
    expect(out.split('\n').slice(0, 12)).toEqual([
      'Memory Overhead',
      '===============',
      '',
      'Revision newest of the series (after v7, patch 2/4, the post-v7-patch2/',
      'generator): the tables grow the kernel as below (blocks:64:sleb format; flat',
      'arrays as its generator emits them; its compression patch is not public, so',
      `the v6/v7 blocks of 64 stand for it; newest rules; lineinfo-bench ${multiarch.tool.version}, run`,
      `${multiarch.runId}).`,
      '"Loaded size" is every SHF_ALLOC section of vmlinux; "Boot image" is the',
      'file named under "Image file", and counts the table compressed as that',
      'image is, with the compressor the .config selects.',
      '',
    ]);
  });

  it('opens the older multiarch run (v1-v4 first) with revision v1-v4 in its own layout', () => {
    expect(mainRules(multiarchV1V4.config)).toBe('v1-v4');
    const old = rst.render(multiarchV1V4);
    expect(old.split('\n').slice(0, 10)).toEqual([
      'Memory Overhead',
      '===============',
      '',
      'Revision v1-v4 of the series (RFC to v4, the v4/ generator): the tables grow',
      "the kernel as below (blocks:64:sleb format, the revision's own; v1-v4 rules;",
      `lineinfo-bench ${multiarchV1V4.tool.version}, run ${multiarchV1V4.runId}).`,
      '"Loaded size" is every SHF_ALLOC section of vmlinux; "Boot image" is the',
      'file named under "Image file", and counts the table compressed as that',
      'image is, with the compressor the .config selects.',
      '',
    ]);
    const [growth] = simpleTables(old);
    expect(growth.rows).toEqual(
      multiarchV1V4.kernels.map((k) => expectedRow(multiarchV1V4, k, 'v1-v4')),
    );
    // literal, read from that run: 13 in run.json, "13.00%" in the table
    expect(
      tableOf(multiarchV1V4, 'x86_64-defconfig-clang', 'v1-v4', 'blocks:64:sleb').growth.loaded,
    ).toBe(13);
    expect(growth.lines).toContain(
      'x86_64        defconfig-dwarf5 (clang)   1,255,339  3.79         4.7 MiB  13.00%       23.29%      bzImage',
    );
  });

  it("follows the run's revision: its first rule set, in that revision's layout, named", () => {
    const reordered = {
      ...multiarch,
      config: { ...multiarch.config, rules: ['symbolizer', 'v1-v4'] },
    };
    const r = rst.render(reordered);
    const head = r.split('\n\n')[1].replace(/\n/g, ' ');
    expect(head).toContain(
      'Revision newest of the series (after v7, patch 2/4, the post-v7-patch2/ generator): the tables grow the kernel as below (blocks:64:sleb format; flat arrays as its generator emits them; its compression patch is not public, so the v6/v7 blocks of 64 stand for it; symbolizer rules;',
    );
    expect(head).toContain('Rules: symbolizer: rules of ours, in the layouts of revision newest.');
    const [growth] = simpleTables(r);
    expect(growth.rows).toEqual(
      multiarch.kernels.map((k) => expectedRow(multiarch, k, 'symbolizer')),
    );
    // the symbolizer rules keep another number of entries than newest's
    expect(growth.rows[0][2]).not.toBe(simpleTables(out)[0].rows[0][2]);
  });

  it('has one row per kernel, in run order, with the figures of run.json', () => {
    const [growth] = simpleTables(out);
    expect(growth.head).toEqual([
      'Architecture',
      'Config',
      'Entries',
      'Bytes/entry',
      'Table',
      'Loaded size',
      'Boot image',
      'Image file',
    ]);
    expect(growth.rows).toEqual(multiarch.kernels.map((k) => expectedRow(multiarch, k, 'newest')));
    expect(growth.rows).toHaveLength(21);
  });

  it('prints exact rows for x86_64, riscv64 and arm tinyconfig (gcc), two decimals for percent', () => {
    // literal, read from run.json (cells: the column widths follow the widest kernel)
    const [growth] = simpleTables(out);
    const t = tableOf(multiarch, 'x86_64-tinyconfig-gcc', 'newest', 'blocks:64:sleb');
    expect(`${t.growth.loaded.toFixed(2)}%`).toBe('8.21%');
    expect(growth.rows).toContainEqual([
      'x86_64',
      'tinyconfig-dwarf5 (gcc)',
      '141,514',
      '3.64',
      '0.5 MiB',
      '8.21%',
      '44.97%',
      'bzImage',
    ]);
    // 41.5 in run.json, "41.50%" in the table
    expect(
      tableOf(multiarch, 'riscv64-tinyconfig-gcc', 'newest', 'blocks:64:sleb').growth.image,
    ).toBe(41.5);
    expect(growth.rows).toContainEqual([
      'riscv64',
      'tinyconfig-dwarf5 (gcc)',
      '119,656',
      '3.66',
      '0.4 MiB',
      '39.03%',
      '41.50%',
      'Image',
    ]);
    expect(growth.rows).toContainEqual([
      'arm',
      'tinyconfig-dwarf5 (gcc)',
      '112,833',
      '3.61',
      '0.4 MiB',
      '55.36%',
      '49.15%',
      'zImage',
    ]);
  });

  it('aligns every row to the rule lines (a valid simple table)', () => {
    for (const t of simpleTables(out)) {
      const rule = t.lines[0];
      const starts = [...rule.matchAll(/=+/g)].map((m) => m.index!);
      for (const l of t.lines) {
        expect(l.length).toBeLessThanOrEqual(rule.length);
        // every cell starts at its column: the character before each column is a space
        for (const s of starts.slice(1)) expect(l[s - 1] ?? ' ').toBe(' ');
      }
    }
  });

  it("sums the Debian kernels' modules in a second table", () => {
    const tables = simpleTables(out);
    expect(tables).toHaveLength(2);
    const mods = tables[1];
    expect(mods.head).toEqual([
      'Architecture',
      'Kernel',
      'Modules',
      'Entries',
      'Table',
      '% of vmlinux table',
      'Loaded size',
    ]);
    const withModules = multiarch.kernels.filter((k) => k.modules);
    expect(mods.rows).toEqual(
      withModules.map((k) => {
        const s = k.modules!.summary;
        const q = quotedModulesOf(k);
        return [
          s.arch ?? k.measure.kernel.metadata.arch,
          k.id,
          commas(s.modules),
          commas(s.totals.full.entries),
          mib1(q.fullBytes),
          pct2(q.percentOfVmlinux),
          pct2(q.growthAlloc),
        ];
      }),
    );
    // literal, read from run.json: amd64's modules in the v6/v7 blocks that stand for the
    // newest revision's unpublished compression, against vmlinux's blocks:64:sleb table
    expect(mods.rows[0]).toEqual([
      'x86_64',
      'amd64-debian-6.1',
      '4,023',
      '6,551,187',
      '27.6 MiB',
      '632.83%',
      '19.33%',
    ]);
    expect(out).toContain(
      'Modules carry their own table (.mod_lineinfo, module-v6:64:sleb); their sum,',
    );
    // what the generator emits (flat), against vmlinux's flat table, follows the table
    const note = out.slice(out.lastIndexOf('Modules in ')).replace(/\n/g, ' ');
    expect(note).toContain(
      "Modules in module-v6:64:sleb against vmlinux's blocks:64:sleb table: the generator emits flat arrays (module-newest)",
    );
    expect(note).toContain(
      'amd64-debian-6.1 71,441,206 bytes, 589.41%; arm64-debian-6.1 76,007,455 bytes, 513.86%.',
    );
    expect(withModules.map((k) => k.id)).toEqual(['amd64-debian-6.1', 'arm64-debian-6.1']);
  });

  it("sums the Debian kernels' modules of the older multiarch run in v1-v4's module layout", () => {
    const old = rst.render(multiarchV1V4);
    const mods = simpleTables(old)[1];
    // literal, read from that run
    expect(mods.lines).toContain(
      'x86_64        amd64-debian-6.1  4,023    6,498,097  23.5 MiB  518.65%             16.43%',
    );
    expect(old).toContain(
      'Modules carry their own table (.mod_lineinfo, module-v3:64:sleb); their sum,',
    );
  });

  it("names the default run's revision (newest, its first rule set) and gives every kernel a boot image", () => {
    expect(mainRules(defaults.config)).toBe('newest');
    const d = rst.render(defaults);
    const head = d.split('\n\n')[1].replace(/\n/g, ' ');
    expect(head).toContain(
      'Revision newest of the series (after v7, patch 2/4, the post-v7-patch2/ generator): the tables grow the kernel as below (blocks:64:sleb format; flat arrays as its generator emits them; its compression patch is not public, so the v6/v7 blocks of 64 stand for it; newest rules;',
    );
    expect(head).toContain(`run ${defaults.runId}).`);
    const [growth] = simpleTables(d);
    expect(growth.rows).toEqual(defaults.kernels.map((k) => expectedRow(defaults, k, 'newest')));
    expect(growth.rows.map((r) => r.at(-1))).toEqual(
      defaults.kernels.map((k) => imageFileOf(defaults, k.id)),
    );
    expect(simpleTables(d)).toHaveLength(1); // no modules measured
  });

  it('prints "-" for a kernel without a boot image (the older default run, arm64 tinyconfig)', () => {
    const d = rst.render(defaultV1V4);
    const [growth] = simpleTables(d);
    // v1/v2's zigzag is measured first in that run; the revision's own layout is v3/v4's SLEB128
    expect(defaultV1V4.kernels[0].measure.tables[1].format).toBe('blocks:64:zigzag');
    expect(d).toContain("(blocks:64:sleb format, the revision's own;");
    expect(growth.rows).toEqual(
      defaultV1V4.kernels.map((k) => expectedRow(defaultV1V4, k, 'v1-v4')),
    );
    expect(growth.lines).toContain(
      'arm64         tinyconfig-dwarf5 (gcc)   163,616    3.65         0.6 MiB  32.46%       -           -',
    );
    expect(growth.rows[0].at(-1)).toBe('vmlinuz');
    expect(simpleTables(d)).toHaveLength(1); // no modules measured
  });

  it('matches report/multiarch/multiarch.rst (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', rst.extension, out);
  });
});
