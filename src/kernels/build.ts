import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type ArchBuild, archBuild, type CompilerName, makeVars } from './arches.js';
import { buildRootsOf } from './build-dirs.js';
import { hashKey, markDone, readDone, sha256, withLock } from './cache.js';
import { lastLines, runCapture, runLogged, which } from './exec.js';
import { describeKernel } from './metadata.js';
import {
  debugInfoLines,
  detectDialect,
  type LoadedRecipe,
  loadRecipe,
  verifyConfig,
} from './recipes.js';
import { identifySource, prepareSource, type SourceIdentity, type SourceSpec } from './sources.js';
import type { Kernel, ProgressFn } from './types.js';

/** One build: what the user asks for. */
export interface BuildSpec {
  source: SourceSpec;
  arch: string;
  /** A recipe name (configs/recipes/<name>.json) or a path to a recipe file. */
  recipe: string;
  compiler?: CompilerName;
}

/** A build with everything that decides its output pinned down, and its place in the cache. */
export interface ResolvedBuild {
  spec: BuildSpec;
  arch: ArchBuild;
  compiler: CompilerName;
  /** The compiler's own version line (`gcc --version` first line). */
  compilerText: string;
  recipe: LoadedRecipe;
  source: SourceIdentity;
  /** Hash of (source, ref, patches, arch, config lines, compiler): names the build directory. */
  key: string;
  label: string;
  dir: string;
}

