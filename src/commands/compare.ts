import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { parseFormat } from '../encodings/registry.js';
import { UserError } from '../errors.js';
import { COMPARE_RENDERERS, compareRenderer } from '../report/compare.js';
import { COMPARE_METRICS, type CompareMetric, compare } from '../report/compare-model.js';
import { mainRules } from '../results/config.js';
import { loadRun } from '../results/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toJson } from '../util/json.js';
import type { ProcessLike } from '../util/process.js';
import { commaList, emit } from './options.js';

/** A list option of one value (both sides) or two (before, after). */
function pair(name: string, v: string | undefined): string[] {
  const list = v === undefined ? [] : commaList(v);
  if (list.length > 2)
    throw new UserError(`${name} ${v}: one value (both sides) or two (before,after)`);
  return list;
}

/** A format as the run records it (blocks:64 is saved as blocks:64:sleb); a name the tool no longer parses stays as given. */
function formatId(spec: string): string {
  try {
    return parseFormat(spec).id;
  } catch (e) {
    if (e instanceof UserError) return spec;
    throw e;
  }
}

/** `lineinfo-bench compare`: two rule sets, two formats or two runs side by side per kernel. */
export function registerCompareCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('compare')
    .description(
      'two rule sets, two formats or two runs side by side per kernel: before, after, delta and percent, sorted by delta, with a total',
    )
    .argument('<run>', 'a run id, a prefix of one, "latest", or a run directory')
    .argument(
      '[other]',
      'a second run: compare the two runs (the same rules and format on each side)',
    )
    .option(
      '--rules <a[,b]>',
      "rule sets: two to compare them, one for both sides (default: the run's first)",
    )
    .option(
      '--formats <a[,b]>',
      "table formats: two to compare them, one for both sides (default: each rule set's upstream table, the revision's blocks of 64)",
    )
    .addOption(
      new Option(
        '--metric <metric>',
        'what is compared: table bytes, bytes per entry, entries or growth of a base',
      )
        .choices([...COMPARE_METRICS])
        .default('bytes'),
    )
    .addOption(
      new Option('--format <id>', 'output format')
        .choices(COMPARE_RENDERERS.map((r) => r.id))
        .default('terminal'),
    )
    .option('--out <path>', 'write to this file instead of stdout')
    .option('--json', 'print the comparison as JSON instead')
    .option('--results <dir>', 'where runs are saved', 'results/runs')
    .addHelpText(
      'after',
      `\nFormats:\n${COMPARE_RENDERERS.map((r) => `  ${r.id.padEnd(10)}${r.description}`).join('\n')}\n` +
        "\nMetrics: bytes (the table's total), bpe ((index + data) / entries), entries,\n" +
        'growth.loaded / growth.image / growth.code (percent of that base; deltas in\n' +
        'percentage points). The total covers the kernels measured on both sides: a sum,\n' +
        'or for bpe and growth all their bytes over all their entries (bases).\n' +
        '\nExamples:\n' +
        '  lineinfo-bench compare latest --rules v1-v4,newest                 # two revisions\n' +
        '  lineinfo-bench compare latest --formats blocks:64,mru-huffman:64 --metric bpe\n' +
        '  lineinfo-bench compare 2026-11-20 latest --format text             # two runs, for a mail\n' +
        '  lineinfo-bench compare latest --rules v1-v4,symbolizer --metric growth.image --format markdown\n' +
        '\n`diff` stays for bloat-o-meter style deltas of every table (or bucket) of two runs.',
    )
    .action(
      (
        ref: string,
        other: string | undefined,
        opts: {
          rules?: string;
          formats?: string;
          metric: CompareMetric;
          format: string;
          out?: string;
          json?: boolean;
          results: string;
        },
      ) => {
        const dir = resolve(proc.cwd(), opts.results);
        const runA = loadRun(ref, dir);
        const runB = other === undefined ? runA : loadRun(other, dir);
        const rules = pair('--rules', opts.rules);
        const formats = pair('--formats', opts.formats).map(formatId);
        const first = rules[0] ?? mainRules(runA.config);
        const c = compare(
          { run: runA, rules: first, format: formats[0] },
          { run: runB, rules: rules[1] ?? first, format: formats[1] ?? formats[0] },
          opts.metric,
        );
        const render = () => compareRenderer(opts.format)!.render(c);
        if (opts.out) {
          writeFileAtomic(resolve(proc.cwd(), opts.out), opts.json ? toJson(c) : render());
          proc.stdout.write(`wrote ${opts.out}\n`);
        } else emit(proc, opts.json, c, render);
        setExit(0);
      },
    );
}
