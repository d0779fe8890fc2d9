import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { scratchDir } from '../helpers/fixtures.js';
import { checkedInRun, commas, RESULTS, RUNS, tableOf } from '../report/runs.js';

const dir = scratchDir('compare');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const p = fakeProcess(args);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

const M = RUNS.multiarch;
const multiarch = checkedInRun('multiarch');

/** v1-v4 -> symbolizer in blocks of 64 per kernel, from run.json, largest growth first. */
const ruleRows = multiarch.kernels
  .map((k) => {
    const before = tableOf(multiarch, k.id, 'v1-v4', 'blocks:64:sleb').total;
    const after = tableOf(multiarch, k.id, 'symbolizer', 'blocks:64:sleb').total;
    return { kernel: k.id, before, after, delta: after - before };
  })
  .sort((a, b) => b.delta - a.delta);
const signed = (v: number) => (v < 0 ? `-${commas(-v)}` : `+${commas(v)}`);
const pctOf = (delta: number, before: number) =>
  `${delta < 0 ? '' : '+'}${((100 * delta) / before).toFixed(2)}%`;
const textRow = (r: { kernel: string; before: number; after: number; delta: number }) => [
  r.kernel,
  commas(r.before),
  commas(r.after),
  signed(r.delta),
  pctOf(r.delta, r.before),
];

describe('compare', () => {
  it('two rule sets of a run as mail text, sorted by delta, with the total', async () => {
    const r = await cli(
      'compare',
      M,
      '--results',
      RESULTS,
      '--rules',
      'v1-v4,symbolizer',
      '--format',
      'text',
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(72);
    const table = lines.filter((l) => /^[a-z0-9_]+-\S+\s+[\d,]+\s/.test(l));
    expect(table).toHaveLength(21);
    expect(table.map((l) => l.split(/\s+/))).toEqual(ruleRows.map(textRow));
    // literal, read from run.json
    expect(table.find((l) => l.startsWith('x86_64-tinyconfig-gcc '))).toMatch(
      /^x86_64-tinyconfig-gcc\s+581,354\s+548,870\s+-32,484\s+-5\.59%$/,
    );
    const before = ruleRows.reduce((s, x) => s + x.before, 0);
    const after = ruleRows.reduce((s, x) => s + x.after, 0);
    expect(lines.at(-1)!.split(/\s+/)).toEqual(
      textRow({ kernel: 'total', before, after, delta: after - before }),
    );
  });

  it("two formats of the run's main rule set (newest): blocks:64 is the run's blocks:64:sleb; JSON carries the raw figures", async () => {
    const r = await cli(
      'compare',
      M,
      '--results',
      RESULTS,
      '--formats',
      'blocks:64,mru-huffman:64',
      '--metric',
      'bpe',
      '--json',
    );
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out);
    expect([c.beforeLabel, c.afterLabel, c.metric]).toEqual([
      'blocks:64:sleb',
      'mru-huffman:64',
      'bpe',
    ]);
    const x86 = c.rows.find((x: { kernel: string }) => x.kernel === 'x86_64-tinyconfig-gcc');
    expect(multiarch.config.rules[0]).toBe('newest');
    expect(x86.before).toBe(
      tableOf(multiarch, 'x86_64-tinyconfig-gcc', 'newest', 'blocks:64:sleb').bytesPerEntry,
    );
    expect(x86.after).toBe(
      tableOf(multiarch, 'x86_64-tinyconfig-gcc', 'newest', 'mru-huffman:64').bytesPerEntry,
    );
    expect(c.total.kernels).toBe(21);
  });

  it('two runs, written to a file as Markdown', async () => {
    // the same run again under another id, one table of its main rule set (newest) 4,096 bytes larger
    const results = join(dir, 'runs');
    mkdirSync(results, { recursive: true });
    cpSync(join(RESULTS, M), join(results, M), { recursive: true });
    const again = structuredClone(multiarch);
    again.runId = '2026-11-26T00-00-00Z-multiarch';
    again.kernels
      .find((k) => k.id === 'riscv64-tinyconfig-gcc')!
      .measure.tables.find(
        (t) => t.rules === 'newest' && t.format === 'blocks:64:sleb',
      )!.total += 4096;
    mkdirSync(join(results, again.runId));
    writeFileSync(join(results, again.runId, 'run.json'), JSON.stringify(again));
    const out = join(dir, 'cmp.md');
    const r = await cli(
      'compare',
      M,
      again.runId,
      '--results',
      results,
      '--format',
      'markdown',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${out}\n`);
    const md = readFileSync(out, 'utf8').split('\n');
    const rows = md.filter(
      (l) => l.startsWith('| ') && !l.startsWith('| kernel') && !l.startsWith('| ---'),
    );
    const b = tableOf(multiarch, 'riscv64-tinyconfig-gcc', 'newest', 'blocks:64:sleb').total;
    expect(rows[0]).toBe(
      `| riscv64-tinyconfig-gcc | ${commas(b)} | ${commas(b + 4096)} | +4,096 | +${((100 * 4096) / b).toFixed(2)}% |`,
    );
    const total = multiarch.kernels.reduce(
      (s, k) => s + tableOf(multiarch, k.id, 'newest', 'blocks:64:sleb').total,
      0,
    );
    expect(rows.at(-1)).toBe(
      `| **total** | **${commas(total)}** | **${commas(total + 4096)}** | **+4,096** | **+${((100 * 4096) / total).toFixed(2)}%** |`,
    );
  });

  it('a rule set the run lacks, or the same thing twice, is a user error (exit 2)', async () => {
    const r = await cli('compare', M, '--results', RESULTS, '--rules', 'v1-v4,v5');
    expect(r.code).toBe(2);
    expect(r.err).toContain('has no rule set v5 (it has newest, v1-v4, symbolizer)');
    // the older multiarch run has no newest
    const old = await cli(
      'compare',
      RUNS.multiarchV1V4,
      '--results',
      RESULTS,
      '--rules',
      'v1-v4,newest',
    );
    expect(old.code).toBe(2);
    expect(old.err).toContain('has no rule set newest (it has v1-v4, symbolizer)');
    const same = await cli('compare', M, '--results', RESULTS);
    expect(same.code).toBe(2);
    expect(same.err).toContain('name two rule sets, two formats or two runs');
    const three = await cli('compare', M, '--results', RESULTS, '--rules', 'a,b,c');
    expect(three.code).toBe(2);
  });

  it('diff still works beside it', async () => {
    const r = await cli('diff', M, M, '--results', RESULTS);
    expect(r.code).toBe(0);
    expect(r.out).toContain('add/remove: 0/0 grow/shrink: 0/0');
  });
});
