import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import { mainRules } from '../../src/results/config.js';
import type { RunResult } from '../../src/results/schema.js';
import {
  baseOf,
  checkedInRun,
  commas,
  comparedOf,
  imageFileOf,
  kernelOf,
  noteCheckedInDifference,
  quotedModulesOf,
  RUNS,
  rulesOf,
  tableOf,
} from './runs.js';

const text = reporter('text')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
/** The older run of the main job: v1-v4 first, arm64 without a boot image, no config file saved. */
const defaultV1V4 = checkedInRun('defaultV1V4');
/** The older multiarch run: v1-v4 first, no newest. */
const multiarchV1V4 = checkedInRun('multiarchV1V4');
/** The mail a maintainer gets by default: one table and its notes. */
const compact = text.render(multiarch);
/** With --detail: the same, then each kernel's paragraphs. */
const mail = text.render(multiarch, { detail: true });

/** The 72 columns text.ts promises (WIDTH) and the reporter's description repeats. */
const WIDTH = 72;

/**
 * One kernel x rule set of the mail: its heading (unwrapped), its body lines,
 * the body as one line (wrapped sentences joined again), and the paragraph after.
 */
function section(out: string, run: RunResult, id: string, rules: string) {
  const md = kernelOf(run, id).measure.kernel.metadata;
  const paras = out.split('\n\n');
  const i = paras.findIndex((p) => {
    const head = p.replace(/\n/g, ' ');
    return head.startsWith(`${md.arch} ${id} `) && head.includes(`, ${rules} rules: `);
  });
  if (i < 0) throw new Error(`no section for ${id} ${rules}`);
  const lines = paras[i + 1].split('\n');
  return {
    heading: paras[i].replace(/\n/g, ' '),
    lines,
    joined: lines.map((l) => l.trim()).join(' '),
    next: paras[i + 2]?.replace(/\n\s*/g, ' ').trim() ?? '',
  };
}

/** One kernel's cells of the summary table, from run.json: upstream blocks:64:sleb, then our smallest (mru-huffman:64). */
function summaryCells(run: RunResult, id: string, rules: string): string[] {
  const up = tableOf(run, id, rules, 'blocks:64:sleb');
  const ours = oursOf(run, id, rules);
  expect(ours.format).toBe('mru-huffman:64');
  return [
    kernelOf(run, id).measure.kernel.metadata.arch,
    commas(up.entries),
    up.bytesPerEntry.toFixed(2),
    up.growth.loaded.toFixed(2),
    up.growth.image.toFixed(2),
    ours.bytesPerEntry.toFixed(2),
    ours.growth.loaded.toFixed(2),
    ours.growth.image.toFixed(2),
    imageFileOf(run, id),
  ];
}

/** A label and a value, right-aligned to column 72 as text.ts's line() sets them. */
const labelled = (label: string, value: string) =>
  new RegExp(`^    ${label.replace(/[+()]/g, '\\$&')} +${value.replace(/[.]/g, '\\.')}$`);

/** llvm-symbolizer's answers summed over kernels: what a rule set's revision prints, else its table's answer. */
type Tally = {
  samples: number;
  agree: number;
  lost: number;
  /** Of `lost`: at addresses at or past `_etext`, where the table stops from v5 on. */
  pastLost: number;
  wrong: number;
  stale: number;
};

/**
 * A rule set's agreement with llvm-symbolizer over `kernels`, read from
 * run.json apart from model.ts: `printed` where the run has it (lost, lost
 * past _etext, wrong and stale counted), else the table's answer (all the
 * rest wrong).
 */
function tallyOf(kernels: readonly RunResult['kernels'][number][], rules: string): Tally {
  const ts = kernels.map((k) => {
    const r = k.measure.agreement!.results.find((x) => x.rules === rules)!;
    const t = (r.printed?.tools ?? r.tools).find((x) => x.tool === 'llvm-symbolizer')!;
    return 'lost' in t
      ? { ...t, pastLost: t.pastEtext?.lost ?? 0 }
      : { ...t, lost: 0, pastLost: 0, wrong: t.samples - t.agree, stale: 0 };
  });
  const sum = (f: (t: Tally) => number) => ts.reduce((a, t) => a + f(t), 0);
  return {
    samples: sum((t) => t.samples),
    agree: sum((t) => t.agree),
    lost: sum((t) => t.lost),
    pastLost: sum((t) => t.pastLost),
    wrong: sum((t) => t.wrong),
    stale: sum((t) => t.stale),
  };
}

