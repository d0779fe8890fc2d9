import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { cacheRoot } from '../kernels/cache.js';
import { DebianSource } from '../kernels/debian.js';
import { describeLocal } from '../kernels/local.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import {
  commonDir,
  findModules,
  type ModuleSetResult,
  measureModuleSet,
} from '../measure/modules.js';
import { renderModulesTerminal } from '../report/modules-terminal.js';
import { type ProcessLike, Progress } from '../util/process.js';

export interface ModulesTarget {
  source: string;
  root: string;
  paths: string[];
  vmlinux?: string;
}

/**
 * What `modules` reads: debian:FLAVOUR[@VERSION] (the -dbg package's modules),
 * a kernel build directory (its .ko files and vmlinux), any directory of .ko
 * files (e.g. usr/lib/debug/lib/modules/<release>), or one .ko.
 */
export async function resolveModules(
  spec: string,
  proc: ProcessLike,
  vmlinux: string | undefined,
  onProgress?: (t: string) => void,
): Promise<ModulesTarget> {
  const m = /^debian:([a-z0-9-]+)(?:@(.+))?$/.exec(spec);
  if (m) {
    const k = await new DebianSource(
      { flavour: m[1], version: m[2], modules: true },
      cacheRoot(proc.env),
    ).get(onProgress);
    const root = k.modules.length ? commonDir(k.modules) : dirname(k.vmlinux);
    return { source: spec, root, paths: k.modules, vmlinux: vmlinux ?? k.vmlinux };
  }
  const path = resolve(proc.cwd(), spec);
  if (!existsSync(path)) throw new UserError('no such file or directory', spec);
  if (!statSync(path).isDirectory()) {
    if (!path.endsWith('.ko'))
      throw new UserError('expected a .ko file or a directory of them', spec);
    return { source: spec, root: dirname(path), paths: [path], vmlinux };
  }
  if (existsSync(join(path, 'vmlinux'))) {
    const k = describeLocal({ path, modules: true });
    return { source: spec, root: path, paths: k.modules, vmlinux: vmlinux ?? k.vmlinux };
  }
  // a Debian-style tree: usr/lib/debug/lib/modules/<release> next to usr/lib/debug/boot/vmlinux-<release>
  const debianVmlinux = join(path, '..', '..', '..', 'boot', `vmlinux-${basename(path)}`);
  return {
    source: spec,
    root: path,
    paths: findModules(path),
    vmlinux: vmlinux ?? (existsSync(debianVmlinux) ? resolve(debianVmlinux) : undefined),
  };
}

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
    .option('--rules <rules>', `rule set: ${Object.keys(RULE_SETS).join(', ')}`, 'v1-v4')
    .option('--json', 'print the result as JSON (every module, raw integers)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench modules debian:cloud-amd64@6.1.192-2\n' +
        '  lineinfo-bench modules ~/linux/build --json > modules.json\n' +
        '  lineinfo-bench modules drivers/net/virtio_net.ko\n' +
        "\nupstream: only .debug_line's 32-bit absolute relocations applied, .debug_info read as it is\n" +
        '(what scripts/gen_lineinfo does); full: every debug relocation applied, each sequence kept\n' +
        "in its own section. Both keep .text's rows only. A module without DWARF is skipped.",
    )
    .action(
      async (
        spec: string,
        opts: { vmlinux?: string | boolean; jobs?: string; rules: string; json?: boolean },
      ) => {
        if (!RULE_SETS[opts.rules])
          throw new UserError(
            `--rules: unknown rule set ${opts.rules} (known: ${Object.keys(RULE_SETS).join(', ')})`,
          );
        let jobs: number | undefined;
        if (opts.jobs !== undefined) {
          jobs = Number(opts.jobs);
          if (!Number.isInteger(jobs) || jobs < 1)
            throw new UserError(`--jobs takes a whole number from 1, not ${opts.jobs}`);
        }
        const progress = new Progress(proc.stderr);
        const target = await resolveModules(
          spec,
          proc,
          typeof opts.vmlinux === 'string' ? opts.vmlinux : undefined,
          (t) => progress.update(t),
        );
        if (opts.vmlinux === false) target.vmlinux = undefined;
        const result: ModuleSetResult = await measureModuleSet({
          source: target.source,
          paths: target.paths,
          root: target.root,
          vmlinux: target.vmlinux,
          jobs,
          rules: opts.rules,
          onProgress: (done, total) => progress.update(`reading modules: ${done}/${total}`),
        });
        progress.done();
        proc.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderModulesTerminal(result),
        );
        setExit(0);
      },
    );
}
