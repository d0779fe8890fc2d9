import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import type { RunResult } from '../../src/results/schema.js';
import {
  baseOf,
  checkedInRun,
  commas,
  comparedOf,
  kernelOf,
  noteCheckedInDifference,
  rulesOf,
  tableOf,
} from './runs.js';

const text = reporter('text')!;
const multiarch = checkedInRun('multiarch');
const defaults = checkedInRun('default');
const mail = text.render(multiarch);

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

/** A label and a value, right-aligned to column 72 as text.ts's line() sets them. */
const labelled = (label: string, value: string) =>
  new RegExp(`^    ${label.replace(/[+()]/g, '\\$&')} +${value.replace(/[.]/g, '\\.')}$`);

describe('text (mail) reporter over the multiarch run', () => {
  it('keeps every line within 72 columns and plain ASCII, for both checked-in runs', () => {
    expect(text.description).toContain('72 columns');
    for (const out of [mail, text.render(defaults)]) {
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
    expect(expected).toHaveLength(42); // 21 kernels x 2 rule sets
    const headings = mail
      .split('\n\n')
      .map((p) => p.replace(/\n/g, ' '))
      .filter((p) => / rules: [\d,]+ entries, [\d,]+ files\.$/.test(p));
    expect(headings).toEqual(expected);
  });

  it("gives x86_64-defconfig-gcc's before/after figures as run.json has them", () => {
    const id = 'x86_64-defconfig-gcc';
    const flat = tableOf(multiarch, id, 'v1-v4', 'flat');
    const up = tableOf(multiarch, id, 'v1-v4', 'blocks:64:sleb');
    const s = section(mail, multiarch, id, 'v1-v4');
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
      'x86_64 x86_64-defconfig-gcc (Linux 6.12.117), v1-v4 rules: 1,709,750 entries, 4,160 files.',
    );
    expect(s.lines).toContain(
      '    lineinfo_addrs + file_ids + lines                   17,097,500 bytes',
    );
    expect(s.lines).toContain(
      '    bytes per entry (file tables not counted)                       3.73',
    );
    expect(s.lines).toContain('  Savings: 10,717,814 bytes (62.7%), 2.7x smaller.');
  });

  it('names the smallest format of ours and how far it lies below the upstream one', () => {
    const id = 'x86_64-defconfig-gcc';
    const k = kernelOf(multiarch, id);
    const up = tableOf(multiarch, id, 'v1-v4', 'blocks:64:sleb');
    const ours = k.measure.tables
      .filter((t) => t.rules === 'v1-v4' && !/^(flat|blocks:)/.test(t.format))
      .sort((a, b) => a.total - b.total)[0];
    expect(ours.format).toBe('mru-huffman:64');
    const a = up.buckets.index + up.buckets.data;
    const b = ours.buckets.index + ours.buckets.data;
    const s = section(mail, multiarch, id, 'v1-v4');
    expect(s.joined).toContain(
      `Smallest of ours (mru-huffman:64): ${commas(b)} bytes, ${ours.bytesPerEntry.toFixed(2)} B/entry, ${((100 * (a - b)) / a).toFixed(1)}% below blocks:64:sleb.`,
    );
    expect(s.joined).toContain(
      'Smallest of ours (mru-huffman:64): 3,374,410 bytes, 1.97 B/entry, 47.1% below blocks:64:sleb.',
    );
  });

  it('says the growth in percent of the loaded size and of the boot image, with their bytes', () => {
    for (const id of ['x86_64-defconfig-gcc', 'arm64-tinyconfig-gcc', 'x86_64-tinyconfig-clang']) {
      for (const rules of ['v1-v4', 'symbolizer']) {
        const up = tableOf(multiarch, id, rules, 'blocks:64:sleb');
        const s = section(mail, multiarch, id, rules);
        expect(s.joined).toContain(
          `Growth: +${up.growth.loaded.toFixed(2)}% of the loaded size (${commas(baseOf(multiarch, id, 'loaded'))} bytes); ` +
            `+${up.growth.image.toFixed(2)}% of the boot image (${commas(baseOf(multiarch, id, 'image'))} bytes)`,
        );
      }
    }
    // literal: x86_64 defconfig, gcc, blocks:64 grows the kernel by 16.72%
    expect(section(mail, multiarch, 'x86_64-defconfig-gcc', 'v1-v4').joined).toContain(
      'Growth: +16.72% of the loaded size (38,912,755 bytes); +29.11% of the boot image (13,620,224 bytes);',
    );
    expect(section(mail, multiarch, 'arm-tinyconfig-gcc', 'v1-v4').joined).toContain(
      'Growth: +55.03% of the loaded size (764,516 bytes); +48.62% of the boot image (418,472 bytes);',
    );
  });

  // KNOWN BUG (text.ts): every growth base but "loaded" is called "the boot image",
  // so the "code" base (the span the table covers: 38,772,175 bytes for
  // x86_64-defconfig-gcc, larger than its 13,620,224-byte bzImage) reads as a
  // second boot image: "+16.78% of the boot image (38,772,175 bytes)".
  // When text.ts names that base for what it is, make this an it().
  it.fails('does not call the "code" growth base a boot image', () => {
    const s = section(mail, multiarch, 'x86_64-defconfig-gcc', 'v1-v4');
    const code = commas(baseOf(multiarch, 'x86_64-defconfig-gcc', 'code'));
    expect(s.joined).toContain(`(${code} bytes)`);
    expect(s.joined).not.toContain(`of the boot image (${code} bytes)`);
  });

  it("sums the Debian kernel's modules after its own sections", () => {
    const k = kernelOf(multiarch, 'amd64-debian-6.1');
    const m = k.modules!;
    const s = m.summary;
    const f = m.mainFormat;
    const after = section(mail, multiarch, 'amd64-debian-6.1', 'symbolizer').next;
    expect(after).toBe(
      `Modules (${commas(s.modules)} .ko files, ${f}, fully relocated): ${commas(s.totals.full.entries)} entries, ` +
        `${commas(s.totals.full.bytes[f])} bytes in all, ${m.vmlinux!.modulesPercent.toFixed(1)}% of vmlinux's table; ` +
        `+${s.growth.alloc.toFixed(2)}% of the modules' loaded size. Relocated as upstream does: ` +
        `${commas(s.totals.upstream.entries)} entries, ${commas(s.totals.upstream.bytes[f])} bytes.`,
    );
    expect(after).toContain(
      'Modules (4,023 .ko files, module-v3:64:sleb, fully relocated): 6,498,097 entries, 24,633,573 bytes in all, 518.7% of',
    );
  });

  it('ends with the tool, the run, the machine and the revision behind each rule set', () => {
    const last = mail.trimEnd().split('\n\n').at(-1)!.replace(/\n/g, ' ');
    expect(last).toBe(
      `Measured with lineinfo-bench ${multiarch.tool.version}, run ${multiarch.runId} (${multiarch.machine.cpus} CPUs, ${multiarch.machine.cpuModel}). ` +
        'Every table was verified: round trip, and lookups against the flat search. ' +
        'Rules: v1-v4: revision v1-v4 (RFC to v4, the v4/ generator); ' +
        'symbolizer: rules of ours, in the layouts of revision newest.',
    );
    expect(last).toContain(
      'lineinfo-bench 0.1.0, run 2026-11-25T16-41-21Z-multiarch (2 CPUs, AMD EPYC)',
    );
    // ... which holds: every table of the run has a verify report over all its entries
    for (const k of multiarch.kernels)
      for (const t of k.measure.tables) expect(t.verify.roundTripEntries).toBe(t.entries);
  });

  it('matches report/multiarch/multiarch.mail.txt (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', text.extension, mail);
  });
});