const pc = (v: number, t: Tally) => `${((100 * v) / t.samples).toFixed(2)}%`;

/** Where the lost lines lie: past _etext, where the newest table stops (all of them, or how many of how many). */
const past = (t: Tally) =>
  t.pastLost === 0
    ? ''
    : t.pastLost === t.lost
      ? ', all past _etext'
      : `, ${commas(t.pastLost)} of ${commas(t.lost)} past _etext`;

/**
 * The multiarch run's agreement sentence over `kernels` (`scope`: ' per
 * kernel, pooled over N' for several): newest and v1-v4 as their kernels
 * print (no lost or stale part where there is none), ours by its table.
 */
function printedAgreement(kernels: readonly RunResult['kernels'][number][], scope: string) {
  const nw = tallyOf(kernels, 'newest');
  const v1 = tallyOf(kernels, 'v1-v4');
  const ours = tallyOf(kernels, 'symbolizer');
  // newest loses what lies past its table and is never stale; v1-v4 answers
  // every address, stale past _etext
  expect([nw.stale, v1.lost]).toEqual([0, 0]);
  for (const t of [nw, v1]) expect(t.agree + t.lost + t.wrong).toBe(t.samples);
  return (
    `Agreement with llvm-symbolizer (2,000 addresses${scope}), as each revision's kernel prints: ` +
    `newest ${pc(nw.agree, nw)} (${nw.lost ? `lost ${pc(nw.lost, nw)}${past(nw)}; ` : ''}wrong ${pc(nw.wrong, nw)}), ` +
    `v1-v4 ${pc(v1.agree, v1)} (wrong ${pc(v1.wrong, v1)}${v1.stale ? `, stale among them ${pc(v1.stale, v1)}` : ''}); ` +
    `ours, the table's answer: symbolizer ${pc(ours.agree, ours)}.`
  );
}

