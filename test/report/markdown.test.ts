import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import type { KernelResult, RunResult } from '../../src/results/schema.js';
import {
  checkedInRun,
  commas,
  comparedOf,
  imageFileOf,
  kernelOf,
  noteCheckedInDifference,
  pct2,
  quotedModulesOf,
  type Table,
} from './runs.js';

const markdown = reporter('markdown')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
/** The older run of the main job: saved without its config file's name, arm64 without a boot image. */
const defaultV1V4 = checkedInRun('defaultV1V4');
/** The older multiarch run: v1-v4 first, no newest, no printed agreement. */
const multiarchV1V4 = checkedInRun('multiarchV1V4');
const out = markdown.render(multiarch);

/** The first Markdown table after a heading: header cells and rows of cells. */
function tableAfter(text: string, heading: string): { head: string[]; rows: string[][] } {
  const lines = text.split('\n');
  const at = lines.indexOf(heading);
  if (at < 0) throw new Error(`no heading ${heading}`);
  let i = at + 1;
  while (i < lines.length && !lines[i].startsWith('| ')) i++;
  const block: string[] = [];
  while (i < lines.length && lines[i].startsWith('| ')) block.push(lines[i++]);
  const cells = (l: string) => l.slice(2, -2).split(' | ');
  expect(block[1]).toMatch(/^\| (---:?)( \| ---:?)* \|$/);
  return { head: cells(block[0]), rows: block.slice(2).map(cells) };
}

/**
 * The v1-v4 revision's own layout (v3/v4: blocks of 64, SLEB128 deltas), as revisions.ts names it;
 * it also stands for the newest revision's compression, which is not public.
 */
const UPSTREAM = 'blocks:64:sleb';
const GROWTH_HEADING = '## Growth of the loaded size and the boot image (v1-v4 rules)';
const NEWEST_GROWTH_HEADING = '## Growth of the loaded size and the boot image (newest rules)';

/** The agreement table's rows from run.json: the table's answer, then as printed (upstream revisions only). */
function agreementRows(k: KernelResult): string[][] {
  return k.measure.agreement!.results.flatMap((r) =>
    r.tools.map((t) => {
      const p = r.printed?.tools.find((x) => x.tool === t.tool);
      const pc = (v: number) => `${((100 * v) / t.samples).toFixed(2)}%`;
      return [
        r.rules,
        t.tool,
        pc(t.agree),
        ...(p
          ? [
              pc(p.agree),
              // the lines lost past _etext, where the newest table stops
              p.pastEtext?.lost
                ? `${commas(p.lost)} (${commas(p.pastEtext.lost)} past _etext)`
                : commas(p.lost),
              p.stale ? `${commas(p.wrong)} (${commas(p.stale)} stale)` : commas(p.wrong),
            ]
          : ['-', '-', '-']),
      ];
    }),
  );
}

/** A kernel's growth row from run.json: the upstream table, the smallest of ours, the command. */
function growthRow(run: RunResult, k: KernelResult, reproduce: string): string[] {
  const tables = k.measure.tables.filter((t) => t.rules === run.config.rules[0]);
  const up = tables.find((t) => t.format === UPSTREAM)!;
  const ours = tables
    .filter((t) => t.format !== 'flat' && !t.format.startsWith('blocks:'))
    .reduce((a: Table | undefined, t) => (!a || t.total < a.total ? t : a), undefined)!;
  return [
    k.measure.kernel.metadata.arch,
    k.id,
    commas(up.entries),
    `${up.format}: ${up.bytesPerEntry.toFixed(2)}`,
    pct2(up.growth.loaded),
    pct2(up.growth.image),
    `${ours.format}: ${ours.bytesPerEntry.toFixed(2)}`,
    pct2(ours.growth.loaded),
    pct2(ours.growth.image),
    k.measure.bases.some((b) => b.id === 'image') ? imageFileOf(run, k.id) : '-',
    reproduce,
  ];
}

