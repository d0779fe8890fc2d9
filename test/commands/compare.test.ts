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
    expect(table[0]).toMatch(
      /^arm64-defconfig-clang\s+6,898,051\s+9,077,327\s+\+2,179,276\s+\+31\.59%$/,
    );
    expect(table[20]).toMatch(/^arm64-defconfig-gcc\s+8,027,779\s+7,547,359\s+-480,420\s+-5\.98%$/);
    expect(lines.at(-1)).toMatch(/^total\s+49,910,011\s+52,248,438\s+\+2,338,427\s+\+4\.69%$/);
  });

  it("two formats: blocks:64 is the run's blocks:64:sleb; JSON carries the raw figures", async () => {
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
    expect(x86.before).toBe(
      tableOf(multiarch, 'x86_64-tinyconfig-gcc', 'v1-v4', 'blocks:64:sleb').bytesPerEntry,
    );
    expect(x86.after).toBe(
      tableOf(multiarch, 'x86_64-tinyconfig-gcc', 'v1-v4', 'mru-huffman:64').bytesPerEntry,
    );
    expect(c.total.kernels).toBe(21);
  });

  it('two runs, written to a file as Markdown', async () => {
    // the same run again under another id, one table 4,096 bytes larger
    const results = join(dir, 'runs');
    mkdirSync(results, { recursive: true });
    cpSync(join(RESULTS, M), join(results, M), { recursive: true });
    const again = structuredClone(multiarch);
    again.runId = '2026-11-26T00-00-00Z-multiarch';
    again.kernels
      .find((k) => k.id === 'riscv64-tinyconfig-gcc')!
      .measure.tables.find(
        (t) => t.rules === 'v1-v4' && t.format === 'blocks:64:sleb',
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
    const b = tableOf(multiarch, 'riscv64-tinyconfig-gcc', 'v1-v4', 'blocks:64:sleb').total;
    expect(rows[0]).toBe(
      `| riscv64-tinyconfig-gcc | ${commas(b)} | ${commas(b + 4096)} | +4,096 | +${((100 * 4096) / b).toFixed(2)}% |`,
    );
    expect(rows.at(-1)).toBe(
      '| **total** | **49,910,011** | **49,914,107** | **+4,096** | **+0.01%** |',
    );
  });

  it('a rule set the run lacks, or the same thing twice, is a user error (exit 2)', async () => {
    const r = await cli('compare', M, '--results', RESULTS, '--rules', 'v1-v4,newest');
    expect(r.code).toBe(2);
    expect(r.err).toContain('has no rule set newest (it has v1-v4, symbolizer)');
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