describe('text (mail) reporter over the multiarch run, --detail', () => {
  it('keeps every line within 72 columns and plain ASCII, for the checked-in runs', () => {
    expect(text.description).toContain('72 columns');
    for (const out of [
      mail,
      compact,
      text.render(defaults),
      text.render(defaults, { detail: true }),
      text.render(defaultV1V4, { detail: true }),
    ]) {
      const long = out.split('\n').filter((l) => l.length > WIDTH);
      expect(long).toEqual([]);
      expect(/^[\x20-\x7e\n]*$/.test(out)).toBe(true);
    }
  });

  it('has one section per kernel and rule set, in run order, each heading naming entries and files', () => {
    const expected = multiarch.kernels.flatMap((k) =>
      rulesOf(k).map((rules) => {
        const md = k.measure.kernel.metadata;
        const t = comparedOf(k, rules);
        return `${md.arch} ${k.id} (Linux ${md.kernelVersion}), ${rules} rules: ${commas(t.entries)} entries, ${commas(t.files)} files.`;
      }),
    );
    expect(expected).toHaveLength(63); // 21 kernels x 3 rule sets
    const headings = mail
      .split('\n\n')
      .map((p) => p.replace(/\n/g, ' '))
      .filter((p) => / rules: [\d,]+ entries, [\d,]+ files\.$/.test(p));
    expect(headings).toEqual(expected);
  });

  it("gives x86_64-tinyconfig-gcc's before/after figures under the main rule set (newest) as run.json has them", () => {
    const id = 'x86_64-tinyconfig-gcc';
    const flat = tableOf(multiarch, id, 'newest', 'flat');
    const up = tableOf(multiarch, id, 'newest', 'blocks:64:sleb');
    const s = section(mail, multiarch, id, 'newest');
    const after = up.buckets.index + up.buckets.data;
    // derived from run.json
    expect(s.lines).toContain('  Before (flat arrays):');
    expect(s.lines).toContain('  After (blocks:64:sleb):');
    const expectLine = (label: string, value: string) => {
      const l = s.lines.find((x) => labelled(label, value).test(x));
      expect(l, `${label} ... ${value}`).toBeDefined();
      expect(l!.length).toBe(WIDTH);
    };
    expectLine('lineinfo_addrs + file_ids + lines', `${commas(flat.buckets.data)} bytes`);
    expectLine('block index (block_addrs + block_offsets)', `${commas(up.buckets.index)} bytes`);
    expectLine('lineinfo_data', `${commas(up.buckets.data)} bytes`);
    expectLine('total', `${commas(after)} bytes`);
    expect((after / up.entries).toFixed(2)).toBe(up.bytesPerEntry.toFixed(2));
    expectLine('bytes per entry (file tables not counted)', up.bytesPerEntry.toFixed(2));
    const saved = flat.buckets.data - after;
    expect(s.lines).toContain(
      `  Savings: ${commas(saved)} bytes (${((100 * saved) / flat.buckets.data).toFixed(1)}%), ${(flat.buckets.data / after).toFixed(1)}x smaller.`,
    );
    expect(s.lines).toContain(
      `  File tables: ${commas(up.buckets.file_offsets)} + ${commas(up.buckets.filenames)} bytes of names.`,
    );
    // literal, read from the checked-in run
    expect(s.heading).toBe(
      'x86_64 x86_64-tinyconfig-gcc (Linux 6.12.117), newest rules: 141,514 entries, 802 files.',
    );
    expect(s.lines).toContain(
      '    lineinfo_addrs + file_ids + lines                    1,415,140 bytes',
    );
    expect(s.lines).toContain(
      '    bytes per entry (file tables not counted)                       3.64',
    );
    expect(s.lines).toContain('  Savings: 900,046 bytes (63.6%), 2.7x smaller.');
  });

  it('names the smallest format of ours and how far it lies below the upstream one', () => {
    const id = 'x86_64-tinyconfig-gcc';
    const k = kernelOf(multiarch, id);
    const up = tableOf(multiarch, id, 'newest', 'blocks:64:sleb');
    const ours = k.measure.tables
      .filter((t) => t.rules === 'newest' && !/^(flat|blocks:)/.test(t.format))
      .sort((a, b) => a.total - b.total)[0];
    expect(ours.format).toBe('mru-huffman:64');
    const a = up.buckets.index + up.buckets.data;
    const b = ours.buckets.index + ours.buckets.data;
    const s = section(mail, multiarch, id, 'newest');
    expect(s.joined).toContain(
      `Smallest of ours (mru-huffman:64): ${commas(b)} bytes, ${ours.bytesPerEntry.toFixed(2)} B/entry, ${((100 * (a - b)) / a).toFixed(1)}% below blocks:64:sleb.`,
    );
    expect(s.joined).toContain(
      'Smallest of ours (mru-huffman:64): 256,847 bytes, 1.81 B/entry, 50.1% below blocks:64:sleb.',
    );
  });

  it('says the growth in percent of the loaded size, of the boot image file by its name and of the covered code, with their bytes', () => {
    for (const id of [
      'x86_64-tinyconfig-gcc',
      'arm64-tinyconfig-gcc',
      'x86_64-tinyconfig-clang',
      'amd64-debian-6.1',
    ]) {
      for (const rules of ['newest', 'v1-v4', 'symbolizer']) {
        const up = tableOf(multiarch, id, rules, 'blocks:64:sleb');
        const s = section(mail, multiarch, id, rules);
        expect(s.joined).toContain(
          `Growth: +${up.growth.loaded.toFixed(2)}% of the loaded size (${commas(baseOf(multiarch, id, 'loaded'))} bytes); ` +
            `+${up.growth.image.toFixed(2)}% of ${imageFileOf(multiarch, id)} (${commas(baseOf(multiarch, id, 'image'))} bytes); ` +
            `+${up.growth.code.toFixed(2)}% of the covered code (${commas(baseOf(multiarch, id, 'code'))} bytes).`,
        );
      }
    }
    // literal: x86_64 tinyconfig, gcc, blocks:64 grows the kernel by 8.21% under newest
    expect(section(mail, multiarch, 'x86_64-tinyconfig-gcc', 'newest').joined).toContain(
      'Growth: +8.21% of the loaded size (6,541,573 bytes); +44.97% of bzImage (627,712 bytes);',
    );
    expect(section(mail, multiarch, 'arm-tinyconfig-gcc', 'newest').joined).toContain(
      'Growth: +55.36% of the loaded size (764,516 bytes); +49.15% of zImage (418,512 bytes);',
    );
    // Debian's vmlinuz-6.1.0-56-amd64 is named vmlinuz; m68k's compressed payload by its file
    expect(section(mail, multiarch, 'amd64-debian-6.1', 'newest').joined).toContain(
      '+29.00% of vmlinuz (8,247,232 bytes);',
    );
    expect(section(mail, multiarch, 'm68k-tinyconfig-gcc', 'newest').joined).toContain(
      '+48.80% of vmlinux.gz (442,792 bytes);',
    );
  });

  // x86_64 tinyconfig has two bases of different size that were both called
  // "the boot image": its bzImage (627,712 bytes) and the code its table covers
  // (2,101,285 bytes, more than the bzImage).
  it('does not call the "code" growth base a boot image', () => {
    for (const id of ['amd64-debian-6.1', 'x86_64-tinyconfig-gcc']) {
      const s = section(mail, multiarch, id, 'newest');
      const code = commas(baseOf(multiarch, id, 'code'));
      expect(s.joined).toContain(`(${code} bytes)`);
      expect(s.joined).not.toContain(`of the boot image (${code} bytes)`);
      expect(s.joined).toContain(`of the covered code (${code} bytes)`);
    }
    const tiny = section(mail, multiarch, 'x86_64-tinyconfig-gcc', 'newest').joined;
    expect(tiny).toContain(
      '+44.97% of bzImage (627,712 bytes); +25.56% of the covered code (2,101,285 bytes).',
    );
    expect(tiny).not.toContain('boot image');
  });

  it("sums the Debian kernel's modules after its own sections", () => {
    const k = kernelOf(multiarch, 'amd64-debian-6.1');
    const s = k.modules!.summary;
    const q = quotedModulesOf(k);
    const e = q.emitted!;
    // the paragraph after a kernel's last section: its agreement first, then its modules
    const afterAgreement = (out: string, run: RunResult) => {
      const next = section(out, run, 'amd64-debian-6.1', 'symbolizer').next;
      expect(next).toMatch(/^Agreement with llvm-symbolizer \(2,000 addresses\), /);
      const paras = out.split('\n\n').map((x) => x.replace(/\n\s*/g, ' ').trim());
      return { next, after: paras[paras.indexOf(next) + 1] };
    };
    const { next, after } = afterAgreement(mail, multiarch);
    expect(next).toBe(printedAgreement([k], ''));
    expect(after).toBe(
      `Modules (${commas(s.modules)} .ko files, ${q.format}, fully relocated): ${commas(s.totals.full.entries)} entries, ` +
        `${commas(q.fullBytes)} bytes in all, ${q.percentOfVmlinux!.toFixed(1)}% of vmlinux's table; ` +
        `+${q.growthAlloc.toFixed(2)}% of the modules' loaded size. Relocated as upstream does: ` +
        `${commas(s.totals.upstream.entries)} entries, ${commas(q.upstreamBytes)} bytes. ` +
        `As the generator emits them (${e.format}, flat; ${q.format} stands for its unpublished compression): ` +
        `${commas(e.fullBytes)} bytes fully relocated, ${e.percentOfVmlinux!.toFixed(1)}% of vmlinux's flat table.`,
    );
    // literal, read from run.json: the stand-in layout, then the newest revision's own
    expect(after).toContain(
      'Modules (4,023 .ko files, module-v6:64:sleb, fully relocated): 6,551,187 entries, 28,978,845 bytes in all, 632.8% of',
    );
    expect(after).toContain(
      '(module-newest, flat; module-v6:64:sleb stands for its unpublished compression): 71,441,206 bytes fully relocated, 589.4% of',
    );
    // the older multiarch run, v1-v4 first: v1-v4's module layout
    const old = afterAgreement(text.render(multiarchV1V4, { detail: true }), multiarchV1V4);
    // that run has only the tables' answers
    const agree = (rules: string) =>
      kernelOf(multiarchV1V4, 'amd64-debian-6.1')
        .measure.agreement!.results.find((r) => r.rules === rules)!
        .tools.find((t) => t.tool === 'llvm-symbolizer')!.percent;
    expect(old.next).toBe(
      `Agreement with llvm-symbolizer (2,000 addresses), each table's answer: v1-v4 ${agree('v1-v4').toFixed(2)}%, symbolizer ${agree('symbolizer').toFixed(2)}%.`,
    );
    expect(old.after).toContain(
      'Modules (4,023 .ko files, module-v3:64:sleb, fully relocated): 6,498,097 entries, 24,633,573 bytes in all, 518.7% of',
    );
  });

  it("gives each kernel's agreement after its sections, as each revision's kernel prints it", () => {
    for (const k of multiarch.kernels) {
      const last = rulesOf(k).at(-1)!;
      expect(last).toBe('symbolizer');
      expect(section(mail, multiarch, k.id, last).next, k.id).toBe(printedAgreement([k], ''));
    }
    // literal, read from run.json: x86_64 tinyconfig (gcc); newest loses lines,
    // v1-v4 answers stale ones
    const paras = mail.split('\n\n').map((x) => x.replace(/\n\s*/g, ' ').trim());
    expect(paras).toContain(
      "Agreement with llvm-symbolizer (2,000 addresses), as each revision's kernel prints: newest 71.35% (lost 7.50%, all past _etext; wrong 21.15%), v1-v4 61.10% (wrong 38.90%, stale among them 7.50%); ours, the table's answer: symbolizer 100.00%.",
    );
    // parisc: newest loses none, v1-v4 answers none stale; the sentence names neither
    expect(section(mail, multiarch, 'parisc-tinyconfig-gcc', 'symbolizer').next).toBe(
      "Agreement with llvm-symbolizer (2,000 addresses), as each revision's kernel prints: newest 73.40% (wrong 26.60%), v1-v4 73.25% (wrong 26.75%); ours, the table's answer: symbolizer 100.00%.",
    );
    // the pooled sentence is the compact table's, not repeated per kernel
    expect(paras.filter((p) => p.includes('per kernel, pooled'))).toHaveLength(1);
  });

  it('ends with the tool, the run, the machine and the revision behind each rule set', () => {
    const last = mail.trimEnd().split('\n\n').at(-1)!.replace(/\n/g, ' ');
    expect(last).toBe(
      `Measured with lineinfo-bench ${multiarch.tool.version}, run ${multiarch.runId} (${multiarch.machine.cpus} CPUs, ${multiarch.machine.cpuModel}). ` +
        'Every table was verified: round trip, and lookups against the flat search. ' +
        'Rules: newest: revision newest (after v7, patch 2/4, the post-v7-patch2/ generator); ' +
        'v1-v4: revision v1-v4 (RFC to v4, the v4/ generator); ' +
        'symbolizer: rules of ours, in the layouts of revision newest.',
    );
    expect(last).toContain(`lineinfo-bench 0.1.0, run ${RUNS.multiarch} (2 CPUs, AMD EPYC)`);
    // ... which holds: every table of the run has a verify report over all its entries
    for (const k of multiarch.kernels)
      for (const t of k.measure.tables) expect(t.verify.roundTripEntries).toBe(t.entries);
  });

  it('matches report/multiarch/multiarch.mail.txt (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', text.extension, compact);
  });
});

