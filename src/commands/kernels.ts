import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { ARCHES, type CompilerName } from '../kernels/arches.js';
import { type BuildDone, resolveBuild, runBuild } from '../kernels/build.js';
import { cacheRoot, readDone } from '../kernels/cache.js';
import { DebianSource, listDebianCache } from '../kernels/debian.js';
import { which } from '../kernels/exec.js';
import { LocalSource } from '../kernels/local.js';
import {
  loadMatrix,
  type MatrixJobResult,
  runMatrix,
  writeBuildRecord,
} from '../kernels/matrix.js';
import { listRecipes } from '../kernels/recipes.js';
import { DEFAULT_TARBALL, type SourceSpec } from '../kernels/sources.js';
import type { Kernel } from '../kernels/types.js';
import { type ProcessLike, Progress } from '../util/process.js';

/** Everything `kernels list` shows, as data. */
export interface KernelsListing {
  cache: string;
  recipes: { name: string; description?: string; file: string }[];
  arches: {
    name: string;
    makeArch: string;
    crossPrefix: string;
    gccPackage: string;
    gccInstalled: boolean;
    clang: boolean;
  }[];
  builds: (BuildDone & { dir: string })[];
  /** Build directories without a done marker: failed, interrupted, or running now (locked). */
  unfinished: { dir: string; log: string; running: boolean }[];
  debian: { dir: string; package: string; version: string }[];
}

export function listKernels(cache: string): KernelsListing {
  const buildsDir = join(cache, 'builds');
  const builds: (BuildDone & { dir: string })[] = [];
  const unfinished: KernelsListing['unfinished'] = [];
  if (existsSync(buildsDir)) {
    for (const d of readdirSync(buildsDir).sort()) {
      if (d.endsWith('.lock')) continue;
      const dir = join(buildsDir, d);
      const done = readDone<BuildDone>(dir);
      if (done) builds.push({ ...done, dir });
      else
        unfinished.push({ dir, log: join(dir, 'build.log'), running: existsSync(`${dir}.lock`) });
    }
  }
  return {
    cache,
    recipes: listRecipes().map((r) => ({
      name: r.recipe.name,
      description: r.recipe.description,
      file: r.file,
    })),
    arches: ARCHES.map((a) => ({
      name: a.name,
      makeArch: a.makeArch,
      crossPrefix: a.crossPrefix,
      gccPackage: a.gccPackage,
      gccInstalled: which(`${a.crossPrefix}gcc`),
      clang: a.clang,
    })),
    builds,
    unfinished,
    debian: listDebianCache(cache),
  };
}

export function renderKernel(k: Kernel): string {
  const m = k.metadata;
  const p = k.provenance;
  const from =
    p.kind === 'path'
      ? p.path
      : p.kind === 'debian'
        ? `Debian ${p.package}=${p.version} (${p.arch})${p.imagePackage ? `, image ${p.imagePackage}` : ''}`
        : `build ${p.jobKey} of ${p.source} ${p.origin} at ${p.ref}${p.patches.length ? ` + ${p.patches.length} patches` : ''}, recipe ${p.recipe}`;
  const lines = [
    `vmlinux:    ${k.vmlinux}`,
    `arch:       ${m.arch} (${m.bits}-bit, ${m.endianness}-endian, ARCH=${m.kernelArch})`,
    `kernel:     ${m.kernelVersion ?? '(unknown)'}`,
    `config:     ${k.config ?? '(none)'}${m.configName ? ` [${m.configName}]` : ''}${m.configHash ? ` sha256 ${m.configHash.slice(0, 16)}` : ''}`,
    `compiler:   ${m.compiler ? `${m.compiler} ${m.compilerVersion ?? ''}`.trim() : '(unknown)'}${m.compilerText ? ` (${m.compilerText})` : ''}`,
    `DWARF:      ${m.dwarfVersion ?? '(no .debug_info)'}`,
    `boot image: ${k.bootImage ?? '(none)'}`,
    `modules:    ${k.modules.length}`,
    `from:       ${from}`,
  ];
  return `${lines.join('\n')}\n`;
}

function renderListing(l: KernelsListing): string {
  const out: string[] = [
    `cache: ${l.cache}  (set LINEINFO_BENCH_CACHE to move it)`,
    '',
    'recipes (configs/recipes/):',
  ];
  for (const r of l.recipes) out.push(`  ${r.name.padEnd(28)} ${r.description ?? ''}`);
  out.push(
    '',
    'arches (gcc: installed or the Debian package to install; clang: LLVM=1 supported):',
  );
  for (const a of l.arches) {
    out.push(
      `  ${a.name.padEnd(9)} ARCH=${a.makeArch.padEnd(8)} gcc: ${a.gccInstalled ? 'installed' : `apt-get install ${a.gccPackage}`}${a.clang ? '  clang: yes' : ''}`,
    );
  }
  out.push('', `finished builds (${l.builds.length}):`);
  for (const b of l.builds)
    out.push(
      `  ${b.label.padEnd(46)} ${(b.configSeconds + b.makeSeconds).toFixed(1).padStart(7)} s  ${join(b.dir, 'out', 'vmlinux')}`,
    );
  if (l.unfinished.length) {
    out.push('', `unfinished builds (${l.unfinished.length}; run the same build again to resume):`);
    for (const u of l.unfinished) out.push(`  ${u.running ? 'running ' : 'stopped '} ${u.log}`);
  }
  out.push('', `Debian packages (${l.debian.length}):`);
  for (const d of l.debian) out.push(`  ${d.package}=${d.version}  ${d.dir}`);
  return `${out.join('\n')}\n`;
}

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

