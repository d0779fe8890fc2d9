import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { cacheRoot } from '../kernels/cache.js';
import { checkThresholds, type Threshold } from '../measure/thresholds.js';
import { renderTerminal } from '../report/terminal.js';
import { checkOnly, loadRunConfig } from '../results/config.js';
import { executeRun } from '../results/run.js';
import { findUnfinishedRun, saveRun } from '../results/store.js';
import type { ProcessLike } from '../util/process.js';
import { RunProgress } from '../util/run-progress.js';
import { VERSION } from '../util/version.js';
import { emit, failOnOption, failOnViolations } from './options.js';

/** `lineinfo-bench run`: wiring only; the work is executeRun, the output renderTerminal. */
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
    .option('--fresh', 'start a new run even when an unfinished one of this config is there')
    .addOption(failOnOption())
    .option('--json', 'print the run as JSON instead of tables')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench run configs/default.json\n' +
        '  lineinfo-bench run configs/blocksize.json && lineinfo-bench report latest --format text\n' +
        '  lineinfo-bench run configs/multiarch.json --only x86_64-defconfig-gcc,arm64-defconfig-gcc\n' +
        '  lineinfo-bench run configs/default.json --fail-on growth>10%   # in CI: exit 1 past the limit\n' +
        '\nA config lists kernels (debian, local or build), formats, rule sets and measurements;\n' +
        'a bad key is named with its path. Kernels and builds are cached, so a rerun only\n' +
        'measures. Results go to <results>/<run-id>/run.json (raw integers) and tables.csv,\n' +
        'written atomically after every kernel; `report` renders them in every format without\n' +
        'measuring again. A run that was stopped (Ctrl-C, kill, a reboot) resumes when started\n' +
        'again with the same config: the kernels it measured are kept (--fresh starts over).\n' +
        'A kernel that fails is reported and the run goes on (exit 2 at the end).',
    )
    .action(
      async (
        configPath: string,
        opts: {
          results: string;
          only?: string;
          fresh?: boolean;
          failOn: Threshold[];
          json?: boolean;
        },
      ) => {
        const config = loadRunConfig(configPath);
        const only = opts.only !== undefined ? checkOnly(config, opts.only, configPath) : undefined;
        const progress = new RunProgress(proc.stderr);
        const results = resolve(proc.cwd(), opts.results);
        const resume = opts.fresh ? undefined : findUnfinishedRun(results, config, only, VERSION);
        if (resume)
          proc.stderr.write(
            `resuming ${join(opts.results, resume.runId)}: ${resume.kernels.length} kernels measured before are kept (--fresh starts over)\n`,
          );
        const run = await executeRun(config, {
          configFile: configPath,
          only,
          resume,
          cache: cacheRoot(proc.env),
          onProgress: (t, position) => progress.update(t, position),
          // saved after every kernel: an interrupted run keeps what it measured
          onKernelDone: (partial) => saveRun(results, partial),
        });
        progress.done();
        saveRun(results, run);
        emit(proc, opts.json, run, () => renderTerminal(run));
        proc.stdout.write(`\nsaved ${join(opts.results, run.runId)} (run.json, tables.csv)\n`);
        for (const f of run.failures) proc.stderr.write(`error: ${f.id}: ${f.error}\n`);
        if (run.failures.length) {
          setExit(2);
          return;
        }
        failOnViolations(
          checkThresholds(
            run.kernels.map((k) => ({ id: k.id, tables: k.measure.tables })),
            opts.failOn,
          ),
        );
        setExit(0);
      },
    );
}
