import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { ARCHES, type CompilerName } from '../kernels/arches.js';
import { resolveBuild, runBuild } from '../kernels/build.js';
import { cacheRoot, readDone } from '../kernels/cache.js';
import { listKernels } from '../kernels/listing.js';
import {
  jobLabel,
  loadMatrix,
  type MatrixJobResult,
  recordedBuildMs,
  runMatrix,
  writeBuildRecord,
} from '../kernels/matrix.js';
import { resolveKernel } from '../kernels/resolve.js';
import { DEFAULT_TARBALL, type SourceSpec } from '../kernels/sources.js';
import {
  matrixResultsData,
  renderKernel,
  renderListing,
  renderMatrixResults,
} from '../report/kernels.js';
import { type ProcessLike, Progress } from '../util/process.js';
import { BuildProgress, MatrixProgress } from './build-progress.js';
import { emit } from './options.js';

/** Aborts the builds on Ctrl-C (make and everything it started), leaving them resumable. */
function abortOnSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const on = () => ac.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

function sourceFrom(opts: {
  tarball?: string;
  git?: string;
  ref?: string;
  patch?: string[];
}): SourceSpec {
  if (opts.git) {
    if (!opts.ref) throw new UserError('--git needs --ref (a branch, tag or commit)');
    return { kind: 'git', repo: opts.git, ref: opts.ref, patches: opts.patch ?? [] };
  }
  if (opts.ref) throw new UserError('--ref goes with --git');
  return { kind: 'tarball', tarball: opts.tarball, patches: opts.patch ?? [] };
}

/** What each `kernels` subcommand's registration shares. */
interface KernelsContext {
  proc: ProcessLike;
  setExit: (code: number) => void;
  err: (s: string) => void;
  cache: () => string;
}

/** Recorded build times for an estimate: the --record folder, else results/builds here. */
function recordedTimes(proc: ProcessLike, record?: string): (label: string) => number | undefined {
  const dir = resolve(proc.cwd(), record ?? join('results', 'builds'));
  return (label) => recordedBuildMs(dir, label);
}

/** `kernels list`: recipes, arches and the cache. */
function registerList(kernels: Command, ctx: KernelsContext): void {
  const { setExit } = ctx;
  kernels
    .command('list')
    .description('show the recipes, the arches and their compilers, and what is in the cache')
    .option('--json', 'print the listing as JSON')
    .action((opts: { json?: boolean }) => {
      const l = listKernels(ctx.cache());
      emit(ctx.proc, opts.json, l, () => renderListing(l));
      setExit(0);
    });
}

