import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { renderDiff } from '../report/diff.js';
import { REPORTERS, reporter } from '../report/reporter.js';
import { diffRuns, KEY_FIELDS, type KeyField } from '../results/diff.js';
import { mergeRuns } from '../results/merge.js';
import { loadRun, saveRun } from '../results/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ProcessLike } from '../util/process.js';

/** `lineinfo-bench report` and `lineinfo-bench diff`: render saved results, never measure. */
export function registerReportCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('report')
    .description(
      'render a saved run in one or all formats (terminal, text, rst, markdown, csv, json, html)',
    )
    .argument('<run>', 'a run id, a prefix of one, "latest", or a run directory')
    .option('--format <id>', `one of: ${REPORTERS.map((r) => r.id).join(', ')}, or all`, 'terminal')
    .option('--out <path>', 'write to this file (one format) or directory (all) instead of stdout')
    .option('--results <dir>', 'where runs are saved', 'results/runs')
    .option(
      '--detail',
      "text: after a run's table of several kernels, each kernel's figures (before/after, savings, growth, modules)",
    )
    .addHelpText(
      'after',
      `\nFormats:\n${REPORTERS.map((r) => `  ${r.id.padEnd(10)}${r.description}`).join('\n')}\n` +
        '\nExamples:\n  lineinfo-bench report latest\n  lineinfo-bench report latest --format text     # paste into a mail\n' +
        '  lineinfo-bench report latest --format text --detail   # and each kernel after the table\n' +
        '  lineinfo-bench report latest --format all --out report/',
    )
    .action(
      (ref: string, opts: { format: string; out?: string; results: string; detail?: boolean }) => {
        const run = loadRun(ref, resolve(proc.cwd(), opts.results));
        const options = { detail: Boolean(opts.detail) };
        if (opts.format === 'all') {
          const dir = opts.out ?? join('report', run.runId);
          for (const r of REPORTERS)
            writeFileAtomic(
              join(resolve(proc.cwd(), dir), `${run.config.name}.${r.extension}`),
              r.render(run, options),
            );
          proc.stdout.write(`wrote ${REPORTERS.length} reports to ${dir}\n`);
        } else {
          const r = reporter(opts.format);
          if (!r)
            throw new UserError(
              `--format ${opts.format}: unknown (known: ${REPORTERS.map((x) => x.id).join(', ')}, all)`,
            );
          const text = r.render(run, options);
          if (opts.out) {
            writeFileAtomic(resolve(proc.cwd(), opts.out), text);
            proc.stdout.write(`wrote ${opts.out}\n`);
          } else proc.stdout.write(text);
        }
        setExit(0);
      },
    );

  program
    .command('merge')
    .description('merge runs measured apart (one kernel per job, several machines) into one run')
    .argument('<runs...>', 'run ids, prefixes or run directories')
    .requiredOption('--name <name>', "the merged run's config name")
    .option('--results <dir>', 'where runs are saved', 'results/runs')
    .addHelpText(
      'after',
      '\nSee docs/scaling.md. Example:\n  lineinfo-bench merge out/*/ --name multiarch && lineinfo-bench report latest --format all',
    )
    .action((refs: string[], opts: { name: string; results: string }) => {
      const dir = resolve(proc.cwd(), opts.results);
      const merged = mergeRuns(
        refs.map((r) => loadRun(r, dir)),
        opts.name,
      );
      saveRun(dir, merged);
      proc.stdout.write(
        `merged ${refs.length} runs (${merged.kernels.length} kernels, ${merged.failures.length} failed) into ${join(opts.results, merged.runId)}\n`,
      );
      setExit(0);
    });

  program
    .command('diff')
    .description('bloat-o-meter style deltas between two saved runs, sorted by delta')
    .argument('<before>', 'a run id, prefix, "latest" or run directory')
    .argument('<after>', 'the same for the other run')
    .option(
      '--key <fields>',
      `what identifies a table across runs: ${KEY_FIELDS.join(',')}`,
      'kernel,rules,format',
    )
    .option('--by-bucket', 'one row per bucket (index, data, ...) instead of per table')
    .option('--results <dir>', 'where runs are saved', 'results/runs')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench diff 2026-11-20 latest\n' +
        '  lineinfo-bench diff runA runB --key kernel,rules   # two block sizes: ignore the format name',
    )
    .action((a: string, b: string, opts: { key: string; byBucket?: boolean; results: string }) => {
      const dir = resolve(proc.cwd(), opts.results);
      const key = opts.key.split(',').filter(Boolean) as KeyField[];
      for (const k of key)
        if (!KEY_FIELDS.includes(k))
          throw new UserError(`--key ${k}: not one of ${KEY_FIELDS.join(', ')}`);
      proc.stdout.write(
        renderDiff(diffRuns(loadRun(a, dir), loadRun(b, dir), key, Boolean(opts.byBucket))),
      );
      setExit(0);
    });
}