export interface BuildOptions {
  cache: string;
  /** make -j (default 2). */
  makeJobs?: number;
  /** Install a missing cross compiler with apt-get. */
  allowInstall?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface BuildDone {
  key: string;
  label: string;
  arch: string;
  recipe: string;
  compiler: string;
  compilerText: string;
  source: SourceIdentity;
  makeJobs: number;
  /** Seconds of the run that finished the build (config + make; not the source extraction). */
  seconds: number;
  configSeconds: number;
  makeSeconds: number;
  /** True when an earlier, interrupted run had already done part of the work. */
  resumed: boolean;
  finishedAt: string;
  vmlinuxBytes: number;
  /** 1-minute load average when make started and when it ended: above the make -j, other work shared the CPUs. */
  loadAvg?: [number, number];
  /**
   * The boot image (bzImage, Image, zImage), made after vmlinux and timed
   * apart so build times stay comparable; a failure here leaves the build
   * done, only without an image to measure growth against.
   */
  bootImage?: { target: string; seconds: number } | { target: string; error: string };
}

export interface BuildResult {
  status: 'built' | 'cached' | 'failed' | 'killed';
  build: ResolvedBuild;
  log: string;
  kernel?: Kernel;
  done?: BuildDone;
  /** For a failure: the cause and the last lines of the log. */
  error?: string;
  logTail?: string[];
}

function compilerCommand(a: ArchBuild, compiler: CompilerName): string {
  return compiler === 'clang' ? 'clang' : `${a.crossPrefix}gcc`;
}

/** Makes sure the compiler is there; installs the Debian package only when allowed. */
export function ensureCompiler(
  a: ArchBuild,
  compiler: CompilerName,
  allowInstall: boolean,
  onProgress?: ProgressFn,
): string {
  if (compiler === 'clang' && !a.clang) {
    throw new UserError(`clang (LLVM=1) is not supported for ${a.name} here; use --compiler gcc`);
  }
  const cmd = compilerCommand(a, compiler);
  const pkgs = compiler === 'clang' ? ['clang', 'llvm', 'lld'] : [a.gccPackage];
  const tools = compiler === 'clang' ? ['clang', 'ld.lld', 'llvm-objcopy'] : [cmd];
  if (!tools.every(which)) {
    const apt = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
    if (!allowInstall)
      throw new UserError(
        `${tools.find((t) => !which(t))} not found: install it with \`${apt}\` or pass --allow-install`,
      );
    onProgress?.(`installing ${pkgs.join(' ')}`);
    const r = runCapture('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.code !== 0)
      throw new UserError(`\`${apt}\` failed: ${lastLines(r.stderr, 2).join(' | ')}`);
  }
  const v = runCapture(cmd, ['--version']);
  return v.stdout.split('\n')[0].trim();
}

/** Pins a build down: resolves the git ref, reads the recipe, checks the compiler, computes the key. */
export async function resolveBuild(spec: BuildSpec, opts: BuildOptions): Promise<ResolvedBuild> {
  const arch = archBuild(spec.arch);
  const compiler = spec.compiler ?? 'gcc';
  const recipe = loadRecipe(spec.recipe);
  const compilerText = ensureCompiler(arch, compiler, opts.allowInstall ?? false, opts.onProgress);
  const source = await identifySource(spec.source, opts.cache, opts.onProgress);
  const key = hashKey({
    source: { kind: source.kind, origin: source.origin, ref: source.ref },
    patches: source.patches,
    arch: arch.name,
    config: {
      base: recipe.recipe.base,
      mod2noconfig: recipe.recipe.mod2noconfig ?? false,
      lines: [...arch.fragment, ...recipe.lines],
      modules: recipe.recipe.modules ?? false,
    },
    compiler: compilerText,
  });
  // a git build names its commit, a patched build its patch count: never the plain tarball's label
  const patched = source.patches.length ? `+${source.patches.length}p` : '';
  const from = source.kind === 'git' ? `-git${source.ref.slice(0, 8)}${patched}` : patched;
  const label = `${arch.name}-${recipe.recipe.name}-${compiler}${from}`;
  return {
    spec,
    arch,
    compiler,
    compilerText,
    recipe,
    source,
    key,
    label,
    dir: join(opts.cache, 'builds', `${label}-${key}`),
  };
}

/** The kernel a finished build directory holds. */
export function kernelOf(b: ResolvedBuild): Kernel {
  const out = join(b.dir, 'out');
  const vmlinux = join(out, 'vmlinux');
  const config = join(out, '.config');
  const boot = b.arch.bootImage ? join(out, b.arch.bootImage) : undefined;
  return {
    vmlinux,
    modules: b.recipe.recipe.modules ? findFiles(out, '.ko') : [],
    bootImage: boot && existsSync(boot) ? boot : undefined,
    config,
    metadata: describeKernel(vmlinux, { config, configName: b.recipe.recipe.name }),
    // kbuild runs the generator in the O= directory, the source elsewhere
    buildRoots: buildRootsOf(out),
    provenance: {
      kind: 'build',
      source: b.source.kind,
      origin: b.source.origin,
      ref: b.source.ref,
      commit: b.source.kind === 'git' ? b.source.ref : undefined,
      patches: b.spec.source.patches ?? [],
      recipe: b.recipe.file,
      jobKey: b.key,
    },
  };
}

export function findFiles(dir: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(suffix)) found.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found.sort();
}

/**
 * The lines that explain a failed make: with -j the first error scrolls far
 * above the end, so the first error lines of the last run come first, then
 * the last lines of the log.
 */
export function failureLines(log: string, errors = 5, last = 12): string[] {
  const run = log.slice(log.lastIndexOf('\n$ make') + 1);
  const lines = run.split('\n').filter((l) => l.trim() !== '');
  const firstErrors = lines
    .filter((l) => /\berror\b|\*\*\*/i.test(l) && !/^make(\[\d+\])?: \*\*\*/.test(l))
    .slice(0, errors);
  const tail = last > 0 ? lines.slice(-last) : [];
  const head = firstErrors.filter((l) => !tail.includes(l));
  return head.length ? [...head, '...', ...tail] : tail;
}

/** What make is doing, from one line of its output ("  CC      kernel/fork.o" -> "CC kernel/fork.o"). */
export function makeActivity(line: string): string | undefined {
  const m = /^\s+([A-Z][A-Z0-9_-]*)\s+(\S.*)$/.exec(line);
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/**
 * Runs one build: the config (once; recorded in config.json so a resumed
 * build does not redo it), then make. The done marker is written atomically
 * after make succeeds and nowhere else, so a killed build is never taken for
 * a finished one; running it again resumes, since make is incremental in O=.
 */
export function runBuild(b: ResolvedBuild, opts: BuildOptions): Promise<BuildResult> {
  return withLock(
    b.dir,
    () => runBuildLocked(b, opts),
    (pid) => {
      const step = `waiting for pid ${pid}, which is running this build`;
      opts.onProgress?.(`${b.label}: ${step}`, step);
    },
  );
}

async function runBuildLocked(b: ResolvedBuild, opts: BuildOptions): Promise<BuildResult> {
  const log = join(b.dir, 'build.log');
  const prior = readDone<BuildDone>(b.dir);
  const cached = prior !== undefined && existsSync(join(b.dir, 'out', 'vmlinux'));
  // a build done before boot images were made gets its image now, once
  const needsImage = (d: BuildDone) =>
    b.arch.bootImage !== undefined &&
    d.bootImage === undefined &&
    !existsSync(join(b.dir, 'out', b.arch.bootImage));
  if (cached && !needsImage(prior)) {
    return { status: 'cached', build: b, log, kernel: kernelOf(b), done: prior };
  }
  const out = join(b.dir, 'out');
  const resumed = existsSync(out);
  mkdirSync(out, { recursive: true });
  writeFileAtomic(
    join(b.dir, 'job.json'),
    `${JSON.stringify({ key: b.key, label: b.label, spec: b.spec, source: b.source, compiler: b.compilerText, recipe: b.recipe }, null, 2)}\n`,
  );
  const progress = opts.onProgress;
  const t0 = Date.now();
  const elapsed = () => `${Math.round((Date.now() - t0) / 1000)}s`;
  const fail = (error: string): BuildResult => {
    const tail = existsSync(log) ? failureLines(readFileSync(log, 'utf8')) : [];
    return {
      status: opts.signal?.aborted ? 'killed' : 'failed',
      build: b,
      log,
      error,
      logTail: tail,
    };
  };
  let src: string;
  try {
    src = await prepareSource(b.spec.source, b.source, opts.cache, (t) =>
      progress?.(`${b.label}: ${t}`, t),
    );
  } catch (e) {
    if (e instanceof UserError) return fail(e.line());
    throw e;
  }
  const jobs = opts.makeJobs ?? 2;
  const vars = makeVars(b.arch, b.compiler);
  const make = async (targets: string[], what: string) => {
    const r = await runLogged('make', ['-C', src, `O=${out}`, ...vars, `-j${jobs}`, ...targets], {
      log,
      signal: opts.signal,
      onLine: (l) => {
        const act = makeActivity(l);
        if (act) progress?.(`${b.label} ${elapsed()} ${what}: ${act}`, `${what}: ${act}`);
      },
    });
    return r.code === 0 && !r.aborted;
  };
  const bootImage = async (): Promise<BuildDone['bootImage']> => {
    if (!b.arch.bootImage) return undefined;
    const target = basename(b.arch.bootImage);
    const t = Date.now();
    if (!(await make([target], 'boot image')))
      return { target, error: `make ${target} failed (see ${log})` };
    if (!existsSync(join(out, b.arch.bootImage)))
      return { target, error: `${join(out, b.arch.bootImage)} missing after make ${target}` };
    return { target, seconds: Math.round((Date.now() - t) / 100) / 10 };
  };
  if (cached) {
    const image = await bootImage();
    // killed: still done, without an image; the next run tries the image again
    if (opts.signal?.aborted)
      return { status: 'cached', build: b, log, kernel: kernelOf(b), done: prior };
    const done = { ...prior, bootImage: image };
    markDone(b.dir, done);
    return { status: 'cached', build: b, log, kernel: kernelOf(b), done };
  }

  // 1. Config, unless a previous run finished it and .config is unchanged since.
  const configMarker = join(b.dir, 'config.json');
  const configFile = join(out, '.config');
  let configDone = false;
  if (existsSync(configMarker) && existsSync(configFile)) {
    const m = JSON.parse(readFileSync(configMarker, 'utf8')) as { configHash: string };
    configDone = m.configHash === sha256(readFileSync(configFile));
  }
  const tc = Date.now();
  if (!configDone) {
    const step = `configuring (${b.recipe.recipe.base})`;
    progress?.(`${b.label}: ${step}`, step);
    const base = b.recipe.recipe.base === 'defconfig' ? b.arch.defconfig : b.recipe.recipe.base;
    if (!(await make([base], 'config'))) return fail(`make ${base} failed`);
    if (b.recipe.recipe.mod2noconfig && !(await make(['mod2noconfig'], 'config')))
      return fail('make mod2noconfig failed');
    const di = b.recipe.recipe.debugInfo;
    const dialect = detectDialect(src);
    let debugLines: string[];
    try {
      debugLines = debugInfoLines(di.dwarf, di.compression, dialect);
    } catch (e) {
      if (e instanceof UserError) return fail(`${src}: ${e.message}`);
      throw e;
    }
    const lines = [...b.arch.fragment, ...debugLines, ...b.recipe.userLines];
    writeFileAtomic(join(b.dir, 'fragment.config'), `${lines.join('\n')}\n`);
    // merge_config.sh semantics: the fragment's lines override the base's, then olddefconfig fills in.
    const merged = `${readFileSync(configFile, 'utf8')}\n${lines.join('\n')}\n`;
    writeFileAtomic(configFile, merged);
    if (!(await make(['olddefconfig'], 'config'))) return fail('make olddefconfig failed');
    const text = readFileSync(configFile, 'utf8');
    const problems = verifyConfig(text, lines, di.dwarf, di.compression, dialect);
    if (problems.length) {
      return fail(
        `${configFile}: after olddefconfig, ${b.arch.name} dropped what the recipe asked: ${problems.join('; ')}`,
      );
    }
    writeFileAtomic(
      configMarker,
      `${JSON.stringify({ configHash: sha256(text), at: new Date().toISOString() })}\n`,
    );
  }
  const configSeconds = (Date.now() - tc) / 1000;

  // 2. make vmlinux (and modules when the recipe asks).
  const tm = Date.now();
  const loadAtStart = loadavg()[0];
  const targets = b.recipe.recipe.modules ? ['vmlinux', 'modules'] : ['vmlinux'];
  if (!(await make(targets, 'build')))
    return fail(opts.signal?.aborted ? 'killed' : `make ${targets.join(' ')} failed`);
  const makeSeconds = (Date.now() - tm) / 1000;
  const vmlinux = join(out, 'vmlinux');
  if (!existsSync(vmlinux)) return fail(`make succeeded but ${vmlinux} is missing`);
  const done: BuildDone = {
    key: b.key,
    label: b.label,
    arch: b.arch.name,
    recipe: b.recipe.recipe.name,
    compiler: b.compiler,
    compilerText: b.compilerText,
    source: b.source,
    makeJobs: jobs,
    seconds: Math.round((configSeconds + makeSeconds) * 10) / 10,
    configSeconds: Math.round(configSeconds * 10) / 10,
    makeSeconds: Math.round(makeSeconds * 10) / 10,
    resumed,
    finishedAt: new Date().toISOString(),
    vmlinuxBytes: statSync(vmlinux).size,
    loadAvg: [Math.round(loadAtStart * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  };
  // done as soon as vmlinux is: a kill during the image step must not cost the build's time
  markDone(b.dir, done);
  done.bootImage = await bootImage();
  if (!opts.signal?.aborted) markDone(b.dir, done);
  return { status: 'built', build: b, log, kernel: kernelOf(b), done };
}
