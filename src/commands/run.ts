import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { blocksFormat } from '../encodings/blocks.js';
import { UserError } from '../errors.js';
import { resolveBuild, runBuild } from '../kernels/build.js';
import { cacheRoot } from '../kernels/cache.js';
import { DebianSource } from '../kernels/debian.js';
import { describeLocal } from '../kernels/local.js';
import type { Kernel } from '../kernels/types.js';
import {
  commonDir,
  compactModuleSet,
  type ModuleSetResult,
  measureModuleSet,
} from '../measure/modules.js';
import { renderTerminal } from '../report/terminal.js';
import { checkOnly, type KernelSpec, loadRunConfig, type RunConfig } from '../results/config.js';
import { RESULTS_SCHEMA_VERSION, type RunResult } from '../results/schema.js';
import { newRunId, saveRun } from '../results/store.js';
import { bar, type ProcessLike, Progress } from '../util/process.js';
import { latencyFile } from './latency.js';
import { type MeasureResult, measureKernel } from './measure.js';
import { parseBase } from './options.js';

export const VERSION = '0.1.0';

/** Gets one kernel of a config: downloaded, found or built (cached in every case). */
async function obtain(
  spec: KernelSpec,
  config: RunConfig,
  cache: string,
  onProgress: (t: string) => void,
): Promise<Kernel> {
  const modules = spec.modules ?? false;
  if ('debian' in spec) {
    return new DebianSource({ ...spec.debian, image: true, modules }, cache).get(onProgress);
  }
  if ('local' in spec) return describeLocal({ path: spec.local, modules });
  const b = await resolveBuild(
    {
      source: { kind: 'tarball', tarball: spec.build.tarball, patches: spec.build.patches },
      arch: spec.build.arch,
      recipe: spec.build.recipe,
      compiler: spec.build.compiler,
    },
    { cache, allowInstall: config.allowInstall, onProgress },
  );
  if (modules && !b.recipe.recipe.modules)
    throw new UserError(
      `kernel ${spec.id} asks for modules, but recipe ${spec.build.recipe} builds none (use a recipe with "modules": true)`,
    );
  const r = await runBuild(b, { cache, allowInstall: config.allowInstall, onProgress });
  if (!r.kernel) {
    throw new UserError(
      `build ${b.label} ${r.status}: ${r.error ?? ''}${r.logTail?.length ? `\n  ${r.logTail.join('\n  ')}` : ''}`,
    );
  }
  return r.kernel;
}

/** A kernel's .ko files as `modules` measures them, compacted for run.json. */
async function measureRunModules(
  kernel: Kernel,
  rules: string,
  base: string | bigint | undefined,
  measured: MeasureResult,
  say: (t: string) => void,
): Promise<ModuleSetResult> {
  if (kernel.modules.length === 0)
    throw new UserError('no .ko files found for this kernel', dirname(kernel.vmlinux));
  const root = commonDir(kernel.modules);
  const upstreamTable = measured.tables.find(
    (t) => t.rules === rules && t.format === blocksFormat(64, 'sleb').id,
  );
  const r = await measureModuleSet({
    source: root,
    paths: kernel.modules,
    root,
    vmlinux: kernel.vmlinux,
    vmlinuxBase: base,
    // the run measured vmlinux's blocks of 64 already when its formats have them
    vmlinuxMeasured: upstreamTable
      ? { entries: upstreamTable.entries, bytes: upstreamTable.total }
      : undefined,
    rules,
    onProgress: (done, total) => say(`modules ${bar(done, total, 10)}`),
  });
  return compactModuleSet(r);
}

/**
 * Runs a config end to end: each kernel is obtained and measured; a kernel
 * that fails is recorded with its cause and the run goes on.
 */
