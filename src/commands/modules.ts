import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { cacheRoot } from '../kernels/cache.js';
import { resolveModuleSet } from '../kernels/resolve.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { type ModuleSetResult, measureModuleSet } from '../measure/modules.js';
import { renderModulesTerminal } from '../report/modules-terminal.js';
import { type ProcessLike, Progress } from '../util/process.js';
import { printWarnings } from './inspect.js';
import { emit, rulesOf, wholeNumber } from './options.js';

/** `lineinfo-bench modules`: wiring only; the work is measureModuleSet, the output renderModulesTerminal. */
export function registerModulesCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('modules')
    .description(
      "per-module .mod_lineinfo tables of a kernel's .ko files, relocated as upstream does and fully; sizes, distribution, growth",
    )
    .argument(
      '<kernel|dir>',
      "debian:FLAVOUR[@VERSION] (the debug package's modules, cached), a kernel build directory,\n" +
        'a directory of .ko files, or one .ko',
    )
    .option('--vmlinux <file>', "vmlinux to compare the modules' sum with (default: the kernel's)")
    .option('--no-vmlinux', 'do not read vmlinux')
    .option('--jobs <n>', 'threads reading modules (default: the cores, at most 2)')
    .addOption(
      new Option(
        '--revision <id>',
        'the revision whose module rules and layouts to model: newest (covered sections apart, module-newest blobs) or v1-v4 (.text only, the 48-byte header)',
      )
        .choices(['newest', 'v1-v4'])
        .default('newest'),
    )
    .option(
      '--rules <rules>',
      `a rule set instead of the revision's: ${Object.keys(RULE_SETS).join(', ')}`,
    )
    .option('--json', 'print the result as JSON (every module, raw integers)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench modules debian:cloud-amd64@6.1.192-2\n' +
        '  lineinfo-bench modules ~/linux/build --json > modules.json\n' +
        '  lineinfo-bench modules drivers/net/virtio_net.ko\n' +
        '  lineinfo-bench modules --revision v1-v4 debian:cloud-amd64@6.1.192-2\n' +
        "\nupstream: relocated as that revision's scripts/gen_lineinfo does, .debug_info read as it is\n" +
        "(v1-v4: .debug_line's 32-bit absolute relocations; newest: its 32- and 64-bit ones, covered\n" +
        'sections at bases of their own); full: every debug relocation applied. v1-v4 keeps .text only;\n' +
        'newest keeps .text, .exit.text, .noinstr.text (.mod_lineinfo) and .init.text\n' +
        '(.init.mod_lineinfo). A module without DWARF is skipped.',
    )
    .action(
      async (
        spec: string,
        opts: {
          vmlinux?: string | boolean;
          jobs?: string;
          revision: string;
          rules?: string;
          json?: boolean;
        },
      ) => {
        const rules = rulesOf(opts);
        if (!RULE_SETS[rules])
          throw new UserError(
            `--rules: unknown rule set ${rules} (known: ${Object.keys(RULE_SETS).join(', ')})`,
          );
        const jobs = opts.jobs === undefined ? undefined : wholeNumber('--jobs', 1)(opts.jobs);
        const progress = new Progress(proc.stderr);
        const target = await resolveModuleSet(spec, {
          cache: cacheRoot(proc.env),
          cwd: proc.cwd(),
          onProgress: (t) => progress.update(t),
        });
        // --vmlinux names another one; --no-vmlinux reads none
        if (typeof opts.vmlinux === 'string') target.vmlinux = opts.vmlinux;
        if (opts.vmlinux === false) target.vmlinux = undefined;
        const result: ModuleSetResult = await measureModuleSet({
          source: target.source,
          paths: target.paths,
          root: target.root,
          vmlinux: target.vmlinux,
          jobs,
          rules,
          onProgress: (done, total) => progress.update(`reading modules: ${done}/${total}`),
        });
        progress.done();
        // the parts of each module read past, and why a module has no full figures
        for (const m of result.modules) printWarnings(proc, m.path, m.warnings ?? []);
        emit(proc, opts.json, result, () => renderModulesTerminal(result));
        setExit(0);
      },
    );
}
