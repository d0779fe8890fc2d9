import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseFormat } from '../encodings/registry.js';
import type { Format } from '../encodings/types.js';
import { UserError } from '../errors.js';
import { commonDir, resolveKernel } from '../kernels/resolve.js';
import type { Kernel } from '../kernels/types.js';
import { parseBase } from '../lineinfo/base-spec.js';
import { KernelTables, type MeasureResult, measureKernel } from '../measure/kernel.js';
import { kernelLatency } from '../measure/kernel-latency.js';
import {
  compactModuleSet,
  type ModuleSetResult,
  measureModuleSet,
  upstreamVmlinuxSize,
  vmlinuxLayoutFor,
} from '../measure/modules.js';
import { bar } from '../util/process.js';
import type { RunPosition } from '../util/run-progress.js';
import { type ToolCommit, toolCommit, VERSION } from '../util/version.js';
import { mainRules, type RunConfig } from './config.js';
import { type KernelResult, RESULTS_SCHEMA_VERSION, type RunResult } from './schema.js';
import { newRunId } from './store.js';

/** A kernel's .ko files as `modules` measures them, compacted for run.json. */
async function measureRunModules(
  kernel: Kernel,
  kt: KernelTables,
  rules: string,
  measured: MeasureResult,
  say: (t: string) => void,
): Promise<ModuleSetResult> {
  if (kernel.modules.length === 0)
    throw new UserError('no .ko files found for this kernel', dirname(kernel.vmlinux));
  const root = commonDir(kernel.modules);
  const upstream = vmlinuxLayoutFor(rules);
  const measuredTable = measured.tables.find((t) => t.rules === rules && t.format === upstream);
  const r = await measureModuleSet({
    source: root,
    paths: kernel.modules,
    root,
    vmlinux: kernel.vmlinux,
    // vmlinux's blocks of 64 as the run measured them, or encoded from the run's own extraction
    vmlinuxMeasured: measuredTable
      ? { entries: measuredTable.entries, bytes: measuredTable.total }
      : upstreamVmlinuxSize(kt.extract(rules).table, kt.elf.littleEndian, rules),
    rules,
    onProgress: (done, total) => say(`modules ${bar(done, total, 10)}`),
  });
  return compactModuleSet(r);
}

export interface RunOptions {
  /** The config's path as given, so reports can say how to run it again. */
  configFile?: string;
  /** Measure only these kernels of the config (`run --only`; checked by checkOnly). */
  only?: string[];
  cache: string;
  /** Each step's text, and where the run stands (for a status line with an estimate). */
  onProgress?: (t: string, position?: RunPosition) => void;
  now?: () => Date;
  /** Called after each kernel with the run so far (finishedAt still empty): save it, so an interrupted run keeps what it measured. */
  onKernelDone?: (run: RunResult) => void;
  /** An unfinished run of the same config (findUnfinishedRun): its measured kernels are kept, not measured again. */
  resume?: RunResult;
  /** The code's commit to record (default: the checkout's, toolCommit); null records none. */
  commit?: ToolCommit | null;
}

/** A new run record, before any kernel is measured. */
function newRun(
  config: RunConfig,
  options: RunOptions,
  started: Date,
  commit: ToolCommit | undefined,
): RunResult {
  return {
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
    tool: { name: 'lineinfo-bench', version: VERSION, node: process.version, ...commit },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '?',
      memoryBytes: totalmem(),
      loadAverage: loadavg(),
    },
    kernels: [],
    failures: [],
  };
}

type KernelEntry = RunConfig['kernels'][number];

