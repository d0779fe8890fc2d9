import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import type { KernelResult } from '../../src/results/schema.js';
import {
  checkedInRun,
  commas,
  comparedOf,
  kernelOf,
  mib1,
  noteCheckedInDifference,
  pct2,
} from './runs.js';

const rst = reporter('rst')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
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

/** A kernel's row of the Memory Overhead table, from run.json: the first rule set's compared table. */
function expectedRow(k: KernelResult, rules: string): string[] {
  const md = k.measure.kernel.metadata;
  const t = comparedOf(k, rules);
  return [
    md.arch,
    `${md.configName} (${md.compiler})`,
    commas(t.entries),
    t.bytesPerEntry.toFixed(2),
    mib1(t.total),
    pct2(t.growth.loaded),
    pct2(t.growth.image),
  ];
}

describe('rst reporter over the multiarch run', () => {
  it('opens with the Memory Overhead heading and names the format, rules and run', () => {
    const format = comparedOf(multiarch.kernels[0], multiarch.config.rules[0]).format;
    expect(format).toBe('blocks:64:sleb');
    expect(out.split('\n').slice(0, 5)).toEqual([
      'Memory Overhead',
      '===============',
      '',
      `The tables grow the kernel as below (${format} format, ${multiarch.config.rules[0]}`,
      `rules; lineinfo-bench ${multiarch.tool.version}, run ${multiarch.runId}).`,
    ]);
  });

  it('has one row per kernel, in run order, with the figures of run.json', () => {
    const [growth] = simpleTables(out);
    expect(growth.head).toEqual([
      'Architecture',
      'Config',
      'Entries',
      'Bytes/entry',
      'Table',
      'Loaded',
      'Boot image',
    ]);
    expect(growth.rows).toEqual(multiarch.kernels.map((k) => expectedRow(k, 'v1-v4')));
    expect(growth.rows).toHaveLength(21);
  });

  it('prints exact rows for x86_64 defconfig (gcc and clang), two decimals for percent', () => {
    const [growth] = simpleTables(out);
    const t = comparedOf(kernelOf(multiarch, 'x86_64-defconfig-gcc'), 'v1-v4');
    expect(`${t.growth.loaded.toFixed(2)}%`).toBe('16.72%');
    expect(growth.lines).toContain(
      'x86_64        defconfig-dwarf5 (gcc)     1,709,750  3.73         6.2 MiB  16.72%  29.11%',
    );
    // 13 in run.json, "13.00%" in the table
    expect(comparedOf(kernelOf(multiarch, 'x86_64-defconfig-clang'), 'v1-v4').growth.loaded).toBe(
      13,
    );
    expect(growth.lines).toContain(
      'x86_64        defconfig-dwarf5 (clang)   1,255,339  3.79         4.7 MiB  13.00%  23.29%',
    );
    expect(growth.lines).toContain(
      'arm           tinyconfig-dwarf5 (gcc)    112,008    3.60         0.4 MiB  55.03%  48.62%',
    );
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
      'Loaded',
    ]);
    const withModules = multiarch.kernels.filter((k) => k.modules);
    expect(withModules.map((k) => k.id)).toEqual(['amd64-debian-6.1', 'arm64-debian-6.1']);
    expect(mods.rows).toEqual(
      withModules.map((k) => {
        const m = k.modules!;
        const s = m.summary;
        return [
          s.arch ?? k.measure.kernel.metadata.arch,
          k.id,
          commas(s.modules),
          commas(s.totals.full.entries),
          mib1(s.totals.full.bytes[m.mainFormat]),
          pct2(m.vmlinux?.modulesPercent),
          pct2(s.growth.alloc),
        ];
      }),
    );
    expect(mods.lines).toContain(
      'x86_64        amd64-debian-6.1  4,023    6,498,097  23.5 MiB  518.65%             16.43%',
    );
    expect(out).toContain(
      'Modules carry their own table (.mod_lineinfo, module-v3:64:sleb); their sum,',
    );
  });

  it('prints "-" for a kernel without a boot image (default run, arm64 tinyconfig)', () => {
    const d = rst.render(defaults);
    const [growth] = simpleTables(d);
    expect(growth.rows).toEqual(defaults.kernels.map((k) => expectedRow(k, 'v1-v4')));
    expect(growth.lines).toContain(
      'arm64         tinyconfig-dwarf5 (gcc)   163,616    3.65         0.6 MiB  32.46%  -',
    );
    expect(simpleTables(d)).toHaveLength(1); // no modules measured
  });

  it('matches report/multiarch/multiarch.rst (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', rst.extension, out);
  });
});
