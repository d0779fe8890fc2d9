// A slice of the differential fuzzer (scripts/fuzz-differential.mjs, issue 19
// item 3) with a fixed seed over the small kernel-like programs only (the
// tinyconfig vmlinux is not on a CI machine): every mutant is read by our
// reader and by both generators, and none may end in an internal error, a
// hang or a difference no documented rule explains. It runs the script from
// dist/ (scripts/test.sh builds first) and needs the cross compilers and
// libdw-dev that scripts/setup-debian.sh --cross installs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'lineinfo-fuzz-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Mutants per small program: 7 programs, each under both revisions. */
const PER_INPUT = 20;

describe('differential fuzzing, a fixed-seed slice', () => {
  // 140 mutants, 280 (mutant, revision) pairs; 210 took 5 min on two lanes beside the 10,000-mutant run and kernel builds (load 10)
  it('reads every mutant without an internal error, a hang or an unexplained difference', () => {
    const args = [
      join(repo, 'scripts', 'fuzz-differential.mjs'),
      '--seed',
      'test-slice',
      '--count',
      String(PER_INPUT),
      '--vmlinux-count',
      '0',
      '--jobs',
      '2',
      '--cache',
      join(scratch, 'cache'),
      '--out',
      join(scratch, 'out'),
    ];
    // the generators first, alone, into their cache: the run then takes their outcomes from it
    const g = spawnSync(process.execPath, [...args, '--generator-only'], {
      encoding: 'utf8',
      cwd: repo,
    });
    expect(g.stderr).toMatch(/generators: 140 of 140 mutants' outcomes cached/);
    expect(g.status, g.stderr).toBe(0);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: repo });
    const summary = JSON.parse(readFileSync(join(scratch, 'out', 'differential.json'), 'utf8'));
    const examples = JSON.stringify(summary.examples, null, 1);
    expect(summary.mutants, r.stderr).toBe(7 * PER_INPUT);
    expect(summary.totals.classes['internal-error'], examples).toBe(0);
    expect(summary.totals.classes.hang, examples).toBe(0);
    expect(summary.totals.unexplained, examples).toBe(0);
    expect(r.status, r.stderr).toBe(0);
    // the mutations reach both paths: tables read the same on both sides, and inputs both reject
    expect(summary.totals.classes.same).toBeGreaterThan(0);
    expect(summary.totals.classes['both-rejected']).toBeGreaterThan(0);
    // every generator outcome came from the cache but those of pairs read with different
    // tables (explained or not), where the comparison needed the generator's entries
    const differentPairs = summary.totals.classes.different ?? 0;
    expect(summary.thisRun.generatorFromCache).toBe(2 * 7 * PER_INPUT - differentPairs);
  }, 300_000);
});