/** One kernel of a config: obtained, then measured with its tables extracted once per rule set. */
async function measureRunKernel(
  spec: KernelEntry,
  config: RunConfig,
  formats: Format[],
  cache: string,
  say: (t: string) => void,
): Promise<KernelResult> {
  const kernel = await resolveKernel(spec, {
    cache,
    allowInstall: config.allowInstall,
    onProgress: say,
  });
  const base = 'local' in spec && spec.base !== undefined ? parseBase(spec.base) : undefined;
  const kt = KernelTables.open(kernel.vmlinux, { base, buildRoots: kernel.buildRoots });
  try {
    const rules = mainRules(config);
    const measure = measureKernel(kernel, kt, {
      formats,
      rules: config.rules,
      agreeSamples: config.measure.agreement,
      seed: config.seed,
      verifySamples: config.measure.verifySamples,
      onProgress: say,
    });
    const lat = config.measure.latency;
    const latency = lat
      ? kernelLatency(kt, {
          formats,
          rules,
          sets: lat.sets,
          modes: lat.modes,
          addresses: lat.addresses,
          seed: config.seed,
          onProgress: say,
        })
      : undefined;
    // a module problem leaves the kernel's own figures standing
    let modules: ModuleSetResult | undefined;
    let modulesError: string | undefined;
    if (spec.modules) {
      try {
        modules = await measureRunModules(kernel, kt, rules, measure, say);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        modulesError = e.line();
      }
    }
    return {
      id: spec.id,
      provenance: kernel.provenance,
      extractions: kt.extractions,
      measure,
      latency,
      modules,
      modulesError,
    };
  } finally {
    kt.close();
  }
}

/**
 * A kernel measured by a resumed run at other code than the run started at:
 * named under tool.resumedAt, so every figure's code is known.
 */
function noteResumedAt(run: RunResult, commit: ToolCommit | undefined, kernel: string): void {
  const same = (c: { commit?: string; dirty?: boolean }) =>
    c.commit === commit?.commit && (c.dirty ?? false) === (commit?.dirty ?? false);
  if (same(run.tool)) return;
  const at = commit ?? { commit: 'unknown', dirty: false };
  const entry = run.tool.resumedAt?.find((r) => r.commit === at.commit && r.dirty === at.dirty);
  if (entry) entry.kernels.push(kernel);
  else run.tool.resumedAt = [...(run.tool.resumedAt ?? []), { ...at, kernels: [kernel] }];
}

/**
 * Runs a config end to end: each kernel is obtained and measured; a kernel
 * that fails is recorded with its cause and the run goes on. Resuming an
 * unfinished run keeps the kernels it measured and tries the rest again.
 */
export async function executeRun(config: RunConfig, options: RunOptions): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const formats = config.formats.map(parseFormat);
  const commit = options.commit === null ? undefined : (options.commit ?? toolCommit());
  const run: RunResult = options.resume
    ? {
        ...options.resume,
        tool: { ...options.resume.tool },
        kernels: [...options.resume.kernels],
        failures: [],
      }
    : newRun(config, options, now(), commit);
  const say = options.onProgress ?? (() => {});
  const specs = options.only
    ? config.kernels.filter((k) => options.only!.includes(k.id))
    : config.kernels;
  const measured = new Set(run.kernels.map((k) => k.id));
  if (measured.size)
    say(`resuming ${run.runId}: ${measured.size} of ${specs.length} kernels measured before`);
  let done = specs.filter((s) => measured.has(s.id)).length;
  for (const [i, spec] of specs.entries()) {
    if (measured.has(spec.id)) continue;
    const tag = `${bar(i, specs.length, 10)} ${spec.id}`;
    const step = (t: string) =>
      say(`${tag}: ${t}`, { done, total: specs.length, kernel: spec.id, step: t });
    try {
      run.kernels.push(await measureRunKernel(spec, config, formats, options.cache, step));
      if (options.resume) noteResumedAt(run, commit, spec.id);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      run.failures.push({ id: spec.id, error: e.line() });
    }
    done++;
    options.onKernelDone?.(run);
  }
  // a resumed run measured in another order: the config's order again
  const order = new Map(specs.map((k, i) => [k.id, i]));
  run.kernels.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  run.finishedAt = now().toISOString();
  return run;
}
