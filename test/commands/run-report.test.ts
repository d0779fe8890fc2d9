import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHtmlPage } from '../../scripts/lib/check-html-page.mjs';
import { run } from '../../src/cli.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const results = join(dir, 'results');

function config(name: string, formats: string[], extra: object[] = []) {
  const path = join(dir, `${name}.json`);
  const c = {
    name,
    description: `test run ${name}`,
    kernels: [
      { id: 'x86-fixture', local: buildFixture('gcc-dwarf5'), base: '0' },
      { id: 's390x-fixture', local: buildFixture('s390x-dwarf5'), base: 'main' },
      ...extra,
    ],
    formats,
    rules: ['v1-v4', 'symbolizer'],
    measure: {
      verifySamples: 2000,
      agreement: 0,
      ...(name === 'small' ? { latency: { sets: ['uniform'], addresses: 200 } } : {}),
    },
  };
  writeFileSync(path, JSON.stringify(c));
  return path;
}

async function cli(...args: string[]) {
  const p = fakeProcess(args);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

function runIds(): string[] {
  return readdirSync(results).sort();
}

describe('run, report, diff', () => {
  // 360 s, not 120: nearly all of it is the run's latency measurement (time-budgeted samples of
  // every format, warm and cold, per kernel; without latency the same run takes 1 s) plus Chromium
  // for the page. The run alone took 61 s on a quiet moment of this 2-core machine, 101-153 s
  // beside kernel builds and other test runs (load 9), and passed 240 s with recipes.test.ts as the
  // other worker, as it passed 120 s in the whole suite.
  it('runs a config, saves run.json and tables.csv, and reports every format from them', {
    timeout: 360_000,
  }, async () => {
    const r = await cli(
      'run',
      '--results',
      results,
      config('small', ['flat', 'blocks:4', 'blocks:16']),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('x86-fixture');
    const [id] = runIds();
    const saved = JSON.parse(readFileSync(join(results, id, 'run.json'), 'utf8'));
    expect(saved.schemaVersion).toBe(1);
    expect(saved.kernels).toHaveLength(2);
    expect(saved.failures).toHaveLength(0);
    const csv = readFileSync(join(results, id, 'tables.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(1 + 2 * 2 * 3); // header + kernels x rules x formats
    expect(csv[1].split(',').slice(0, 6)).toEqual([
      'x86-fixture',
      'x86_64',
      '64',
      'little',
      'v1-v4',
      'flat',
    ]);

    // latency of every format, as the C harness measured it
    expect(saved.kernels[0].latency.sizes.map((x: { format: string }) => x.format)).toEqual([
      'flat',
      'blocks:4:sleb',
      'blocks:16:sleb',
    ]);
    expect(r.out).toContain('Size against cold p99');
    expect(r.out).toMatch(/Lookup latency per call/);

    // bases carry the names every report gives them
    expect(saved.kernels[0].measure.bases.map((b: { label: string }) => b.label)).toEqual([
      'loaded size',
      'covered code',
    ]);

    // two kernels: one table; --detail adds each kernel's paragraphs
    const text = await cli('report', '--results', results, id, '--format', 'text');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Line tables of 2 kernels, v1-v4 rules \(revision v1-v4\)/);
    expect(text.out).not.toContain('Before (flat arrays):');
    const detail = await cli('report', '--results', results, id, '--format', 'text', '--detail');
    expect(detail.out.startsWith(text.out)).toBe(true);
    expect(detail.out).toContain('Before (flat arrays):');
    expect(detail.out).toContain('After (blocks:4:sleb):');
    for (const out of [text.out, detail.out]) {
      for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
      expect(/^[\x20-\x7e\n]*$/.test(out)).toBe(true);
    }

    const rst = await cli('report', '--results', results, id, '--format', 'rst');
    expect(rst.out).toMatch(/^Memory Overhead\n===============\n/);
    expect(rst.out).toMatch(
      /\ns390x\s+s390x-fixture \(gcc\)\s+[\d,]+\s+[\d.]+\s+[\d.]+ MiB\s+[\d.]+%/,
    );

    const md = await cli('report', '--results', results, 'latest', '--format', 'markdown');
    expect(md.out).toMatch(/^# lineinfo-bench run /);
    expect(md.out).toContain('| x86-fixture | x86_64 | v1-v4 |');

    const json = await cli('report', '--results', results, id, '--format', 'json');
    expect(JSON.parse(json.out)).toEqual(saved);

    const out = join(dir, 'report');
    const all = await cli('report', '--results', results, id, '--format', 'all', '--out', out);
    expect(all.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'small.csv',
      'small.html',
      'small.json',
      'small.mail.txt',
      'small.md',
      'small.rst',
      'small.txt',
    ]);
    const page = await checkHtmlPage(join(out, 'small.html'), join(dir, 'dashboard.png'));
    expect(page.consoleErrors).toEqual([]);
    expect(page.canvases).toBe(6);
    expect(page.chartsDrawn).toBe(6);
    expect(page.inkedCanvases).toBe(6);
  });

  it('a run diffed with itself shows no change', async () => {
    const id = runIds()[0];
    const d = await cli('diff', '--results', results, id, id);
    expect(d.code).toBe(0);
    expect(d.out).toContain('add/remove: 0/0 grow/shrink: 0/0 up/down: 0/0 (0)');
    expect(d.out).toContain('[ = ]');
    expect(d.out).toMatch(/Total: Before=(\d+), After=\1, chg \+0\.00%/);
  });

  it('diffs two block sizes, sorted by delta, with the total line', {
    timeout: 120_000,
  }, async () => {
    await new Promise((r) => setTimeout(r, 1100)); // run ids have one-second resolution
    expect((await cli('run', '--results', results, config('b16', ['blocks:16']))).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await cli('run', '--results', results, config('b4', ['blocks:4']))).code).toBe(0);
    const [, b16, b4] = runIds();
    const d = await cli('diff', '--results', results, '--key', 'kernel,rules', b16, b4);
    expect(d.code).toBe(0);
    const rows = d.out.split('\n').slice(2, 6);
    expect(rows).toHaveLength(4);
    const deltas = rows.map((r) => Number(r.trim().split(/\s+/).pop()));
    expect(deltas.every((x) => x > 0)).toBe(true); // smaller blocks: a bigger index
    expect([...deltas].sort((a, b) => b - a)).toEqual(deltas);
    expect(d.out).toMatch(/add\/remove: 0\/0 grow\/shrink: 4\/0 up\/down: \d+\/0/);
    const m = /Total: Before=(\d+), After=(\d+), chg \+(\d+\.\d\d)%/.exec(d.out)!;
    expect(((100 * (Number(m[2]) - Number(m[1]))) / Number(m[1])).toFixed(2)).toBe(m[3]);
    // the same formats under their own names: every table added or removed
    const strict = await cli('diff', '--results', results, b16, b4);
    expect(strict.out).toMatch(/^add\/remove: 4\/4 /);
  });

  it('a kernel that cannot be had is reported, the run goes on and still saves, exit 2', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const r = await cli(
      'run',
      '--results',
      results,
      config('broken', ['flat'], [{ id: 'gone', local: join(dir, 'no-vmlinux') }]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: gone: .*no-vmlinux: no such file or directory$/m);
    const saved = JSON.parse(readFileSync(join(results, runIds().at(-1)!, 'run.json'), 'utf8'));
    expect(saved.kernels).toHaveLength(2);
    expect(saved.finishedAt).not.toBe('');
    expect(saved.failures).toEqual([
      { id: 'gone', error: expect.stringContaining('no such file or directory') },
    ]);
  });

  it('a config with a bad key is refused before anything runs, naming the key', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ name: 'bad', kernels: [], formats: ['flat'] }));
    const r = await cli('run', '--results', results, path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: .*bad\.json: kernels: /);
  });
});

