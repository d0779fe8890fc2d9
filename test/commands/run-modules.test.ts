import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { MAIN_MODULE_FORMAT } from '../../src/measure/module-tables.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';

const dir = scratchDir('run-modules');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const x86 = KO_TARGETS.find((t) => t.arch === 'x86_64')!;

async function cli(...args: string[]) {
  const p = fakeProcess(args);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

/** A build directory as kbuild leaves one: vmlinux, .config, include/config/, and .ko files in the tree. */
function buildDir(): string {
  const d = join(dir, 'build');
  mkdirSync(join(d, 'include', 'config'), { recursive: true });
  mkdirSync(join(d, 'drivers', 'a'), { recursive: true });
  mkdirSync(join(d, 'fs'), { recursive: true });
  copyFileSync(buildFixture('gcc-dwarf5'), join(d, 'vmlinux'));
  writeFileSync(join(d, '.config'), 'CONFIG_64BIT=y\n');
  const ko = buildKo(x86);
  copyFileSync(ko, join(d, 'drivers', 'a', 'one.ko'));
  copyFileSync(ko, join(d, 'fs', 'two.ko'));
  return d;
}

describe.runIf(hasKoTools(x86))('run measures a kernel’s modules when the config asks', () => {
  it('stores the module summary (no per-module list), reports it, and agrees with `modules`', {
    timeout: 120_000,
  }, async () => {
    const build = buildDir();
    const config = join(dir, 'mods.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'mods',
        kernels: [
          { id: 'plain', local: buildFixture('gcc-dwarf5'), base: '0' },
          { id: 'with-modules', local: build, base: '0', modules: true },
        ],
        formats: ['flat', 'blocks:64', 'mru-huffman:64'],
        // the v1-v4 revision here; the newest one is the test below
        rules: ['v1-v4'],
        measure: { verifySamples: 500 },
      }),
    );
    const results = join(dir, 'results');
    const r = await cli('run', '--results', results, '--only', 'with-modules', config);
    expect(r.code, r.err).toBe(0);
    const [id] = readdirSync(results);
    const saved = JSON.parse(readFileSync(join(results, id, 'run.json'), 'utf8'));
    // --only: the other kernel is not measured; the config stays whole, and the run says what it measured
    expect(saved.kernels.map((k: { id: string }) => k.id)).toEqual(['with-modules']);
    expect(saved.config.kernels).toHaveLength(2);
    expect(saved.only).toEqual(['with-modules']);
    expect(id).toMatch(/Z-mods-with-modules$/);
    const m = saved.kernels[0].modules;
    expect(m.summary.modules).toBe(2);
    expect(m.modules).toEqual([]);

    // the same figures as the modules command on the same directory
    const direct = await cli('modules', build, '--revision', 'v1-v4', '--no-vmlinux', '--json');
    expect(direct.code, direct.err).toBe(0);
    const d = JSON.parse(direct.out);
    expect(m.summary.totals).toEqual(d.summary.totals);
    // two copies of one module: twice its entries and bytes
    const one = d.modules[0];
    expect(m.summary.totals.full.entries).toBe(2 * one.full.entries);
    const fullBytes = m.summary.totals.full.bytes[MAIN_MODULE_FORMAT];
    expect(fullBytes).toBe(
      2 * one.full.tables.find((t: { format: string }) => t.format === MAIN_MODULE_FORMAT).total,
    );
    expect(m.vmlinux.modulesPercent).toBeCloseTo((100 * fullBytes) / m.vmlinux.bytes, 9);
    // vmlinux's table is the run's own blocks-of-64 measurement, not read a second time
    const upTable = saved.kernels[0].measure.tables.find(
      (t: { rules: string; format: string }) =>
        t.rules === 'v1-v4' && t.format === 'blocks:64:sleb',
    );
    expect(m.vmlinux).toMatchObject({
      entries: upTable.entries,
      bytes: upTable.total,
      format: 'blocks:64:sleb',
    });

    const md = await cli('report', '--results', results, id, '--format', 'markdown');
    expect(md.code, md.err).toBe(0);
    const row = md.out.split('\n').find((l) => l.startsWith('| with-modules | 2 |'));
    expect(row).toContain(`/ ${fullBytes.toLocaleString('en-US')} |`);
    expect(row).toContain(`${m.vmlinux.modulesPercent.toFixed(2)}%`);
    // the per-arch growth row: upstream (the revision's blocks of 64, named) and ours, the boot
    // image file (none: a build directory without one, so no image base), and the command that
    // gives it again
    const tables = saved.kernels[0].measure.tables.filter(
      (t: { rules: string }) => t.rules === 'v1-v4',
    );
    const up = tables.find((t: { format: string }) => t.format === 'blocks:64:sleb');
    const ours = tables.find((t: { format: string }) => t.format === 'mru-huffman:64');
    expect(saved.kernels[0].measure.bases.map((b: { id: string }) => b.id)).not.toContain('image');
    expect(md.out).toContain(
      `| x86_64 | with-modules | ${up.entries.toLocaleString('en-US')} | blocks:64:sleb: ${up.bytesPerEntry.toFixed(2)} | ${up.growth.loaded.toFixed(2)}% | - | ` +
        `mru-huffman:64: ${ours.bytesPerEntry.toFixed(2)} | ${ours.growth.loaded.toFixed(2)}% | - | - | \`lineinfo-bench run ${config} --only with-modules\` |`,
    );
    for (const format of ['terminal', 'text', 'html']) {
      const rep = await cli('report', '--results', results, id, '--format', format);
      expect(rep.code, `${format}: ${rep.err}`).toBe(0);
      expect(rep.out, format).toContain(fullBytes.toLocaleString('en-US'));
    }
    // the documentation table gives MiB, and the share of vmlinux's table
    const rst = await cli('report', '--results', results, id, '--format', 'rst');
    expect(rst.out).toMatch(
      new RegExp(
        `with-modules +2 +${m.summary.totals.full.entries} +0\\.0 MiB +${m.vmlinux.modulesPercent.toFixed(2)}%`,
      ),
    );
  });

  it('under the newest rules (the default), modules and vmlinux are measured in the newest layouts', {
    timeout: 120_000,
  }, async () => {
    const build = buildDir();
    const config = join(dir, 'mods-newest.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'mods-newest',
        kernels: [{ id: 'k', local: build, base: '0', modules: true }],
        formats: ['flat', 'blocks:64'],
        measure: { verifySamples: 500 },
      }),
    );
    const results = join(dir, 'results-newest');
    const r = await cli('run', '--results', results, config);
    expect(r.code, r.err).toBe(0);
    const [id] = readdirSync(results);
    const k = JSON.parse(readFileSync(join(results, id, 'run.json'), 'utf8')).kernels[0];
    expect(k.measure.revisions.newest).toMatchObject({ revision: 'newest', ours: false });
    const m = k.modules;
    expect(m.rules).toBe('newest');
    expect(m.mainFormat).toBe('module-newest');
    // covered sections counted apart, and the same figures as the modules command
    expect(Object.keys(m.summary.totals.full.sections)).toContain('.text');
    const direct = await cli('modules', build, '--no-vmlinux', '--json');
    expect(JSON.parse(direct.out).summary.totals).toEqual(m.summary.totals);
    // vmlinux is compared in the newest revision's own layout: the run's flat table, not read again
    const flat = k.measure.tables.find((t: { format: string }) => t.format === 'flat');
    expect(m.vmlinux).toMatchObject({ format: 'flat', entries: flat.entries, bytes: flat.total });
  });

  it('modules that cannot be had leave the kernel measured, with the cause; --only checks its ids', async () => {
    const config = join(dir, 'nomods.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'nomods',
        kernels: [{ id: 'file', local: buildFixture('gcc-dwarf5'), base: '0', modules: true }],
        formats: ['flat'],
        measure: { verifySamples: 100 },
      }),
    );
    const results = join(dir, 'results-2');
    const r = await cli('run', '--results', results, config);
    expect(r.code, r.err).toBe(0);
    const [id] = readdirSync(results);
    const saved = JSON.parse(readFileSync(join(results, id, 'run.json'), 'utf8'));
    expect(saved.kernels[0].measure.tables[0].entries).toBeGreaterThan(0);
    expect(saved.kernels[0].modules).toBeUndefined();
    expect(saved.kernels[0].modulesError).toBe(
      `${dirname(buildFixture('gcc-dwarf5'))}: no .ko files found for this kernel`,
    );
    const md = await cli('report', '--results', results, id, '--format', 'markdown');
    expect(md.out).toContain('**file: modules not measured:** ');
    const bad = await cli('run', '--results', results, '--only', 'nope,file', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--only: no kernel nope in this config (it has: file)');
    const none = await cli('run', '--results', results, '--only', ' , ', config);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--only: no kernel id given (it has: file)');
  });
});
