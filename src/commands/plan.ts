import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { renderTuxSuitePlan, renderWorkflow } from '../report/plans.js';
import { loadRunConfig } from '../results/config.js';
import { githubWorkflow, tuxsuitePlan } from '../results/plans.js';
import type { ProcessLike } from '../util/process.js';

/** `plan tuxsuite|github-actions`: wiring only; the plans are results/plans.ts, the YAML report/plans.ts. */
export function registerPlanCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  const write = (text: string, out?: string) => {
    if (out) {
      writeFileSync(out, text);
      proc.stderr.write(`wrote ${out}\n`);
    } else proc.stdout.write(text);
  };
  const plan = program
    .command('plan')
    .description(
      'spread a run config over other machines: a TuxSuite plan or a GitHub Actions workflow',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench plan tuxsuite configs/multiarch.json --out multiarch-plan.yaml\n' +
        '  lineinfo-bench plan github-actions configs/multiarch.json --out .github/workflows/multiarch.yml\n' +
        '\nNeither needs TuxSuite or GitHub to be reachable: they only write YAML (see docs/scaling.md).',
    );

  plan
    .command('tuxsuite')
    .description(
      'a TuxSuite plan with one build per kernel the config builds from source (target_arch, toolchain, kconfig, targets, kernel_image)',
    )
    .argument('<config>', 'a run config, e.g. configs/multiarch.json')
    .option('--out <file>', 'write the plan here instead of stdout')
    .addHelpText(
      'after',
      "\nEach build: TuxMake's arch name, gcc-12 or llvm-14 (our clang builds are LLVM=1), the recipe's\n" +
        'base config then every fragment line (arch, debug info, recipe), and the targets the\n' +
        'measurement needs: config, debugkernel (vmlinux.xz), kernel (the boot image), modules when\n' +
        'the entry measures them. Downloaded kernels (Debian) are left out and named in a comment.\n' +
        'Measure the downloaded builds with { "id": ..., "tuxmake": "<dir>" } config entries.\n' +
        '\nExample:\n  lineinfo-bench plan tuxsuite configs/multiarch.json > plan.yaml',
    )
    .action((configPath: string, opts: { out?: string }) => {
      const p = tuxsuitePlan(loadRunConfig(configPath));
      write(renderTuxSuitePlan(p, configPath), opts.out);
      proc.stderr.write(
        `${p.plan.jobs[0].builds.length} builds; not in the plan: ${p.skipped.map((s) => s.id).join(', ') || 'none'}\n`,
      );
      setExit(0);
    });

  plan
    .command('github-actions')
    .description(
      'a GitHub Actions workflow: one matrix job per kernel (run --only), builds cached by their key, a job that merges the runs and renders the reports',
    )
    .argument('<config>', 'a run config, as the repository names it (e.g. configs/multiarch.json)')
    .option('--out <file>', 'write the workflow here instead of stdout')
    .option('--max-parallel <n>', 'at most this many jobs at once', (v) => Number.parseInt(v, 10))
    .option('--timeout <minutes>', "each job's time limit", (v) => Number.parseInt(v, 10), 120)
    .addHelpText(
      'after',
      '\nThe jobs run in debian:bookworm (the compilers and linux-source-6.12 the keys are made with),\n' +
        "install what scripts/setup-debian.sh installs, restore the kernel's build directory from the\n" +
        'cache under the key `kernels build ... --print-key` prints, run the one kernel and upload its\n' +
        'run folder; the merge job downloads them all, merges them and renders every report.\n' +
        '\nExample:\n  lineinfo-bench plan github-actions configs/multiarch.json --max-parallel 8 --out .github/workflows/multiarch.yml',
    )
    .action((configPath: string, opts: { out?: string; maxParallel?: number; timeout: number }) => {
      if (opts.maxParallel !== undefined && !(opts.maxParallel >= 1))
        throw new UserError('--max-parallel must be a number of at least 1');
      if (!(opts.timeout >= 1)) throw new UserError('--timeout must be a number of minutes');
      const w = githubWorkflow(loadRunConfig(configPath), {
        configFile: configPath,
        maxParallel: opts.maxParallel,
        timeoutMinutes: opts.timeout,
      });
      write(renderWorkflow(w, configPath), opts.out);
      setExit(0);
    });
}