/** The compact table's parts: heading, format line, column heads, group lines, rows, notes. */
function compactParts(out: string) {
  const lines = out.trimEnd().split('\n');
  const head = lines.findIndex((l) => /^ {2}arch +entries/.test(l));
  const blank = lines.indexOf('', head);
  const body = lines.slice(head + 1, blank);
  return {
    lines,
    title: lines.slice(0, lines.indexOf('')).join(' '),
    formats: lines[head - 1],
    head: lines[head],
    groups: body.filter((l) => !l.startsWith(' ')),
    rows: body.filter((l) => l.startsWith('  ')),
    notes: lines
      .slice(blank + 1)
      .join(' ')
      .replace(/ +/g, ' '),
  };
}

/** Our smallest table of a rule set, chosen apart from the renderer: not flat, not blocks. */
function oursOf(run: RunResult, id: string, rules: string) {
  return kernelOf(run, id)
    .measure.tables.filter((t) => t.rules === rules && !/^(flat|blocks:|module-)/.test(t.format))
    .sort((a, b) => a.total - b.total)[0];
}

describe('text (mail) reporter over the multiarch run, by default: one table', () => {
  const parts = compactParts(compact);

  it('fits one screen: at most 72 columns, 44 lines for 21 kernels', () => {
    expect(Math.max(...parts.lines.map((l) => l.length))).toBe(72); // the notes fill the width
    // the table itself: its widest row is m68k's (vmlinux.gz)
    expect(Math.max(...[parts.head, ...parts.rows].map((l) => l.length))).toBe(70);
    // 4 lines of heads, 6 config lines, 21 rows, a blank and 12 lines of notes,
    // 4 of them the agreement as each revision's kernel prints it
    // (41 under v1-v4: revision newest's name takes a line more, and only the
    // tables' answers agree there)
    expect(parts.lines).toHaveLength(44);
    expect(parts.rows).toHaveLength(21);
    // no per-kernel paragraphs: those are behind --detail
    expect(compact).not.toContain('Before (flat arrays)');
    expect(compact).not.toContain('Modules (');
  });

  it('names the main rule set and its revision, and the two formats compared', () => {
    expect(mainRules(multiarch.config)).toBe('newest');
    expect(parts.title).toBe(
      'Line tables of 21 kernels, newest rules (revision newest); growth in %:',
    );
    expect(parts.formats).toBe('                      blocks:64:sleb     mru-huffman:64');
    expect(parts.head).toBe(
      '  arch       entries   B/e loaded image   B/e loaded image  image file',
    );
  });

  it("gives every kernel's row from run.json, in run order, under its config", () => {
    const expected = multiarch.kernels.map((k) => summaryCells(multiarch, k.id, 'newest'));
    expect(parts.rows.map((r) => r.trim().split(/ +/))).toEqual(expected);
    // literal, read from the checked-in run
    expect(parts.rows).toContain(
      '  x86_64     141,514  3.64   8.21 44.97  1.81   4.27 39.69  bzImage',
    );
    expect(parts.rows).toContain(
      '  m68k       101,085  3.62  43.64 48.80  1.69  21.27 38.57  vmlinux.gz',
    );
    expect(parts.rows).toContain(
      '  x86_64   1,202,316  3.73   8.22 29.00  1.96   4.41 26.85  vmlinuz',
    );
    expect(parts.groups).toEqual([
      'tinyconfig-dwarf5, gcc, Linux 6.12.117:',
      'tinyconfig-dwarf5, clang, Linux 6.12.117:',
      'debian-amd64, gcc, Linux 6.1.0-56-amd64:',
      'debian-arm64, gcc, Linux 6.1.0-56-arm64:',
      'defconfig-dwarf5, gcc, Linux 6.12.117:',
      'defconfig-dwarf5, clang, Linux 6.12.117:',
    ]);
  });

  it('ends with a few lines of notes: the bases, the revision, the run, agreement and how to reproduce it', () => {
    // every kernel has printed agreement for both upstream rule sets
    for (const k of multiarch.kernels)
      expect(k.measure.agreement!.results.map((r) => r.printed?.revision)).toEqual([
        'newest',
        'v1-v4',
        undefined,
      ]);
    const notes = parts.lines.slice(parts.lines.lastIndexOf('') + 1);
    expect(notes.length).toBeLessThanOrEqual(12);
    expect(parts.notes).toBe(
      'B/e = (index + data) / entries. Growth of the loaded size (all SHF_ALLOC sections of vmlinux) ' +
        'and of the image file named, the table compressed as that image is. ' +
        'Rules: newest: revision newest (after v7, patch 2/4, the post-v7-patch2/ generator); every table verified. ' +
        `lineinfo-bench ${multiarch.tool.version}, run ${multiarch.runId}. ` +
        `${printedAgreement(multiarch.kernels, ` per kernel, pooled over ${multiarch.kernels.length}`)} ` +
        "Reproduce: lineinfo-bench run configs/multiarch.json; each kernel's figures: report --format text --detail.",
    );
  });

  it('names v1-v4 as the main rule set of the older multiarch run (v1-v4 first)', () => {
    expect(mainRules(multiarchV1V4.config)).toBe('v1-v4');
    const p = compactParts(text.render(multiarchV1V4));
    expect(p.title).toBe('Line tables of 21 kernels, v1-v4 rules (revision v1-v4); growth in %:');
    expect(p.rows.map((r) => r.trim().split(/ +/))).toEqual(
      multiarchV1V4.kernels.map((k) => summaryCells(multiarchV1V4, k.id, 'v1-v4')),
    );
    expect(p.lines).toHaveLength(41);
    expect(p.lines.slice(p.lines.lastIndexOf('') + 1).length).toBeLessThanOrEqual(9);
    expect(p.notes).toContain(
      'Rules: v1-v4: revision v1-v4 (RFC to v4, the v4/ generator); every table verified.',
    );
    // no printed agreement in that run: llvm-symbolizer's agreement with each
    // rule set's table, summed over the kernels
    const pooled = (rules: string) => {
      const ts = multiarchV1V4.kernels.map(
        (k) =>
          k.measure
            .agreement!.results.find((r) => r.rules === rules)!
            .tools.find((t) => t.tool === 'llvm-symbolizer')!,
      );
      const agree = ts.reduce((a, t) => a + t.agree, 0);
      return `${((100 * agree) / (21 * 2000)).toFixed(2)}%`;
    };
    expect(p.notes).toContain(
      `Agreement with llvm-symbolizer (2,000 addresses per kernel, pooled over 21), each table's answer: v1-v4 ${pooled('v1-v4')}, symbolizer ${pooled('symbolizer')}. ` +
        "Reproduce: lineinfo-bench run configs/multiarch.json; each kernel's figures: report --format text --detail.",
    );
    // literal, read from that run
    expect(p.rows).toContain('  x86_64   1,709,750  3.73  16.72 29.11  1.97   9.00 23.73  bzImage');
  });

  it('is where the --detail text starts', () => {
    expect(mail.startsWith(`${compact}\n`)).toBe(true);
  });

  it('follows the run: its first rule set is the one shown', () => {
    const reordered = {
      ...multiarch,
      config: { ...multiarch.config, rules: ['symbolizer', 'v1-v4'] },
    };
    const p = compactParts(text.render(reordered));
    expect(p.title).toBe(
      "Line tables of 21 kernels, symbolizer rules (ours, in revision newest's layouts); growth in %:",
    );
    const cells = summaryCells(multiarch, 'arm-tinyconfig-gcc', 'symbolizer');
    expect([cells[0], cells[8]]).toEqual(['arm', 'zImage']);
    expect(p.rows[3].trim().split(/ +/)).toEqual(cells);
    expect(p.notes).toContain(
      'Rules: symbolizer: rules of ours, in the layouts of revision newest;',
    );
  });
});

