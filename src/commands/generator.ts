import { type Command, Option } from 'commander';
import { ThresholdError, UserError } from '../errors.js';
import {
  BUILD_ROOT_VARS,
  checkGenerator,
  GENERATOR_REVISIONS,
  type GeneratorRevision,
} from '../measure/generator.js';
import { renderGeneratorCheck } from '../report/generator-check.js';
import { type ProcessLike, Progress } from '../util/process.js';
import { emit } from './options.js';

/** `lineinfo-bench generator check`: wiring only; the work is checkGenerator. */
export function registerGeneratorCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  const generator = program
    .command('generator')
    .description(
      'the upstream generator itself (scripts/gen_lineinfo.c): build it, run it, check our model against it',
    );

  generator
    .command('check')
    .description(
      'build gen_lineinfo from a kernel tree, run it on a vmlinux or .ko as kbuild does, assemble its output and compare its tables with our model of the same revision',
    )
    .argument('<generator>', 'a gen_lineinfo.c, or a kernel tree with scripts/gen_lineinfo.c')
    .argument('<elf>', 'a vmlinux (vmlinux mode) or a relocatable .ko (--module mode)')
    .addOption(
      new Option(
        '--revision <revision>',
        'the revision to model (default: detected from the source: v1-v4 has no _etext handling; newest synthesizes symbol starts and strips build roots)',
      ).choices([...GENERATOR_REVISIONS]),
    )
    .option(
      '--build-root <dir...>',
      `build roots for the newest generator, in order ${BUILD_ROOT_VARS.join(', ')} (kbuild's environment variables; none set unless given)`,
    )
    .option('--json', 'print the result as JSON (raw integers)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench generator check ../shared/upstream/v4 vmlinux\n' +
        '  lineinfo-bench generator check linux/scripts/gen_lineinfo.c vmlinux --revision v1-v4\n' +
        '  lineinfo-bench generator check ../shared/upstream/post-v7-patch2 vmlinux --build-root /build/out /src/linux\n' +
        '  lineinfo-bench generator check ../shared/upstream/v4 drivers/foo/foo.ko --json\n' +
        '\nThe generator is compiled with the system cc against libdw (Debian: libdw-dev) and cached\n' +
        'by the SHA-256 of its source and the headers it includes. Its output is assembled with the\n' +
        "target's as (a cross as for other arches) and the tables are read back from the object.\n" +
        '\n--build-root maps to the environment in order: the first value becomes objtree, the second\n' +
        'srctree, the third srcroot (the v1-v4 generator reads none of them). Relative roots resolve\n' +
        'against the current directory, as kbuild runs the generator in $objtree.\n' +
        '\nExit codes: 0 exact; 1 the tables differ (the report lists the first differences);\n' +
        '2 the generator cannot be built or run, or the case is not modelled yet.',
    )
    .action(
      (
        generatorSpec: string,
        elf: string,
        opts: { revision?: GeneratorRevision; buildRoot?: string[]; json?: boolean },
      ) => {
        if (opts.buildRoot && opts.buildRoot.length > BUILD_ROOT_VARS.length)
          throw new UserError(
            `--build-root takes at most ${BUILD_ROOT_VARS.length} directories (${BUILD_ROOT_VARS.join(', ')})`,
          );
        const progress = new Progress(proc.stderr);
        const r = checkGenerator(generatorSpec, elf, {
          revision: opts.revision,
          buildRoots: opts.buildRoot,
          env: proc.env,
          cwd: proc.cwd(),
          onStage: (what) => progress.update(what),
        });
        progress.done();
        emit(proc, opts.json, r, () => renderGeneratorCheck(r));
        if (r.outcome === 'not-modelled') throw new UserError(r.notModelled!, elf);
        if (r.outcome === 'different') {
          const c = r.comparison!;
          throw new ThresholdError(
            `gen_lineinfo's tables differ from our ${r.generator.revision} model: ${c.entries.generator} vs ${c.entries.ours} entries, ${c.onlyGenerator + c.onlyOurs + c.changed + c.fileIdOnly} entries and ${c.fileNamesDiffer} file names differ, bytes ${c.bytes.identical ? 'identical' : 'differ'}`,
          );
        }
        setExit(0);
      },
    );
}