describe('merge', () => {
  it('puts runs measured apart together, and refuses unlike ones', async () => {
    const out = join(dir, 'merge-results');
    const one = (name: string, fixture: string, formats = ['flat', 'blocks:4']) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          name,
          kernels: [{ id: name, local: buildFixture(fixture), base: 'main' }],
          formats,
          measure: { verifySamples: 100 },
        }),
      );
      return path;
    };
    expect((await cli('run', '--results', out, one('ja', 'gcc-dwarf5'))).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await cli('run', '--results', out, one('jb', 's390x-dwarf5'))).code).toBe(0);
    const [a, b] = readdirSync(out).sort();
    const m = await cli('merge', '--results', out, '--name', 'both', a, b);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/^merged 2 runs \(2 kernels, 0 failed\) into /);
    const merged = readdirSync(out).find((d) => d.endsWith('-both'))!;
    const run = JSON.parse(readFileSync(join(out, merged, 'run.json'), 'utf8'));
    expect(run.kernels.map((k: { id: string }) => k.id)).toEqual(['ja', 'jb']);
    expect(run.config.kernels).toHaveLength(2);
    const md = await cli('report', '--results', out, merged, '--format', 'markdown');
    expect(md.out).toContain('| ja |');
    expect(md.out).toContain('| jb |');
    // a run with other formats cannot join
    await new Promise((r) => setTimeout(r, 1100));
    expect((await cli('run', '--results', out, one('jc', 'i686-dwarf5', ['flat']))).code).toBe(0);
    const c = readdirSync(out).find((d) => d.endsWith('-jc'))!;
    const bad = await cli('merge', '--results', out, '--name', 'x', a, c);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/measured differently/);
    const twice = await cli('merge', '--results', out, '--name', 'x', a, a);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/kernel ja is in more than one run/);
  });
});
