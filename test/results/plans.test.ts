import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../src/cli.js';
import { archBuild } from '../../src/kernels/arches.js';
import { loadRecipe } from '../../src/kernels/recipes.js';
import { loadRunConfig, validateRunConfig } from '../../src/results/config.js';
import { tuxsuitePlan } from '../../src/results/plans.js';
import { fakeProcess } from '../helpers/fake-process.js';

const MULTIARCH = 'configs/multiarch.json';
const config = loadRunConfig(MULTIARCH);
const buildEntries = config.kernels.filter((k) => 'build' in k) as Extract<
  (typeof config.kernels)[number],
  { build: unknown }
>[];

/** TuxMake's target_arch names (its docs/architectures.md) that our arches map to. */
const TUXMAKE_ARCHES = [
  'x86_64',
  'i386',
  'arm64',
  'arm',
  'riscv',
  'powerpc',
  's390',
  'm68k',
  'parisc',
  'mips',
  'sparc',
];
/** The fields TuxSuite's kernel plan documents for a build that we use. */
const BUILD_FIELDS = ['target_arch', 'toolchain', 'kconfig', 'targets', 'kernel_image'];
/** A GitHub Actions expression as the workflow spells it. */
const gh = (expr: string) => `\${{ ${expr} }}`;
const FRAGMENT = /^(CONFIG_[A-Za-z0-9_]+=[ymn]|# CONFIG_[A-Za-z0-9_]+ is not set)$/;

async function cli(args: string[]) {
  const p = fakeProcess(args);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

describe('plan tuxsuite', () => {
  it('configs/multiarch.json: one build per build entry, with the documented fields, as YAML', async () => {
    const r = await cli(['plan', 'tuxsuite', MULTIARCH]);
    expect(r.code, r.err).toBe(0);
    const plan = parse(r.out);
    expect(Object.keys(plan)).toEqual(['version', 'name', 'description', 'jobs']);
    expect(plan.version).toBe(1);
    expect(plan.name).toBe('lineinfo-bench multiarch');
    expect(plan.description).toMatch(/19 kernels/);
    expect(plan.jobs).toHaveLength(1);
    expect(Object.keys(plan.jobs[0])).toEqual(['builds']);
    const builds = plan.jobs[0].builds as Record<string, unknown>[];
    // 21 kernels, 2 of them Debian downloads
    expect(config.kernels).toHaveLength(21);
    expect(buildEntries).toHaveLength(19);
    expect(builds).toHaveLength(buildEntries.length);
    builds.forEach((b, i) => {
      const e = buildEntries[i];
      const arch = archBuild(e.build.arch);
      const recipe = loadRecipe(e.build.recipe);
      expect(Object.keys(b).sort()).toEqual([...BUILD_FIELDS].sort());
      expect(TUXMAKE_ARCHES).toContain(b.target_arch);
      expect(b.target_arch).toBe(arch.tuxmakeArch);
      expect(b.toolchain).toBe(e.build.compiler === 'clang' ? 'llvm-14' : 'gcc-12');
      const kconfig = b.kconfig as string[];
      expect(kconfig[0]).toBe(recipe.recipe.base === 'defconfig' ? arch.defconfig : 'tinyconfig');
      expect(kconfig.slice(1)).toEqual([...arch.fragment, ...recipe.lines]);
      for (const line of kconfig.slice(1)) expect(line).toMatch(FRAGMENT);
      expect(kconfig).toContain('CONFIG_DEBUG_INFO_DWARF5=y');
      expect(kconfig).toContain('# CONFIG_DEBUG_INFO_DWARF4 is not set');
      expect(kconfig).toContain('CONFIG_DEBUG_INFO_COMPRESSED_NONE=y');
      expect(b.targets).toEqual(['config', 'debugkernel', 'kernel']);
      expect(b.kernel_image).toBe(arch.bootImage!.split('/').at(-1));
    });
    // a few by name
    const byId = (id: string) => builds[buildEntries.findIndex((e) => e.id === id)];
    expect(byId('x86_64-defconfig-clang')).toMatchObject({
      target_arch: 'x86_64',
      toolchain: 'llvm-14',
      kernel_image: 'bzImage',
    });
    expect((byId('x86_64-defconfig-clang').kconfig as string[])[0]).toBe('x86_64_defconfig');
    expect(byId('ppc64-tinyconfig-gcc').target_arch).toBe('powerpc');
    expect(byId('ppc64-tinyconfig-gcc').kconfig).toContain('CONFIG_CPU_BIG_ENDIAN=y');
    expect(byId('ppc64le-tinyconfig-gcc').kconfig).toContain('CONFIG_CPU_LITTLE_ENDIAN=y');
    expect(byId('riscv64-defconfig-gcc')).toMatchObject({
      target_arch: 'riscv',
      kernel_image: 'Image',
    });
    expect(byId('s390x-tinyconfig-gcc').target_arch).toBe('s390');
    expect(byId('sparc64-tinyconfig-gcc').target_arch).toBe('sparc');
    expect(byId('arm-tinyconfig-gcc').kernel_image).toBe('zImage');
    // comments name each build's entry, what needs a patch, and what is left out
    expect(r.out).toMatch(/^ {6}# x86_64-tinyconfig-gcc\n {6}- target_arch: x86_64$/m);
    expect(r.out).toMatch(
      /# sparc64-tinyconfig-gcc\n\s+# the source needs configs\/patches\/sparc64-fcntl-fmode-nonotify.patch applied/,
    );
    expect(r.out).toMatch(/^# {3}amd64-debian-6.1: downloaded \(Debian amd64\)$/m);
    expect(r.err).toContain('19 builds; not in the plan: amd64-debian-6.1, arm64-debian-6.1');
  });

  it('asks for modules when the entry measures them, and make:mod2noconfig for such a recipe', () => {
    const c = validateRunConfig(
      {
        name: 'mods',
        kernels: [
          { id: 'm', build: { arch: 'arm64', recipe: 'tinyconfig-modules-dwarf5' }, modules: true },
          { id: 'n', build: { arch: 'riscv64', recipe: 'defconfig-mod2no-dwarf5' } },
        ],
        formats: ['flat'],
      },
      'inline',
    );
    const [m, n] = tuxsuitePlan(c).plan.jobs[0].builds;
    expect(m.targets).toEqual(['config', 'debugkernel', 'kernel', 'modules']);
    expect(m.kconfig).toContain('CONFIG_CRC4=m');
    expect(n.kconfig.slice(0, 2)).toEqual(['defconfig', 'make:mod2noconfig']);
    expect(tuxsuitePlan(c).plan.description).toContain('modules');
  });

  it('a config that builds nothing is refused', () => {
    const c = validateRunConfig(
      {
        name: 'none',
        kernels: [{ id: 'd', debian: { flavour: 'cloud-amd64' } }],
        formats: ['flat'],
      },
      'inline',
    );
    expect(() => tuxsuitePlan(c)).toThrow(/config none builds no kernel from source/);
  });
});

describe('plan github-actions', () => {
  it('configs/multiarch.json: a workflow the GitHub workflow schema accepts, one matrix job per kernel', async () => {
    const r = await cli(['plan', 'github-actions', MULTIARCH, '--max-parallel', '8']);
    expect(r.code, r.err).toBe(0);
    expect(validateWorkflow(r.out).errors).toEqual([]);
    const w = parse(r.out);
    const measure = w.jobs.measure;
    // no YAML anchors or aliases (GitHub's parser long refused them): every object written out
    expect(r.out).not.toMatch(/[&*]a\d/);
    expect(measure.container).toEqual({ image: 'debian:bookworm' });
    expect(w.jobs.merge.container).toBeUndefined();
    expect(measure.strategy['max-parallel']).toBe(8);
    expect(measure.strategy['fail-fast']).toBe(false);
    const include = measure.strategy.matrix.include as { id: string; build: string }[];
    expect(include.map((i) => i.id)).toEqual(config.kernels.map((k) => k.id));
    expect(include.find((i) => i.id === 'x86_64-defconfig-clang')!.build).toBe(
      'defconfig-dwarf5 --arch x86_64 --compiler clang',
    );
    expect(include.find((i) => i.id === 'sparc64-tinyconfig-gcc')!.build).toBe(
      'tinyconfig-dwarf5 --arch sparc64 --compiler gcc --patch configs/patches/sparc64-fcntl-fmode-nonotify.patch',
    );
    expect(include.find((i) => i.id === 'amd64-debian-6.1')!.build).toBe('');
    const steps = measure.steps as Record<string, unknown>[];
    const key = steps.find((s) => s.id === 'key')!;
    expect(key.run).toContain(
      `node bin/lineinfo-bench.js kernels build ${gh('matrix.build')} --allow-install --print-key --json`,
    );
    const cache = steps.find((s) => s.uses === 'actions/cache@v4')!;
    expect(cache.with).toEqual({
      path: `${gh('steps.key.outputs.dir')}`,
      key: `lineinfo-bench-build-${gh('steps.key.outputs.key')}`,
    });
    expect(steps.find((s) => s.name === 'Measure')!.run).toBe(
      `node bin/lineinfo-bench.js run ${MULTIARCH} --only ${gh('matrix.id')} --results runs`,
    );
    expect(steps.find((s) => s.uses === 'actions/upload-artifact@v4')!.with).toMatchObject({
      name: `run-${gh('matrix.id')}`,
      path: 'runs/',
    });
    const merge = w.jobs.merge;
    expect(merge.needs).toBe('measure');
    const runs = (merge.steps as { run?: string }[]).map((s) => s.run).filter(Boolean);
    expect(runs).toContain(
      'node bin/lineinfo-bench.js merge --results merged parts/*/*/ --name multiarch',
    );
    expect(runs).toContain(
      'node bin/lineinfo-bench.js report --results merged latest --format all --out report',
    );
  });

  it('the validator is not a rubber stamp: a job without runs-on is refused', async () => {
    const r = await cli(['plan', 'github-actions', MULTIARCH]);
    const broken = r.out.replace(/^ {4}runs-on: ubuntu-latest\n/m, '');
    expect(broken).not.toBe(r.out);
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });
});