describe('markdown reporter over the multiarch run', () => {
  it('titles the page with the run and its description', () => {
    expect(out.split('\n').slice(0, 3)).toEqual([
      `# lineinfo-bench run ${multiarch.runId}`,
      '',
      multiarch.config.description,
    ]);
  });

  it('has a growth row per kernel under the main rule set (newest) with the command that reproduces it from the config file', () => {
    expect(multiarch.configFile).toBe('configs/multiarch.json');
    expect(multiarch.config.rules[0]).toBe('newest');
    expect(out).not.toContain(GROWTH_HEADING);
    const g = tableAfter(out, NEWEST_GROWTH_HEADING);
    expect(g.head).toEqual([
      'arch',
      'kernel',
      'entries',
      'upstream B/entry',
      'upstream % loaded size',
      'upstream % boot image',
      'ours B/entry',
      'ours % loaded size',
      'ours % boot image',
      'boot image file',
      'reproduce',
    ]);
    expect(g.rows).toEqual(
      multiarch.kernels.map((k) =>
        growthRow(multiarch, k, `\`lineinfo-bench run configs/multiarch.json --only ${k.id}\``),
      ),
    );
  });

  it('prints the growth rows of x86_64 and arm64 tinyconfig (gcc) as read from the run', () => {
    expect(out.split('\n')).toContain(
      '| x86_64 | x86_64-tinyconfig-gcc | 141,514 | blocks:64:sleb: 3.64 | 8.21% | 44.97% | mru-huffman:64: 1.81 | 4.27% | 39.69% | bzImage | `lineinfo-bench run configs/multiarch.json --only x86_64-tinyconfig-gcc` |',
    );
    expect(out.split('\n')).toContain(
      '| arm64 | arm64-tinyconfig-gcc | 152,506 | blocks:64:sleb: 3.65 | 30.32% | 29.72% | mru-huffman:64: 1.64 | 14.22% | 13.93% | Image | `lineinfo-bench run configs/multiarch.json --only arm64-tinyconfig-gcc` |',
    );
  });

  it('heads the growth table of the older multiarch run with its main rule set, v1-v4', () => {
    expect(multiarchV1V4.config.rules[0]).toBe('v1-v4');
    const g = tableAfter(markdown.render(multiarchV1V4), GROWTH_HEADING);
    expect(g.rows).toEqual(
      multiarchV1V4.kernels.map((k) =>
        growthRow(multiarchV1V4, k, `\`lineinfo-bench run configs/multiarch.json --only ${k.id}\``),
      ),
    );
    // literal, read from that run
    expect(g.rows.find((r) => r[1] === 'x86_64-defconfig-gcc')).toEqual([
      'x86_64',
      'x86_64-defconfig-gcc',
      '1,709,750',
      'blocks:64:sleb: 3.73',
      '16.72%',
      '29.11%',
      'mru-huffman:64: 1.97',
      '9.00%',
      '23.73%',
      'bzImage',
      '`lineinfo-bench run configs/multiarch.json --only x86_64-defconfig-gcc`',
    ]);
  });

  it('has a summary row per kernel and rule set against flat', () => {
    const s = tableAfter(out, multiarch.config.description!);
    expect(s.head).toEqual([
      'kernel',
      'arch',
      'rules',
      'entries',
      'files',
      'flat bytes',
      'format',
      'bytes',
      'B/entry',
      'ratio',
      'growth loaded size',
      'growth boot image',
      'growth covered code',
    ]);
    const k = kernelOf(multiarch, 'x86_64-tinyconfig-gcc');
    const flat = k.measure.tables.find((t) => t.rules === 'symbolizer' && t.format === 'flat')!;
    const t = comparedOf(k, 'symbolizer');
    expect(s.rows).toContainEqual([
      k.id,
      'x86_64',
      'symbolizer',
      commas(t.entries),
      commas(t.files),
      commas(flat.total),
      t.format,
      commas(t.total),
      t.bytesPerEntry.toFixed(3),
      `${(flat.total / t.total).toFixed(2)}x`,
      pct2(t.growth.loaded),
      `${pct2(t.growth.image)} bzImage`,
      pct2(t.growth.code),
    ]);
    // literal, read from run.json
    expect(out.split('\n')).toContain(
      '| x86_64-tinyconfig-gcc | x86_64 | newest | 141,514 | 802 | 1,437,147 | blocks:64:sleb | 537,111 | 3.640 | 2.68x | 8.21% | 44.97% bzImage | 25.56% |',
    );
    expect(s.rows).toHaveLength(21 * 3);
  });

  it("sums the Debian kernels' modules in the layout vmlinux is quoted in, and gives what the generator emits", () => {
    const section = out.slice(
      out.indexOf('## Modules (newest rules)'),
      out.indexOf('\n## ', out.indexOf('## Modules (newest rules)') + 1),
    );
    const rows = section
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| kernel') && !l.startsWith('| --'));
    const withModules = multiarch.kernels.filter((k) => k.modules);
    expect(rows.map((r) => r.split(' | ')[0].slice(2))).toEqual(withModules.map((k) => k.id));
    const q = quotedModulesOf(withModules[1]);
    expect(rows[1]).toContain(
      ` | ${commas(q.upstreamBytes)} / ${commas(q.fullBytes)} | ${pct2(q.percentOfVmlinux)} | ${pct2(q.growthAlloc)} | ${pct2(q.growthText)} |`,
    );
    // literal, read from run.json: arm64's modules against vmlinux's blocks:64:sleb (5,559,840 bytes)
    expect(rows[1]).toContain(' | 14,018,219 / 31,610,162 | 568.54% | ');
    expect(section).toContain(
      "Modules in module-v6:64:sleb against vmlinux's blocks:64:sleb table: the generator emits flat arrays (module-newest) and its compression patch is not public",
    );
    expect(section).toContain(
      `arm64-debian-6.1 ${commas(q.emitted!.fullBytes)} bytes, ${pct2(q.emitted!.percentOfVmlinux)}.`,
    );
  });

  it("lists a kernel's bytes by bucket and its agreement with the tools", () => {
    const id = 'x86_64-tinyconfig-gcc';
    const k = kernelOf(multiarch, id);
    const b = tableAfter(out, `## ${id}`);
    expect(b.rows).toEqual(
      k.measure.tables.map((t) => [
        t.rules,
        t.format,
        ...(['counts', 'index', 'data', 'file_offsets', 'filenames', 'padding'] as const).map((x) =>
          commas(t.buckets[x]),
        ),
        commas(t.total),
      ]),
    );
    const section = out.slice(out.indexOf(`## ${id}\n`));
    const a = tableAfter(section, 'Agreement with the tools on 2,000 sampled addresses (seed 1):');
    expect(a.rows.map((r) => r.slice(0, 3))).toEqual(
      k.measure.agreement!.results.flatMap((r) =>
        r.tools.map((t) => [r.rules, t.tool, `${t.percent.toFixed(2)}%`]),
      ),
    );
    // literal, read from run.json
    expect(a.rows).toContainEqual([
      'newest',
      'addr2line',
      '60.95%',
      '71.30%',
      '150 (150 past _etext)',
      '424',
    ]);
    expect(a.rows).toContainEqual(['symbolizer', 'llvm-symbolizer', '100.00%', '-', '-', '-']);
  });

  it("gives each upstream revision's printed agreement of every multiarch kernel beside the table's, lost and wrong apart", () => {
    for (const k of multiarch.kernels) {
      const ag = k.measure.agreement!;
      const section = out.slice(out.indexOf(`## ${k.id}\n`));
      const a = tableAfter(
        section,
        `Agreement with the tools on ${commas(ag.samples)} sampled addresses (seed ${ag.seed}):`,
      );
      expect(a.head).toEqual([
        'rules',
        'tool',
        'agree (table)',
        'agree (as printed)',
        'lost',
        'wrong',
      ]);
      expect(a.rows).toEqual(agreementRows(k));
      // newest and v1-v4 are upstream revisions, each with its own lookup; symbolizer is ours
      expect(ag.results.map((r) => [r.rules, r.printed?.revision, r.printed?.lookup])).toEqual([
        ['newest', 'newest', 'floor-guard'],
        ['v1-v4', 'v1-v4', 'floor-stale'],
        ['symbolizer', undefined, undefined],
      ]);
      expect(section).toContain(
        "- newest: floor search over the table capped at _etext; no answer when the entry found lies below the start of the address's function symbol.",
      );
      expect(section).toContain(
        '- v1-v4: floor search over the whole table; an answer from an entry at or past _etext is stale (wrong).',
      );
    }
    // literal, read from run.json: arm64 tinyconfig (gcc); newest loses lines, v1-v4 answers stale ones
    const arm64 = out.slice(out.indexOf('## arm64-tinyconfig-gcc\n'));
    const a = tableAfter(arm64, 'Agreement with the tools on 2,000 sampled addresses (seed 1):');
    expect(a.rows).toEqual([
      [
        'newest',
        'addr2line',
        expect.stringMatching(/%$/),
        '71.25%',
        '129 (129 past _etext)',
        '446',
      ],
      [
        'newest',
        'llvm-symbolizer',
        expect.stringMatching(/%$/),
        '71.25%',
        '129 (129 past _etext)',
        '446',
      ],
      ['v1-v4', 'addr2line', expect.stringMatching(/%$/), '71.10%', '0', '578 (133 stale)'],
      ['v1-v4', 'llvm-symbolizer', expect.stringMatching(/%$/), '71.10%', '0', '578 (133 stale)'],
      ['symbolizer', 'addr2line', expect.stringMatching(/%$/), '-', '-', '-'],
      ['symbolizer', 'llvm-symbolizer', expect.stringMatching(/%$/), '-', '-', '-'],
    ]);
  });

  it("gives the older multiarch run, without printed agreement, only the table's agreement", () => {
    const text = markdown.render(multiarchV1V4);
    for (const k of multiarchV1V4.kernels) {
      expect(k.measure.agreement!.results.every((r) => r.printed === undefined)).toBe(true);
      const section = text.slice(text.indexOf(`## ${k.id}\n`));
      const a = tableAfter(
        section,
        'Agreement with the tools on 2,000 sampled addresses (seed 1):',
      );
      expect(a.head).toEqual(['rules', 'tool', 'agree']);
      expect(a.rows).toEqual(
        k.measure.agreement!.results.flatMap((r) =>
          r.tools.map((t) => [r.rules, t.tool, `${t.percent.toFixed(2)}%`]),
        ),
      );
    }
    expect(text).not.toContain('As printed:');
    // literal, read from that run
    const x86 = text.slice(text.indexOf('## x86_64-defconfig-gcc\n'));
    const a = tableAfter(x86, 'Agreement with the tools on 2,000 sampled addresses (seed 1):');
    expect(a.rows).toContainEqual(['v1-v4', 'addr2line', '74.75%']);
    expect(a.rows).toContainEqual(['symbolizer', 'llvm-symbolizer', '99.80%']);
  });

  it("follows the default run's first rule set (newest), each row reproduced from configs/default.json", () => {
    expect(defaults.config.rules[0]).toBe('newest');
    expect(defaults.configFile).toBe('configs/default.json');
    const g = tableAfter(
      markdown.render(defaults),
      '## Growth of the loaded size and the boot image (newest rules)',
    );
    expect(g.rows).toEqual(
      defaults.kernels.map((k) =>
        growthRow(defaults, k, `\`lineinfo-bench run configs/default.json --only ${k.id}\``),
      ),
    );
    // every kernel of this run has a boot image
    expect(g.rows.map((r) => r[9])).toEqual(
      defaults.kernels.map((k) => imageFileOf(defaults, k.id)),
    );
  });

  it("gives each upstream revision's printed agreement beside the table's, lost and wrong apart, and names the lookups", () => {
    const text = markdown.render(defaults);
    for (const k of defaults.kernels) {
      const ag = k.measure.agreement!;
      const section = text.slice(text.indexOf(`## ${k.id}\n`));
      const a = tableAfter(
        section,
        `Agreement with the tools on ${commas(ag.samples)} sampled addresses (seed ${ag.seed}):`,
      );
      expect(a.head).toEqual([
        'rules',
        'tool',
        'agree (table)',
        'agree (as printed)',
        'lost',
        'wrong',
      ]);
      expect(a.rows).toEqual(
        ag.results.flatMap((r) =>
          r.tools.map((t) => {
            const p = r.printed?.tools.find((x) => x.tool === t.tool);
            const pc = (v: number) => `${((100 * v) / t.samples).toFixed(2)}%`;
            return [
              r.rules,
              t.tool,
              pc(t.agree),
              ...(p
                ? [
                    pc(p.agree),
                    p.pastEtext?.lost
                      ? `${commas(p.lost)} (${commas(p.pastEtext.lost)} past _etext)`
                      : commas(p.lost),
                    p.stale ? `${commas(p.wrong)} (${commas(p.stale)} stale)` : commas(p.wrong),
                  ]
                : ['-', '-', '-']),
            ];
          }),
        ),
      );
      // upstream rule sets only; v1-v4 answers init text from stale entries
      expect(ag.results.map((r) => r.printed?.lookup)).toEqual([
        'floor-guard',
        'floor-stale',
        undefined,
      ]);
      expect(a.rows.find((r) => r[0] === 'v1-v4')![5]).toMatch(/^[\d,]+ \([\d,]+ stale\)$/);
      expect(section).toContain(
        '- v1-v4: floor search over the whole table; an answer from an entry at or past _etext is stale (wrong).',
      );
    }
  });

  it('reproduces rows of a run without a config file by measure and kernels build commands (the older default run)', () => {
    expect(defaultV1V4.configFile).toBeUndefined();
    const g = tableAfter(markdown.render(defaultV1V4), GROWTH_HEADING);
    const fmts = defaultV1V4.config.formats.join(',');
    expect(g.rows).toEqual([
      growthRow(
        defaultV1V4,
        kernelOf(defaultV1V4, 'amd64-cloud-6.1'),
        `\`lineinfo-bench measure debian:cloud-amd64@6.1.192-2 --format ${fmts}\``,
      ),
      growthRow(
        defaultV1V4,
        kernelOf(defaultV1V4, 'arm64-tinyconfig'),
        '`lineinfo-bench kernels build tinyconfig-dwarf5 --arch arm64`, then `measure` its build directory',
      ),
    ]);
    // literal, read from that run: it has v1/v2's zigzag first, but v1-v4's own layout is v3/v4's SLEB128;
    // arm64 tinyconfig has no boot image
    expect(g.rows[0].slice(0, 6)).toEqual([
      'x86_64',
      'amd64-cloud-6.1',
      '1,216,043',
      'blocks:64:sleb: 3.72',
      '10.92%',
      '23.08%',
    ]);
    expect(g.rows[0][9]).toBe('vmlinuz');
    expect(g.rows[1][5]).toBe('-');
    expect(g.rows[1][9]).toBe('-');
  });

  it('matches report/multiarch/multiarch.md (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', markdown.extension, out);
  });
});