/** Registers `kernels list|get|build|matrix` on the program. */
export function registerKernelsCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  const out = (s: string) => proc.stdout.write(s);
  const err = (s: string) => proc.stderr.write(s);
  const cache = () => cacheRoot(proc.env);

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

  kernels
    .command('list')
    .description('show the recipes, the arches and their compilers, and what is in the cache')
    .option('--json', 'print the listing as JSON')
    .action((opts: { json?: boolean }) => {
      const l = listKernels(cache());
      out(opts.json ? `${JSON.stringify(l, null, 2)}\n` : renderListing(l));
      setExit(0);
    });

  const get = kernels
    .command('get')
    .description('get an existing kernel: a local build or a Debian debug package');

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
      const k = await new LocalSource({ path, modules: opts.modules }).get();
      out(opts.json ? `${JSON.stringify(k, null, 2)}\n` : renderKernel(k));
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
        const { packageVersion, ...rest } = opts;
        const src = new DebianSource({ flavour, version: packageVersion, ...rest }, cache());
        const k = await src.get((t) => progress.update(t));
        progress.done();
        out(opts.json ? `${JSON.stringify(k, null, 2)}\n` : renderKernel(k));
        setExit(0);
      },
    );

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
    .option('--json', 'print the kernel as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench kernels build tinyconfig-dwarf5 --arch arm64\n' +
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
          json?: boolean;
        },
      ) => {
        if (!(opts.jobs >= 1)) throw new UserError('--jobs must be a number of at least 1');
        const progress = new Progress(proc.stderr);
        const stop = abortOnSignal();
        try {
          const common = {
            cache: cache(),
            makeJobs: opts.jobs,
            allowInstall: opts.allowInstall,
            signal: stop.signal,
            onProgress: (t: string) => progress.update(t),
          };
          const b = await resolveBuild(
            { source: sourceFrom(opts), arch: opts.arch, recipe, compiler: opts.compiler },
            common,
          );
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
          out(
            opts.json
              ? `${JSON.stringify({ ...r.kernel, build: r.done }, null, 2)}\n`
              : renderKernel(r.kernel),
          );
          setExit(0);
        } finally {
          progress.done();
          stop.dispose();
        }
      },
    );

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
        const progress = new Progress(proc.stderr);
        const stop = abortOnSignal();
        let results: MatrixJobResult[];
        try {
          results = await runMatrix(matrix, {
            cache: cache(),
            allowInstall: opts.allowInstall,
            signal: stop.signal,
            onEvent: (e) => {
              const n = `[${e.index + 1}/${e.total}]`;
              if (e.type === 'progress') progress.update(`${n} ${e.text}`);
              else if (e.type === 'start') {
                progress.done();
                err(`${n} ${e.label}: start\n`);
              } else {
                progress.done();
                const r = e.result;
                err(
                  `${n} ${r.label}: ${r.status}${r.result?.done ? ` (${r.result.done.seconds} s)` : ''}${r.error ? `: ${r.error}` : ''}\n`,
                );
                for (const l of r.result?.logTail ?? []) err(`  | ${l}\n`);
                if (r.result?.log && r.status === 'failed') err(`  full log: ${r.result.log}\n`);
                if (opts.record && r.result?.done)
                  writeBuildRecord(
                    opts.record,
                    r.result.done,
                    r.result.kernel?.metadata.kernelVersion,
                  );
              }
            },
          });
        } finally {
          progress.done();
          stop.dispose();
        }
        if (opts.json) {
          out(
            `${JSON.stringify(
              results.map((r) => ({
                label: r.label,
                status: r.status,
                seconds: r.seconds,
                error: r.error,
                vmlinux: r.result?.kernel?.vmlinux,
                build: r.result?.done,
                metadata: r.result?.kernel?.metadata,
              })),
              null,
              2,
            )}\n`,
          );
        } else {
          for (const r of results)
            out(
              `${r.status.padEnd(7)} ${r.label.padEnd(44)} ${r.result?.kernel?.vmlinux ?? r.error ?? ''}\n`,
            );
        }
        setExit(results.some((r) => r.status !== 'built' && r.status !== 'cached') ? 1 : 0);
      },
    );
}
