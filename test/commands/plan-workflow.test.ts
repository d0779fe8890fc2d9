import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveBuild, runBuild } from '../../src/kernels/build.js';
import { cacheRoot, readDone } from '../../src/kernels/cache.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

/**
 * The workflow `plan github-actions` writes, run here job by job: each matrix
 * job's steps in order in a workspace of its own (the checkout), their
 * shell steps through bash as the runner would (`bash -eo pipefail`, with
 * $GITHUB_OUTPUT), `${{ }}` expressions filled in from the matrix and the
 * steps' outputs; actions/cache checked against the key step, artifacts
 * uploaded and downloaded as folders; then the merge job. Its merged run must
 * equal the one-machine run of the same config, timings aside.
 *
 * Of the setup steps, the Debian packages and npm ci are what this machine
 * has done already (scripts/test.sh runs both before the tests); the build
 * is done here, tsc into a scratch folder, so the jobs run the tool of this
 * very src/ and dist/ is left alone.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = scratchDir('plan-workflow');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CONFIG = 'two-kernels.json';

/** The tool as `npm run build` makes it, built from this src/ into a scratch folder. */
const tool = join(root, 'tool');

function buildTool(): void {
  mkdirSync(tool, { recursive: true });
  execFileSync(join(repo, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(repo, 'tsconfig.json'),
    '--outDir',
    join(tool, 'dist'),
  ]);
  cpSync(join(repo, 'bin'), join(tool, 'bin'), { recursive: true });
  // what dist/ finds beside it: the recipes, package.json (the version), the dashboard script
  for (const f of ['node_modules', 'configs', 'src', 'package.json'])
    symlinkSync(join(repo, f), join(tool, f));
}

/** A checkout: the repository's files the jobs use, linked (bin/ and dist/ the scratch build's). */
function workspace(name: string): string {
  const ws = join(root, name);
  mkdirSync(ws, { recursive: true });
  for (const f of ['bin', 'dist']) symlinkSync(join(tool, f), join(ws, f));
  for (const f of ['node_modules', 'configs', 'scripts', 'package.json'])
    symlinkSync(join(repo, f), join(ws, f));
  cpSync(join(root, CONFIG), join(ws, CONFIG));
  return ws;
}

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}

/** Fills in ${{ matrix.X }} and ${{ steps.ID.outputs.X }}; anything else is a test failure. */
function expand(
  text: string,
  matrix: Record<string, string>,
  outputs: Record<string, Record<string, string>>,
): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => {
    let m = /^matrix\.([\w-]+)$/.exec(e);
    if (m) return matrix[m[1]] ?? '';
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
    if (m) return outputs[m[1]]?.[m[2]] ?? '';
    throw new Error(`expression not handled here: ${e}`);
  });
}

/** The `if:` forms the workflow uses. */
function condition(cond: string | undefined, matrix: Record<string, string>): boolean {
  if (cond === undefined) return true;
  const c = cond.replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  if (c === '!cancelled()') return true;
  const m = /^matrix\.([\w-]+) != ''$/.exec(c);
  if (m) return (matrix[m[1]] ?? '') !== '';
  throw new Error(`condition not handled here: ${cond}`);
}

/** Done before the jobs: the packages by scripts/test.sh, npm ci and the build by it and buildTool(). */
const SETUP = ['Install Debian packages', 'Install and build lineinfo-bench'];
const artifacts = join(root, 'artifacts');
const caches: { key: string; path: string }[] = [];

/** Runs one job's steps in its own workspace; returns the workspace. */
function runJob(name: string, steps: Step[], matrix: Record<string, string>): string {
  const ws = workspace(name);
  const outputs: Record<string, Record<string, string>> = {};
  for (const s of steps) {
    if (!condition(s.if, matrix)) continue;
    const w = Object.fromEntries(
      Object.entries(s.with ?? {}).map(([k, v]) => [k, expand(String(v), matrix, outputs)]),
    );
    if (s.uses?.startsWith('actions/checkout@') || s.uses?.startsWith('actions/setup-node@'))
      continue;
    if (s.uses?.startsWith('actions/cache@')) {
      caches.push({ key: w.key, path: w.path });
      continue;
    }
    if (s.uses?.startsWith('actions/upload-artifact@')) {
      for (const p of w.path.split('\n').filter(Boolean))
        cpSync(join(ws, p), join(artifacts, w.name, p.replace(/\/$/, '').split('/').at(-1)!), {
          recursive: true,
        });
      continue;
    }
    if (s.uses?.startsWith('actions/download-artifact@')) {
      const pattern = new RegExp(`^${w.pattern.replace(/\*/g, '.*')}$`);
      // an upload of runs/ holds runs/'s contents; each artifact lands in <path>/<name>/
      for (const a of readdirSync(artifacts).filter((a) => pattern.test(a)))
        cpSync(join(artifacts, a, 'runs'), join(ws, w.path, a), { recursive: true });
      continue;
    }
    if (s.uses) throw new Error(`action not handled here: ${s.uses}`);
    if (s.name && SETUP.includes(s.name)) continue;
    const out = join(ws, `.github-output-${s.id ?? 'step'}`);
    writeFileSync(out, '');
    const r = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(s.run!, matrix, outputs)],
      {
        cwd: ws,
        env: { ...process.env, GITHUB_OUTPUT: out, LINEINFO_BENCH_CACHE: cacheRoot() },
        encoding: 'utf8',
      },
    );
    if (r.status !== 0)
      throw new Error(`${name}: step ${s.name} failed (exit ${r.status}):\n${r.stderr}`);
    if (s.id)
      outputs[s.id] = Object.fromEntries(
        readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
  }
  return ws;
}