export async function executeRun(
  config: RunConfig,
  options: {
    /** The config's path as given, so reports can say how to run it again. */
    configFile?: string;
    /** Measure only these kernels of the config (`run --only`; checked by checkOnly). */
    only?: string[];
    cache: string;
    onProgress?: (t: string) => void;
    now?: () => Date;
    /** Called after each kernel with the run so far (finishedAt still empty): save it, so an interrupted run keeps what it measured. */
    onKernelDone?: (run: RunResult) => void;
  },
): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    // jobs of one matrix run side by side: a subset names its kernel, so ids do not collide
    runId: newRunId(
      options.only
        ? `${config.name}-${options.only.length === 1 ? options.only[0] : `${options.only.length}-kernels`}`
        : config.name,
      started,
    ),
    config,
    configFile: options.configFile,
    only: options.only,
    startedAt: started.toISOString(),
    finishedAt: '',
    tool: { name: 'lineinfo-bench', version: VERSION, node: process.version },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '?',
      memoryBytes: totalmem(),
      loadAverage: loadavg(),
    },
    kernels: [],
    failures: [],
  };
  const say = options.onProgress ?? (() => {});
  const specs = options.only
    ? config.kernels.filter((k) => options.only!.includes(k.id))
    : config.kernels;
  for (const [i, spec] of specs.entries()) {
    const tag = `${bar(i, specs.length, 10)} ${spec.id}`;
    try {
      const kernel = await obtain(spec, config, options.cache, (t) => say(`${tag}: ${t}`));
      const base = 'local' in spec && spec.base !== undefined ? parseBase(spec.base) : undefined;
      const measure = measureKernel(kernel, {
        formats: config.formats,
        rules: config.rules,
        agreeSamples: config.measure.agreement,
        seed: config.seed,
        verifySamples: config.measure.verifySamples,
        base,
        onProgress: (t) => say(`${tag}: ${t}`),
      });
      const lat = config.measure.latency;
      const latency = lat
        ? latencyFile(kernel.vmlinux, {
            format: config.formats.join(','),
            rules: config.rules[0],
            sets: lat.sets,
            modes: lat.modes,
            addresses: lat.addresses,
            seed: config.seed,
            base,
            onProgress: (t) => say(`${tag}: ${t}`),
          })
        : undefined;
      // a module problem leaves the kernel's own figures standing
      let modules: ModuleSetResult | undefined;
      let modulesError: string | undefined;
      if (spec.modules) {
        try {
          modules = await measureRunModules(kernel, config.rules[0], base, measure, (t) =>
            say(`${tag}: ${t}`),
          );
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          modulesError = e.line();
        }
      }
      run.kernels.push({
        id: spec.id,
        provenance: kernel.provenance,
        measure,
        latency,
        modules,
        modulesError,
      });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      run.failures.push({ id: spec.id, error: e.line() });
    }
    options.onKernelDone?.(run);
  }
  run.finishedAt = now().toISOString();
  return run;
}

/** `lineinfo-bench run`: wiring only. */
export function registerRunCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('run')
    .description(
      'run an experiment matrix end to end: get the kernels, measure them, save the results',
    )
    .argument('<config>', 'a matrix file, e.g. configs/default.json')
    .option('--results <dir>', 'where runs are saved (one directory per run)', 'results/runs')
    .option(
      '--only <ids>',
      'measure only these kernels of the config (comma-separated ids), e.g. to reproduce one row of a report',
    )
    .option('--json', 'print the run as JSON instead of tables')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench run configs/default.json\n' +
        '  lineinfo-bench run configs/blocksize.json && lineinfo-bench report latest --format text\n' +
        '  lineinfo-bench run configs/multiarch.json --only x86_64-defconfig-gcc,arm64-defconfig-gcc\n' +
        '\nA config lists kernels (debian, local or build), formats, rule sets and measurements;\n' +
        'a bad key is named with its path. Kernels and builds are cached, so a rerun only\n' +
        'measures. Results go to <results>/<run-id>/run.json (raw integers) and tables.csv,\n' +
        'written atomically; `report` renders them in every format without measuring again.\n' +
        'A kernel that fails is reported and the run goes on (exit 2 at the end).',
    )
    .action(
      async (configPath: string, opts: { results: string; only?: string; json?: boolean }) => {
        const config = loadRunConfig(configPath);
        const only = opts.only !== undefined ? checkOnly(config, opts.only, configPath) : undefined;
        const progress = new Progress(proc.stderr);
        const results = resolve(proc.cwd(), opts.results);
        const run = await executeRun(config, {
          configFile: configPath,
          only,
          cache: cacheRoot(proc.env),
          onProgress: (t) => progress.update(t),
          // saved after every kernel: an interrupted run keeps what it measured
          onKernelDone: (partial) => saveRun(results, partial),
        });
        progress.done();
        saveRun(results, run);
        proc.stdout.write(opts.json ? `${JSON.stringify(run, null, 1)}\n` : renderTerminal(run));
        proc.stdout.write(`\nsaved ${join(opts.results, run.runId)} (run.json, tables.csv)\n`);
        for (const f of run.failures) proc.stderr.write(`error: ${f.id}: ${f.error}\n`);
        setExit(run.failures.length ? 2 : 0);
      },
    );
}
