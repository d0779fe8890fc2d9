import type { Command } from 'commander';
import { cacheRoot } from '../kernels/cache.js';
import { parseKernelSpec, resolveKernel } from '../kernels/resolve.js';
import { measureHistoryFile } from '../measure/history.js';
import { renderHistory } from '../report/history.js';
import { type ProcessLike, Progress } from '../util/process.js';
import { baseOption, buildRootOption, emit, wholeNumber } from './options.js';

/** The command line as a user would type it again (the spec and the options given). */
function commandLine(
  spec: string,
  opts: { agree: number; seed: number; buildRoot?: string[]; base?: string | bigint },
) {
  // the spec first: --build-root takes every word after it
  const parts = ['lineinfo-bench history', spec];
  if (opts.agree !== 2000) parts.push(`--agree ${opts.agree}`);
  if (opts.seed !== 1) parts.push(`--seed ${opts.seed}`);
  if (opts.base !== undefined)
    parts.push(
      `--base ${typeof opts.base === 'bigint' ? `0x${opts.base.toString(16)}` : opts.base}`,
    );
  if (opts.buildRoot?.length) parts.push(`--build-root ${opts.buildRoot.join(' ')}`);
  return parts.join(' ');
}

/** `lineinfo-bench history`: wiring only; the work is measureHistory, the output renderHistory. */
export function registerHistoryCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('history')
    .description(
      "every revision of the series on one kernel, in order: entries, files, bytes, growth, agreement through each revision's own lookup, and what changed from the revision before, by cause",
    )
    .argument(
      '<kernel>',
      'a vmlinux; a kernel build directory; or debian:FLAVOUR[@VERSION], e.g. debian:cloud-arm64@6.1.192-2',
    )
    .option(
      '--agree <samples>',
      'addresses inside functions to compare with addr2line and llvm-symbolizer (0: none)',
      wholeNumber('--agree'),
      2000,
    )
    .option('--seed <n>', 'seed for the sampled addresses', wholeNumber('--seed'), 1)
    .addOption(buildRootOption())
    .option('--json', 'print the result as JSON (raw integers)')
    .addOption(baseOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench history debian:cloud-arm64@6.1.192-2\n' +
        '  lineinfo-bench history --agree 5000 --json ~/linux/build > history.json\n' +
        '\nLookups: v1-v4 a floor search over the whole table, an answer from an entry at or past\n' +
        '_etext counted wrong (stale after the final link); v5 and v6 a floor search over the\n' +
        "capped table; newest a floor search that gives nothing below the address's function start.",
    )
    .action(
      async (
        spec: string,
        opts: {
          agree: number;
          seed: number;
          buildRoot?: string[];
          base?: string | bigint;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const kernel = await resolveKernel(parseKernelSpec(spec), {
          cache: cacheRoot(proc.env),
          onProgress: (t) => progress.update(t),
        });
        const result = measureHistoryFile(kernel, {
          agreeSamples: opts.agree,
          seed: opts.seed,
          buildRoots: opts.buildRoot,
          base: opts.base,
          command: commandLine(spec, opts),
          onProgress: (t) => progress.update(t),
        });
        progress.done();
        emit(proc, opts.json, result, () => renderHistory(result));
        setExit(0);
      },
    );
}