describe('text (mail) reporter over the default run and one kernel', () => {
  it('gives the default run (two kernels) a table too, under its first rule set (newest)', () => {
    const p = compactParts(text.render(defaults));
    expect(mainRules(defaults.config)).toBe('newest');
    expect(p.title).toBe('Line tables of 2 kernels, newest rules (revision newest); growth in %:');
    expect(p.formats.trim().split(/ +/)).toEqual(['blocks:64:sleb', 'mru-huffman:64']);
    expect(p.rows.map((r) => r.trim().split(/ +/))).toEqual(
      defaults.kernels.map((k) => summaryCells(defaults, k.id, 'newest')),
    );
    expect(p.notes).toContain(
      'Rules: newest: revision newest (after v7, patch 2/4, the post-v7-patch2/ generator); every table verified.',
    );
    expect(defaults.configFile).toBe('configs/default.json');
    expect(p.notes).toContain('Reproduce: lineinfo-bench run configs/default.json;');
  });

  it("says what each revision's kernel prints, lost and wrong apart, pooled in the notes and per kernel with --detail", () => {
    // tallyOf, pc and past as for the multiarch run; this run has lost and stale in every kernel
    const sentence = (ks: typeof defaults.kernels, scope: string) => {
      const nw = tallyOf(ks, 'newest');
      const v1 = tallyOf(ks, 'v1-v4');
      const ours = tallyOf(ks, 'symbolizer');
      return (
        `Agreement with llvm-symbolizer (10,000 addresses${scope}), as each revision's kernel prints: ` +
        `newest ${pc(nw.agree, nw)} (lost ${pc(nw.lost, nw)}${past(nw)}; wrong ${pc(nw.wrong, nw)}), ` +
        `v1-v4 ${pc(v1.agree, v1)} (wrong ${pc(v1.wrong, v1)}, stale among them ${pc(v1.stale, v1)}); ` +
        `ours, the table's answer: symbolizer ${pc(ours.agree, ours)}.`
      );
    };
    // every kernel of the run has printed agreement for both upstream rule sets
    for (const k of defaults.kernels)
      expect(k.measure.agreement!.results.map((r) => r.printed?.revision)).toEqual([
        'newest',
        'v1-v4',
        undefined,
      ]);
    expect(compactParts(text.render(defaults)).notes).toContain(
      sentence(defaults.kernels, ' per kernel, pooled over 2'),
    );
    const detail = text
      .render(defaults, { detail: true })
      .split('\n\n')
      .map((x) => x.replace(/\n\s*/g, ' ').trim());
    for (const k of defaults.kernels) expect(detail).toContain(sentence([k], ''));
    expect(detail).toContain(
      "Agreement with llvm-symbolizer (10,000 addresses), as each revision's kernel prints: newest 71.63% (lost 3.38%, all past _etext; wrong 24.99%), v1-v4 70.98% (wrong 29.02%, stale among them 3.38%); ours, the table's answer: symbolizer 100.00%.",
    );
  });

  it('gives the older default run a table too; no boot image is "-", no config file: the config in run.json', () => {
    const p = compactParts(text.render(defaultV1V4));
    expect(p.formats.trim().split(/ +/)).toEqual(['blocks:64:sleb', 'mru-huffman:64']);
    // literal, read from that run
    expect(p.rows).toEqual([
      '  x86_64  1,216,043  3.72  10.92 23.08  1.96   5.85 16.79  vmlinuz',
      '  arm64     163,616  3.65  32.46     -  1.63  15.14     -  -',
    ]);
    // the config file's name was not saved with this run: the config in run.json is
    expect(defaultV1V4.configFile).toBeUndefined();
    expect(p.notes).toContain('Reproduce: lineinfo-bench run the config in run.json (jq .config);');
  });

  it("--detail quotes the table the summary names: the revision's own layout (blocks:64:sleb), not the first format measured (zigzag)", () => {
    // the run measured blocks:64:zigzag before blocks:64:sleb; from v3 on the
    // series' layout is sleb, and the summary table names it
    const formats = [
      ...new Set(kernelOf(defaults, 'amd64-cloud-6.1').measure.tables.map((t) => t.format)),
    ];
    expect(formats.indexOf('blocks:64:zigzag')).toBeLessThan(formats.indexOf('blocks:64:sleb'));
    const out = text.render(defaults, { detail: true });
    expect(compactParts(text.render(defaults)).formats.trim().split(/ +/)[0]).toBe(
      'blocks:64:sleb',
    );
    for (const id of ['amd64-cloud-6.1', 'arm64-tinyconfig'])
      for (const rules of rulesOf(kernelOf(defaults, id))) {
        const sec = section(out, defaults, id, rules);
        expect(sec.lines, `${id} ${rules}`).toContain('  After (blocks:64:sleb):');
        const t = tableOf(defaults, id, rules, 'blocks:64:sleb');
        expect(sec.lines).toContainEqual(
          expect.stringMatching(
            labelled('total', `${commas(t.buckets.index + t.buckets.data)} bytes`),
          ),
        );
      }
  });

  it("keeps one kernel's mail as it was: its paragraphs and the closing, no table", () => {
    const one = { ...multiarch, kernels: [kernelOf(multiarch, 'x86_64-tinyconfig-gcc')] };
    const out = text.render(one);
    expect(out).toBe(text.render(one, { detail: true }));
    expect(out).not.toContain('Line tables of');
    expect(
      out.startsWith('x86_64 x86_64-tinyconfig-gcc (Linux 6.12.117), newest rules: 141,514'),
    ).toBe(true);
    // the same paragraphs as in the detail of the whole run
    const paras = out.trimEnd().split('\n\n');
    for (const p of paras.slice(0, -1)) expect(mail).toContain(p);
    expect(paras.at(-1)).toMatch(/^Measured with lineinfo-bench /);
  });
});
