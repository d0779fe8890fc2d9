import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { archBuild } from '../kernels/arches.js';
import { loadRecipe } from '../kernels/recipes.js';
import type { KernelSpec, RunConfig } from './config.js';

/**
 * A run config spread over other machines, as data: a TuxSuite plan that
 * builds its kernels (then measured from the downloads with
 * `{ "tuxmake": DIR }` entries), or a GitHub Actions workflow with one job
 * per kernel and a job that merges them. Renderers turn these into YAML
 * (report/plans.ts); nothing here reaches TuxSuite or GitHub.
 */

/**
 * The toolchains our builds use, in TuxMake's names: Debian bookworm's cross
 * gcc 12.2 (`gcc-12`), and clang 14.0.6 with LLVM=1 (TuxMake's `llvm-14`: its
 * `clang-14` would compile with clang but assemble and link with GNU binutils).
 */
export const TUXMAKE_TOOLCHAINS = { gcc: 'gcc-12', clang: 'llvm-14' } as const;

/** TuxMake takes a fragment inline only as CONFIG_X=y|m|n or "# CONFIG_X is not set". */
const TUXMAKE_FRAGMENT = /^(CONFIG_[A-Za-z0-9_]+=[ymn]|# CONFIG_[A-Za-z0-9_]+ is not set)$/;

/** One build of a TuxSuite plan: the fields its plan format documents for a kernel build. */
export interface TuxSuiteBuild {
  target_arch: string;
  toolchain: string;
  /** The base config first, then the fragments TuxMake adds with merge_config.sh (and make: targets). */
  kconfig: string[];
  targets: string[];
  kernel_image?: string;
}

export interface TuxSuitePlan {
  version: 1;
  name: string;
  description: string;
  jobs: { builds: TuxSuiteBuild[] }[];
}

export interface PlannedTuxSuite {
  plan: TuxSuitePlan;
  /** Per build, in plan order: the config entry it builds, and what the plan cannot say (patches). */
  entries: { id: string; notes: string[] }[];
  /** Kernels of the config the plan does not build (downloaded, or already on disk), and why. */
  skipped: { id: string; why: string }[];
}

type BuildEntry = Extract<KernelSpec, { build: unknown }>;

function isBuild(k: KernelSpec): k is BuildEntry {
  return 'build' in k;
}

function notBuilt(k: KernelSpec): string {
  if ('debian' in k) return `downloaded (Debian ${k.debian.flavour})`;
  if ('tuxmake' in k) return 'already a TuxMake build folder';
  return 'a local kernel';
}

/** The TuxSuite build for one config entry: arch, toolchain, kconfig as TuxMake takes it, targets. */
export function tuxsuiteBuild(k: BuildEntry): { build: TuxSuiteBuild; notes: string[] } {
  const arch = archBuild(k.build.arch);
  const recipe = loadRecipe(k.build.recipe);
  const r = recipe.recipe;
  const base = r.base === 'defconfig' ? arch.defconfig : r.base;
  const fragments = [...arch.fragment, ...recipe.lines];
  const odd = fragments.filter((l) => !TUXMAKE_FRAGMENT.test(l));
  if (odd.length)
    throw new UserError(
      `${k.id}: recipe ${r.name} has lines TuxMake does not take inline (only CONFIG_X=y|m|n and "# CONFIG_X is not set"): ${odd.join(', ')}`,
    );
  const compiler = k.build.compiler ?? 'gcc';
  const targets = ['config', 'debugkernel', 'kernel'];
  if (k.modules) targets.push('modules');
  const notes: string[] = [];
  if (k.build.patches?.length)
    notes.push(`the source needs ${k.build.patches.join(', ')} applied (the plan cannot carry it)`);
  if (k.build.tarball) notes.push(`built here from ${k.build.tarball}`);
  return {
    build: {
      target_arch: arch.tuxmakeArch,
      toolchain: TUXMAKE_TOOLCHAINS[compiler],
      kconfig: [base, ...(r.mod2noconfig ? ['make:mod2noconfig'] : []), ...fragments],
      targets,
      kernel_image: arch.bootImage ? basename(arch.bootImage) : undefined,
    },
    notes,
  };
}

/** A TuxSuite plan with one build per kernel the config builds from source. */
export function tuxsuitePlan(config: RunConfig): PlannedTuxSuite {
  const builds: TuxSuiteBuild[] = [];
  const entries: PlannedTuxSuite['entries'] = [];
  const skipped: PlannedTuxSuite['skipped'] = [];
  for (const k of config.kernels) {
    if (!isBuild(k)) {
      skipped.push({ id: k.id, why: notBuilt(k) });
      continue;
    }
    const t = tuxsuiteBuild(k);
    builds.push(t.build);
    entries.push({ id: k.id, notes: t.notes });
  }
  if (builds.length === 0)
    throw new UserError(`config ${config.name} builds no kernel from source: nothing to plan`);
  return {
    plan: {
      version: 1,
      name: `lineinfo-bench ${config.name}`,
      description: `The ${builds.length} kernels lineinfo-bench config ${config.name} builds (debug vmlinux, boot image, config${entries.some((_, i) => builds[i].targets.includes('modules')) ? ', modules' : ''}); measure the downloads with { "tuxmake": DIR } entries`,
      jobs: [{ builds }],
    },
    entries,
    skipped,
  };
}

/** A GitHub Actions workflow as a plain object (keys in the order they are written). */
export type Workflow = Record<string, unknown>;

export interface WorkflowOptions {
  /** The config file as the jobs name it: a path relative to the repository. */
  configFile: string;
  /** Jobs at once (strategy.max-parallel); unset: as many as GitHub gives. */
  maxParallel?: number;
  /** The job's time limit in minutes (a defconfig build on 2 cores takes 13 to 29). */
  timeoutMinutes?: number;
}

/** `kernels build` arguments that pin one config entry's build (and so its cache key). */
export function buildArgs(k: BuildEntry): string {
  const b = k.build;
  return [
    b.recipe,
    `--arch ${b.arch}`,
    `--compiler ${b.compiler ?? 'gcc'}`,
    ...(b.tarball ? [`--tarball ${b.tarball}`] : []),
    ...(b.patches?.length ? [`--patch ${b.patches.join(' ')}`] : []),
  ].join(' ');
}

const TOOL = 'node bin/lineinfo-bench.js';

/** A GitHub Actions expression, `${{ ... }}`. */
const gh = (expr: string) => `\${{ ${expr} }}`;

/** The steps that put lineinfo-bench on a fresh runner: Node, the Debian packages (to build and measure kernels), the build. */
function setupSteps(debian: boolean): unknown[] {
  return [
    { name: 'Check out', uses: 'actions/checkout@v4' },
    { name: 'Set up Node', uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
    ...(debian
      ? [{ name: 'Install Debian packages', run: 'bash scripts/setup-debian.sh --cross' }]
      : []),
    { name: 'Install and build lineinfo-bench', run: 'npm ci --no-audit --no-fund\nnpm run build' },
  ];
}

/**
 * One matrix job per kernel (`run <config> --only <id>`), its build cached
 * under the key `kernels build --print-key` prints, its run folder uploaded;
 * then one job that merges the runs and renders the reports.
 */
export function githubWorkflow(config: RunConfig, opts: WorkflowOptions): Workflow {
  const include = config.kernels.map((k) => ({ id: k.id, build: isBuild(k) ? buildArgs(k) : '' }));
  const strategy: Record<string, unknown> = { 'fail-fast': false };
  if (opts.maxParallel) strategy['max-parallel'] = opts.maxParallel;
  strategy.matrix = { include };
  return {
    name: `lineinfo-bench ${config.name}`,
    on: { workflow_dispatch: {} },
    defaults: { run: { shell: 'bash' } },
    jobs: {
      measure: {
        name: gh('matrix.id'),
        'runs-on': 'ubuntu-latest',
        // Debian bookworm: the compilers and linux-source-6.12 the build keys are made with
        container: { image: 'debian:bookworm' },
        'timeout-minutes': opts.timeoutMinutes ?? 120,
        strategy,
        steps: [
          ...setupSteps(true),
          {
            name: 'Build key',
            id: 'key',
            if: "matrix.build != ''",
            run: [
              `${TOOL} kernels build ${gh('matrix.build')} --allow-install --print-key --json > build-key.json`,
              `echo "key=$(node -p "require('./build-key.json').key")" >> "$GITHUB_OUTPUT"`,
              `echo "dir=$(node -p "require('./build-key.json').dir")" >> "$GITHUB_OUTPUT"`,
            ].join('\n'),
          },
          {
            name: 'Build cache',
            if: "matrix.build != ''",
            uses: 'actions/cache@v4',
            with: {
              path: gh('steps.key.outputs.dir'),
              key: `lineinfo-bench-build-${gh('steps.key.outputs.key')}`,
            },
          },
          {
            name: 'Measure',
            run: `${TOOL} run ${opts.configFile} --only ${gh('matrix.id')} --results runs`,
          },
          {
            name: 'Upload the run',
            if: gh('!cancelled()'),
            uses: 'actions/upload-artifact@v4',
            with: { name: `run-${gh('matrix.id')}`, path: 'runs/', 'if-no-files-found': 'error' },
          },
        ],
      },
      merge: {
        needs: 'measure',
        if: gh('!cancelled()'),
        // merging and rendering read run.json only: Node is all it needs
        'runs-on': 'ubuntu-latest',
        steps: [
          ...setupSteps(false),
          {
            name: 'Download the runs',
            uses: 'actions/download-artifact@v4',
            with: { pattern: 'run-*', path: 'parts' },
          },
          {
            name: 'Merge',
            run: `${TOOL} merge --results merged parts/*/*/ --name ${config.name}`,
          },
          {
            name: 'Reports',
            run: `${TOOL} report --results merged latest --format all --out report`,
          },
          {
            name: 'Upload the merged run and its reports',
            uses: 'actions/upload-artifact@v4',
            with: { name: `lineinfo-bench-${config.name}`, path: 'merged/\nreport/' },
          },
        ],
      },
    },
  };
}