/** `kernels get local|tuxmake|debian`: through the one kernel resolver. */
function registerGet(kernels: Command, ctx: KernelsContext): void {
  const { cache, setExit, proc } = ctx;
  const get = kernels
    .command('get')
    .description(
      'get an existing kernel: a local build, a TuxMake/TuxSuite build folder or a Debian debug package',
    );

  get
    .command('local')
    .description('describe a vmlinux, or a build directory (in-tree or the O= directory)')
    .argument('<path>', 'a vmlinux file or a kernel build directory')
    .option('--modules', 'also list the .ko files of a build directory')
    .option('--json', 'print the kernel as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench kernels get local vmlinux\n  lineinfo-bench kernels get local ~/linux/out --modules --json',
    )
    .action(async (path: string, opts: { modules?: boolean; json?: boolean }) => {
      const k = await resolveKernel({ local: path, modules: opts.modules }, { cache: cache() });
      emit(proc, opts.json, k, () => renderKernel(k));
      setExit(0);
    });

  get
    .command('tuxmake')
    .description(
      'read a TuxMake or TuxSuite build output folder: metadata.json, vmlinux.xz, config, boot image, modules.tar.xz',
    )
    .argument('<dir>', 'the output folder (as tuxmake leaves it, or as downloaded from TuxSuite)')
    .option('--modules', 'also unpack modules.tar.xz and list its .ko files')
    .option('--json', 'print the kernel as JSON')
    .addHelpText(
      'after',
      '\nThe arch, the compiler and the config come from metadata.json (build.target_arch, compiler,\n' +
        'build.kconfig + kconfig_add), checked against the vmlinux. vmlinux.xz and modules.tar.xz are\n' +
        'unpacked once into <cache>/tuxmake/. In a run config: { "id": "...", "tuxmake": "<dir>" };\n' +
        'on any command line: tuxmake:<dir> (a folder with metadata.json and no vmlinux is read so too).\n' +
        '\nExamples:\n' +
        '  lineinfo-bench kernels get tuxmake ~/.cache/tuxmake/builds/1 --json\n' +
        '  lineinfo-bench measure tuxmake:downloads/arm64-tinyconfig-gcc --format blocks:64',
    )
    .action(async (dir: string, opts: { modules?: boolean; json?: boolean }) => {
      const k = await resolveKernel({ tuxmake: dir, modules: opts.modules }, { cache: cache() });
      emit(proc, opts.json, k, () => renderKernel(k));
      setExit(0);
    });

  get
    .command('debian')
    .description(
      'download and extract a Debian linux-image-<abi>-<flavour>-dbg package (newest unless pinned)',
    )
    .argument('<flavour>', 'the kernel flavour: cloud-amd64, amd64, arm64, cloud-arm64, ...')
    .option(
      '--package-version <version>',
      'pin a package version, e.g. 6.1.192-2 (default: the newest apt knows)',
    )
    .option('--series <x.y>', 'only packages of this kernel series, e.g. 6.1 or 6.12')
    .option('--arch <debian-arch>', 'the Debian architecture (default: from the flavour)')
    .option('--modules', "also extract the modules' debug files (.ko)")
    .option('--image', 'also fetch the image package: the boot image (vmlinuz) and the .config')
    .option(
      '--allow-add-arch',
      'allow `dpkg --add-architecture` + `apt-get update` for a foreign architecture',
    )
    .option('--json', 'print the kernel as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench kernels get debian cloud-amd64 --series 6.1\n' +
        '  lineinfo-bench kernels get debian cloud-amd64 --package-version 6.1.192-2 --image --modules\n' +
        '  lineinfo-bench kernels get debian cloud-arm64 --allow-add-arch\n' +
        '\nNeeds apt (Debian). The cloud-amd64 dbg package is about 280 MB, amd64 about 860 MB;\n' +
        'each package and version is downloaded once, into <cache>/debian/<package>_<version>/.',
    )
    .action(
      async (
        flavour: string,
        opts: {
          packageVersion?: string;
          series?: string;
          arch?: string;
          modules?: boolean;
          image?: boolean;
          allowAddArch?: boolean;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const k = await resolveKernel(
          {
            debian: {
              flavour,
              version: opts.packageVersion,
              series: opts.series,
              arch: opts.arch,
              allowAddArch: opts.allowAddArch,
            },
            modules: opts.modules,
          },
          { cache: cache(), image: Boolean(opts.image), onProgress: (t) => progress.update(t) },
        );
        progress.done();
        emit(proc, opts.json, k, () => renderKernel(k));
        setExit(0);
      },
    );
}

/** `kernels build`: one build from source, resumable. */
function registerBuild(kernels: Command, ctx: KernelsContext): void {
  const { err, cache, setExit, proc } = ctx;
  kernels
    .command('build')
    .description('build a kernel from source (out of tree, cross-compiled) with a config recipe')
    .argument(
      '<recipe>',
      'a recipe name from configs/recipes/ (see `kernels list`) or a path to a recipe .json',
    )
    .requiredOption('--arch <arch>', `target arch: ${ARCHES.map((a) => a.name).join(', ')}`)
    .addOption(
      new Option('--compiler <compiler>', 'gcc (Debian cross gcc) or clang (LLVM=1)')
        .choices(['gcc', 'clang'])
        .default('gcc'),
    )
    .option(
      '--tarball <file>',
      `a kernel source tarball (default ${DEFAULT_TARBALL}, from apt-get install linux-source-6.12)`,
    )
    .option('--git <repo>', 'build a git repository (path or URL) instead of the tarball')
    .option('--ref <ref>', 'the branch, tag or commit of --git')
    .option(
      '--patch <file...>',
      'patches applied in order: with git am on --git (format-patch mbox files), with patch -p1 on the tarball',
    )
    .option('-j, --jobs <n>', 'parallel make jobs (make -j)', (v) => Number.parseInt(v, 10), 2)
    .option('--allow-install', 'apt-get install the cross compiler when it is missing')
    .option(
      '--record <dir>',
      'write the build time as <dir>/<arch>-<recipe>-<compiler>.json (e.g. results/builds)',
    )
    .option(
      '--print-key',
      'print the cache key the build would use (with --json: key, label, directory, done), without building',
    )
    .option('--json', 'print the kernel as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench kernels build tinyconfig-dwarf5 --arch arm64\n' +
        '  lineinfo-bench kernels build defconfig-dwarf5 --arch riscv64 --print-key   # the key a CI cache is keyed by\n' +
        '  lineinfo-bench kernels build defconfig-dwarf5 --arch ppc64 --allow-install --record results/builds\n' +
        '  lineinfo-bench kernels build tinyconfig-dwarf5 --arch x86_64 --compiler clang\n' +
        '  lineinfo-bench kernels build tinyconfig-dwarf5 --arch riscv64 --git ~/linux --ref v6.12 --patch 0001-*.patch\n' +
        '\n`make vmlinux` is built (plus modules when the recipe says so), then the boot image\n' +
        '(bzImage, Image, zImage; timed apart, and a build without one still counts). After olddefconfig the\n' +
        '.config is checked: debug info on, the DWARF version and compression asked for, every recipe\n' +
        'option kept; if the arch dropped any, the build stops and says which.\n' +
        'Interrupted builds resume where make stopped; the full log is <build dir>/build.log.',
    )
    .action(
      async (
        recipe: string,
        opts: {
          arch: string;
          compiler: CompilerName;
          tarball?: string;
          git?: string;
          ref?: string;
          patch?: string[];
          jobs: number;
          allowInstall?: boolean;
          record?: string;
          printKey?: boolean;
          json?: boolean;
        },
      ) => {
        if (!(opts.jobs >= 1)) throw new UserError('--jobs must be a number of at least 1');
        if (opts.printKey) {
          // the key pins source, patches, arch, config lines and the compiler's version line: no build needed
          const b = await resolveBuild(
            { source: sourceFrom(opts), arch: opts.arch, recipe, compiler: opts.compiler },
            { cache: cache(), allowInstall: opts.allowInstall },
          );
          const key = {
            key: b.key,
            label: b.label,
            dir: b.dir,
            done: readDone(b.dir) !== undefined,
          };
          emit(proc, opts.json, key, () => `${b.key}\n`);
          setExit(0);
          return;
        }
        const spec = { source: sourceFrom(opts), arch: opts.arch, recipe, compiler: opts.compiler };
        const progress = new BuildProgress(proc.stderr, jobLabel(spec), {
          recordedMs: recordedTimes(proc, opts.record),
        });
        const stop = abortOnSignal();
        try {
          const common = {
            cache: cache(),
            makeJobs: opts.jobs,
            allowInstall: opts.allowInstall,
            signal: stop.signal,
            onProgress: (t: string, step?: string) => progress.update(t, step),
          };
          const b = await resolveBuild(spec, common);
          progress.building(b.label);
          progress.clear();
          if (!readDone(b.dir))
            err(`${b.label}: building in ${b.dir} (log: ${join(b.dir, 'build.log')})\n`);
          const r = await runBuild(b, common);
          progress.done();
          if (!r.kernel || !r.done) {
            for (const l of r.logTail ?? []) err(`  | ${l}\n`);
            throw new UserError(
              `${r.status === 'killed' ? 'interrupted (run again to resume)' : 'build failed'}: ${r.error ?? ''} (full log: ${r.log})`,
              b.label,
            );
          }
          if (opts.record)
            err(
              `recorded ${writeBuildRecord(opts.record, r.done, r.kernel.metadata.kernelVersion)}\n`,
            );
          err(
            `${b.label}: ${r.status === 'cached' ? 'already built' : 'built'} in ${r.done.seconds} s (make -j${r.done.makeJobs}); log ${r.log}\n`,
          );
          const kernel = r.kernel;
          emit(proc, opts.json, { ...kernel, build: r.done }, () => renderKernel(kernel));
          setExit(0);
        } finally {
          progress.done();
          stop.dispose();
        }
      },
    );
}

/** `kernels matrix`: a build matrix, one failure does not stop the rest. */
function registerMatrix(kernels: Command, ctx: KernelsContext): void {
  const { cache, setExit, proc } = ctx;
  kernels
    .command('matrix')
    .description(
      'run a build matrix from a JSON file: cached, resumable, one failure does not stop the rest',
    )
    .argument('<file>', 'the matrix JSON (see the example below)')
    .option('--allow-install', 'apt-get install missing cross compilers')
    .option(
      '--record <dir>',
      "write each finished build's time to <dir>/<label>.json (e.g. results/builds)",
    )
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      '\nA matrix file runs the cross product of arches x recipes x compilers, plus explicit jobs:\n' +
        '  { "source": { "kind": "tarball" },\n' +
        '    "arches": ["x86_64", "arm64", "riscv64"], "recipes": ["tinyconfig-dwarf5"],\n' +
        '    "compilers": ["gcc"], "jobs": [{ "arch": "ppc64", "recipe": "defconfig-dwarf5" }],\n' +
        '    "parallel": 1, "makeJobs": 2 }\n' +
        'A git source: { "kind": "git", "repo": "../linux", "ref": "v6.12", "patches": ["p/0001.patch"] }\n' +
        '\nExamples:\n  lineinfo-bench kernels matrix configs/matrices/tiny-all-arches.json --allow-install --record results/builds\n' +
        '\nExit code 1 when any job failed; each failure prints the last lines of its log.',
    )
    .action(
      async (file: string, opts: { allowInstall?: boolean; record?: string; json?: boolean }) => {
        const matrix = loadMatrix(file);
        const progress = new MatrixProgress(
          proc.stderr,
          matrix.jobs.map(jobLabel),
          matrix.parallel,
          { recordedMs: recordedTimes(proc, opts.record) },
        );
        const stop = abortOnSignal();
        let results: MatrixJobResult[];
        try {
          results = await runMatrix(matrix, {
            cache: cache(),
            allowInstall: opts.allowInstall,
            signal: stop.signal,
            onEvent: (e) => {
              progress.onEvent(e);
              const r = e.type === 'end' ? e.result : undefined;
              if (opts.record && r?.result?.done)
                writeBuildRecord(
                  opts.record,
                  r.result.done,
                  r.result.kernel?.metadata.kernelVersion,
                );
            },
          });
        } finally {
          progress.done();
          stop.dispose();
        }
        emit(proc, opts.json, matrixResultsData(results), () => renderMatrixResults(results));
        setExit(results.some((r) => r.status !== 'built' && r.status !== 'cached') ? 1 : 0);
      },
    );
}

/** Registers `kernels list|get|build|matrix` on the program. */
export function registerKernelsCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  const ctx: KernelsContext = {
    proc,
    setExit,
    err: (s) => proc.stderr.write(s),
    cache: () => cacheRoot(proc.env),
  };
  const kernels = program
    .command('kernels')
    .description(
      'get kernels to measure: local builds, Debian debug packages, or builds from source for a dozen arches',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench kernels list\n' +
        '  lineinfo-bench kernels get local ~/linux/build-arm64\n' +
        '  lineinfo-bench kernels get debian cloud-amd64 --series 6.1\n' +
        '  lineinfo-bench kernels build tinyconfig-dwarf5 --arch riscv64 --allow-install\n' +
        '  lineinfo-bench kernels matrix configs/matrices/tiny-all-arches.json --record results/builds\n' +
        '\nEverything is cached outside the repository, in $LINEINFO_BENCH_CACHE or\n' +
        '$XDG_CACHE_HOME/lineinfo-bench (default ~/.cache); a finished build or download is never redone.',
    );

  registerList(kernels, ctx);
  registerGet(kernels, ctx);
  registerBuild(kernels, ctx);
  registerMatrix(kernels, ctx);
}
