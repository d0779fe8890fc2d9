import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ELF fixtures compiled at test time with real compilers from
 * test/fixtures/src, cached in the temp directory by a hash of the sources
 * and the command, so a rerun is instant and a change rebuilds.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURE_SRC = join(here, '..', 'fixtures', 'src');

export interface FixtureSpec {
  /** Compiler driver (on PATH). */
  cc: string;
  flags: string[];
  /** Extra sources besides main.c and lib/util.c. */
  extra: string[];
  /** Link flags (cross targets link freestanding, without a libc). */
  link: string[];
  /** objcopy that compresses the debug sections afterwards, if any. */
  compress?: { objcopy: string; type: 'zlib' | 'zstd' };
}

const FREESTANDING = [
  '-nostdlib',
  '-ffreestanding',
  '-static',
  '-Wl,-e,main',
  '-Wl,--build-id=none',
];
const C_ONLY = ['lib/asm_add_one.c'];

export const FIXTURES: Record<string, FixtureSpec> = {
  'gcc-dwarf4': { cc: 'gcc', flags: ['-gdwarf-4', '-O2'], extra: ['x86_64_asm.S'], link: [] },
  'gcc-dwarf5': { cc: 'gcc', flags: ['-gdwarf-5', '-O2'], extra: ['x86_64_asm.S'], link: [] },
  'gcc-dwarf5-O0': { cc: 'gcc', flags: ['-gdwarf-5', '-O0'], extra: C_ONLY, link: [] },
  'gcc-dwarf3': { cc: 'gcc', flags: ['-gdwarf-3', '-O1'], extra: C_ONLY, link: [] },
  'gcc-dwarf2': {
    cc: 'gcc',
    flags: ['-gdwarf-2', '-gstrict-dwarf', '-O1'],
    extra: C_ONLY,
    link: [],
  },
  'gcc-dwarf64': { cc: 'gcc', flags: ['-gdwarf-5', '-gdwarf64', '-O2'], extra: C_ONLY, link: [] },
  'clang-dwarf4': { cc: 'clang', flags: ['-gdwarf-4', '-O2'], extra: ['x86_64_asm.S'], link: [] },
  'clang-dwarf5': { cc: 'clang', flags: ['-gdwarf-5', '-O2'], extra: ['x86_64_asm.S'], link: [] },
  'gcc-dwarf5-zlib': {
    cc: 'gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: [],
    compress: { objcopy: 'objcopy', type: 'zlib' },
  },
  'gcc-dwarf5-zstd': {
    cc: 'gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: [],
    compress: { objcopy: 'objcopy', type: 'zstd' },
  },
  /** 32-bit little-endian */
  'i686-dwarf5': {
    cc: 'i686-linux-gnu-gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: FREESTANDING,
  },
  /** 64-bit big-endian */
  's390x-dwarf4': {
    cc: 's390x-linux-gnu-gcc',
    flags: ['-gdwarf-4', '-O2'],
    extra: C_ONLY,
    link: FREESTANDING,
  },
  's390x-dwarf5': {
    cc: 's390x-linux-gnu-gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: FREESTANDING,
  },
  /** 32-bit big-endian */
  'powerpc-dwarf5': {
    cc: 'powerpc-linux-gnu-gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: FREESTANDING,
  },
  'aarch64-dwarf5': {
    cc: 'aarch64-linux-gnu-gcc',
    flags: ['-gdwarf-5', '-O2'],
    extra: C_ONLY,
    link: FREESTANDING,
  },
};

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cacheDir = join(tmpdir(), 'lineinfo-bench-fixtures');

/** Builds (or reuses) a fixture and returns the path of the linked executable. */
export function buildFixture(name: string): string {
  const spec = FIXTURES[name];
  if (!spec) throw new Error(`no fixture ${name}`);
  if (!spec.compress) return compile(name, spec);
  const plain = compile(`${name}-plain`, { ...spec, compress: undefined });
  const out = `${plain.replace(/-plain-/, '-')}`;
  if (existsSync(out)) return out;
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync(
    spec.compress.objcopy,
    [`--compress-debug-sections=${spec.compress.type}`, plain, tmp],
    { stdio: 'pipe' },
  );
  renameSync(tmp, out);
  return out;
}

/**
 * What the reference readers read for a fixture: the fixture itself, or for
 * a compressed one the same executable before compression (llvm-dwarfdump 14
 * and libdw 0.188 cannot read zstd sections).
 */
export function referenceInput(name: string): string {
  const spec = FIXTURES[name];
  return spec.compress
    ? compile(`${name}-plain`, { ...spec, compress: undefined })
    : buildFixture(name);
}

function compile(name: string, spec: FixtureSpec): string {
  if (!hasTool(spec.cc)) {
    throw new Error(
      `${spec.cc} is not installed: run scripts/setup-debian.sh --cross (the README's test command does)`,
    );
  }
  const sources = ['main.c', 'lib/util.c', ...spec.extra];
  const h = createHash('sha256');
  // the DWARF records where the sources were: another checkout compiles its own
  h.update(JSON.stringify({ spec, src: FIXTURE_SRC }));
  for (const s of sources) h.update(readFileSync(join(FIXTURE_SRC, s)));
  const out = join(cacheDir, `${name}-${h.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync(
    spec.cc,
    [
      ...spec.flags,
      '-I',
      FIXTURE_SRC,
      '-o',
      tmp,
      ...sources.map((s) => join(FIXTURE_SRC, s)),
      ...spec.link,
    ],
    { cwd: FIXTURE_SRC, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  renameSync(tmp, out);
  return out;
}

/** A scratch directory for one test file, removed by the caller. */
export function scratchDir(label: string): string {
  const d = join(tmpdir(), `lineinfo-bench-${label}-${process.pid}-${Date.now()}`);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}

/** Compiles test/helpers/libdw-lines.c against elfutils' libdw (once per run). */
export function libdwHelper(): string {
  const src = join(here, 'libdw-lines.c');
  const h = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(cacheDir, `libdw-lines-${h}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync('cc', ['-O2', '-o', tmp, src, '-ldw'], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}

/**
 * A program linked with clang from `sources` (file name -> text, the linker
 * script `kern.lds` among them), cached in the temp directory under `label`
 * and a hash of the sources and flags: built once, written atomically.
 */
export function buildClangFixture(
  label: string,
  sources: Record<string, string>,
  flags: string[],
  objects: string[],
  outName = 'a.out',
): string {
  const h = createHash('sha256').update(JSON.stringify({ sources, flags, objects }));
  const out = join(
    tmpdir(),
    'lineinfo-bench-fixtures',
    label,
    h.digest('hex').slice(0, 16),
    outName,
  );
  if (existsSync(out)) return out;
  const d = dirname(out);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(d, name), text);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync('clang', [...flags, '-T', 'kern.lds', '-o', tmp, ...objects], {
    cwd: d,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  renameSync(tmp, out);
  return out;
}