/** A run.json without what differs between any two runs: ids, times, the machine. */
function figures(runFile: string): unknown {
  const run = JSON.parse(readFileSync(runFile, 'utf8'));
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !/Ms$/.test(k))
          .map(([k, x]) => [k, strip(x)]),
      );
    return v;
  };
  const { runId, startedAt, finishedAt, machine, ...rest } = run;
  expect(runId && startedAt && finishedAt && machine).toBeTruthy();
  return strip(rest);
}

const onlyRun = (dir: string) => {
  const ids = readdirSync(dir);
  expect(ids).toHaveLength(1);
  return join(dir, ids[0], 'run.json');
};

let workflow: {
  jobs: {
    measure: { strategy: { matrix: { include: Record<string, string>[] } }; steps: Step[] };
    merge: { steps: Step[] };
  };
};
let keyOfBuild: string;
let dirOfBuild: string;

beforeAll(async () => {
  buildTool();
  // the build entry's kernel, built (or found) in the real cache the jobs share
  const cache = cacheRoot();
  const b = await resolveBuild(
    { source: { kind: 'tarball' }, arch: 'arm64', recipe: 'tinyconfig-dwarf5', compiler: 'gcc' },
    { cache },
  );
  const r = await runBuild(b, { cache, makeJobs: 2 });
  if (!r.kernel) throw new Error(`arm64 build failed: ${r.error}`);
  keyOfBuild = b.key;
  dirOfBuild = b.dir;
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(
    join(root, CONFIG),
    JSON.stringify({
      name: 'two-kernels',
      kernels: [
        {
          id: 'arm64-tiny',
          build: { arch: 'arm64', recipe: 'tinyconfig-dwarf5', compiler: 'gcc' },
        },
        { id: 'fixture', local: buildFixture('gcc-dwarf5'), base: '0' },
      ],
      formats: ['flat', 'blocks:64'],
      rules: ['newest', 'v1-v4'],
      seed: 7,
      measure: { verifySamples: 2000 },
    }),
  );
  const ws = workspace('plan');
  execFileSync(
    'node',
    ['bin/lineinfo-bench.js', 'plan', 'github-actions', CONFIG, '--out', 'wf.yml'],
    {
      cwd: ws,
      stdio: 'pipe',
    },
  );
  workflow = parse(readFileSync(join(ws, 'wf.yml'), 'utf8'));
}, 1_200_000);

describe('the GitHub Actions workflow, its jobs run one after another here', () => {
  it('two matrix jobs and the merge job give the run one machine gives, figure for figure', () => {
    const include = workflow.jobs.measure.strategy.matrix.include;
    expect(include).toEqual([
      { id: 'arm64-tiny', build: 'tinyconfig-dwarf5 --arch arm64 --compiler gcc' },
      { id: 'fixture', build: '' },
    ]);
    // the setup steps this machine has done already are the ones skipped
    const steps = workflow.jobs.measure.steps;
    expect(steps.filter((s) => s.name && SETUP.includes(s.name)).map((s) => s.run)).toEqual([
      'bash scripts/setup-debian.sh --cross',
      'npm ci --no-audit --no-fund\nnpm run build',
    ]);
    for (const m of include) runJob(`job-${m.id}`, steps, m);
    // the build job's cache step: the key --print-key prints, on the build's own directory
    expect(caches).toEqual([{ key: `lineinfo-bench-build-${keyOfBuild}`, path: dirOfBuild }]);
    expect(readDone(dirOfBuild)).toBeDefined();
    expect(readdirSync(artifacts).sort()).toEqual(['run-arm64-tiny', 'run-fixture']);

    const merged = runJob('merge', workflow.jobs.merge.steps, {});
    const mergedRun = onlyRun(join(merged, 'merged'));
    const reports = readdirSync(join(artifacts, 'lineinfo-bench-two-kernels', 'report'));
    expect(reports.length).toBeGreaterThan(3);

    // the same config on one machine
    const one = workspace('one-machine');
    execFileSync('node', ['bin/lineinfo-bench.js', 'run', CONFIG, '--results', 'one'], {
      cwd: one,
      stdio: 'pipe',
      env: { ...process.env, LINEINFO_BENCH_CACHE: cacheRoot() },
    });
    const oneRun = onlyRun(join(one, 'one'));
    const a = figures(mergedRun) as {
      kernels: { id: string; measure: { tables: unknown[] } }[];
      failures: unknown[];
    };
    const b = figures(oneRun) as typeof a;
    expect(a.kernels.map((k) => k.id)).toEqual(['arm64-tiny', 'fixture']);
    expect(a.failures).toEqual([]);
    expect(a.kernels[0].measure.tables.length).toBe(4);
    expect(a).toEqual(b);
  }, 900_000);
});
