import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import { RULE_SETS } from '../../src/lineinfo/rules.js';
import {
  buildGenerator,
  detectRevision,
  type GeneratorCheckResult,
  runGenerator,
} from '../../src/measure/generator.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, FIXTURE_SRC, hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR, goldenVmlinux, readGolden, runGolden } from '../helpers/golden.js';
import { buildKo, KO_TARGETS } from '../helpers/ko-objects.js';

/**
 * `generator check` against the real generators in ../shared/upstream (v4
 * and post-v7-patch2), compiled here with cc and libdw, run on ELF files
 * compiled at test time with real compilers.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');
const hasNewestRules = RULE_SETS.newest !== undefined;
const NO_NEWEST =
  "our 'newest' rule set is not in RULE_SETS yet (being added for the post-v7-patch2 generator)";

const dir = scratchDir('generator');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A vmlinux-like fixture: the usual fixture sources plus a unit with a cold
 * split function (`.text.unlikely`, a `kern_work.cold` symbol) and a function
 * in `.init.text`, linked by a script that puts `_text` and `_etext` around
 * `.text` and the init code after it, as the kernel's vmlinux.lds does.
 */
const KERN_C = `#include "lib/util.h"

int state;

__attribute__((cold, noinline)) static int slow_path(int v)
{
	state = v * 5;
	return state - 1;
}

int kern_work(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++) {
		if (__builtin_expect(i == 977, 0))
			s += slow_path(i);
		else
			s += util_square(i);
	}
	return s;
}

__attribute__((section(".init.text"), noinline)) int kern_init(void)
{
	state = kern_work(3);
	return state + 1;
}
`;
const KERN_LDS = `ENTRY(main)
SECTIONS
{
	. = 0x1000000;
	.text : {
		_text = .;
		*(.text.unlikely .text.unlikely.*)
		*(.text .text.*)
		_etext = .;
	}
	.rodata : { *(.rodata .rodata.*) }
	.init.text : { *(.init.text) }
	.data : { *(.data .data.*) *(.bss .bss.* COMMON) }
}
`;

function buildKern(cc: string): string {
  const sources = ['main.c', 'lib/util.c', 'lib/asm_add_one.c'].map((s) => join(FIXTURE_SRC, s));
  const flags = [
    '-gdwarf-5',
    '-O2',
    '-ffreestanding',
    '-fno-pic',
    '-no-pie',
    '-nostdlib',
    '-static',
    '-Wl,--build-id=none',
  ];
  const h = createHash('sha256').update(JSON.stringify({ cc, flags, KERN_C, KERN_LDS }));
  for (const s of sources) h.update(readFileSync(s));
  const out = join(
    tmpdir(),
    'lineinfo-bench-fixtures',
    'generator',
    `${cc}-${h.digest('hex').slice(0, 16)}`,
    'vmlinux',
  );
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(join(dirname(out), 'kern.c'), KERN_C);
  writeFileSync(join(dirname(out), 'kern.lds'), KERN_LDS);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync(
    cc,
    [...flags, '-T', 'kern.lds', '-I', FIXTURE_SRC, '-o', tmp, ...sources, 'kern.c'],
    { cwd: dirname(out), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  renameSync(tmp, out);
  return out;
}

/** A copy of a generator tree in the scratch directory, its source passed through `edit`. */
function treeCopy(from: string, name: string, edit: (text: string) => string): string {
  const to = join(dir, name);
  cpSync(from, to, { recursive: true });
  const src = join(to, 'scripts', 'gen_lineinfo.c');
  const text = readFileSync(src, 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(src, edited);
  return to;
}

async function check(args: string[]) {
  const p = fakeProcess(['generator', 'check', ...args], env);
  const code = await run(p.proc);
  return { code, out: p.stdout(), err: p.stderr() };
}

async function checkJson(args: string[]) {
  const r = await check([...args, '--json']);
  return { ...r, json: JSON.parse(r.out) as GeneratorCheckResult };
}

const errLines = (err: string) => err.split('\n').filter((l) => l !== '');

describe('building the generators', () => {
  it('builds both trees with cc and libdw, then takes them from the cache', () => {
    const v4 = buildGenerator(V4, env);
    const newest = buildGenerator(NEWEST, env);
    for (const g of [v4, newest]) {
      expect(existsSync(g.binary)).toBe(true);
      expect(g.binary.startsWith(join(env.LINEINFO_BENCH_CACHE, 'generators'))).toBe(true);
      expect(g.headers.map((h) => h.path)).toContain('include/linux/mod_lineinfo.h');
    }
    // the newest one's scripts/include headers are part of its key
    expect(newest.headers.map((h) => h.path)).toEqual(
      expect.arrayContaining(['scripts/include/hash.h', 'scripts/include/hashtable.h']),
    );
    expect(v4.sha256.slice(0, 8)).toBe('02acc357');
    expect(newest.sha256.slice(0, 8)).toBe('65a8c9c7');
    const again = buildGenerator(V4, env);
    expect(again.cached).toBe(true);
    expect(again.key).toBe(v4.key);
  });

  it('keys the cache by the headers the source includes too', () => {
    const copy = join(dir, 'v4-header');
    cpSync(V4, copy, { recursive: true });
    const h = join(copy, 'include', 'linux', 'mod_lineinfo.h');
    expect(buildGenerator(copy, env).key).toBe(buildGenerator(V4, env).key);
    writeFileSync(h, `${readFileSync(h, 'utf8')}\n/* changed */\n`);
    const changed = buildGenerator(copy, env);
    expect(changed.key).not.toBe(buildGenerator(V4, env).key);
    expect(changed.cached).toBe(false);
  });

  it('detects the revision from the source text', () => {
    expect(
      detectRevision(readFileSync(join(V4, 'scripts', 'gen_lineinfo.c'), 'utf8'))?.revision,
    ).toBe('v1-v4');
    expect(
      detectRevision(readFileSync(join(NEWEST, 'scripts', 'gen_lineinfo.c'), 'utf8'))?.revision,
    ).toBe('newest');
    expect(detectRevision('/* v5 */ find_vmlinux_sym(elf, "_etext", 0, false);')).toBeUndefined();
  });
});

describe('generator check, vmlinux mode', () => {
  const kern = buildKern('gcc');

  it('v4 against our v1-v4 rules: exact, entries, files and every byte', async () => {
    const r = await check([V4, kern]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`generator  ${join(V4, 'scripts', 'gen_lineinfo.c')}`);
    expect(r.out).toContain('sha256 02acc357');
    expect(r.out).toContain('revision v1-v4 (detected: no _etext handling');
    expect(r.out).toContain('x86_64, ET_EXEC, vmlinux mode');
    expect(r.out).toContain('stderr: lineinfo: ');
    expect(r.out).toMatch(/^exact: \d+ entries, \d+ files, parts [\d,]+ bytes identical/m);
    expect(r.out).toMatch(/lineinfo_data\s+data\s+[\d,]+\s+[\d,]+\n/);

    const j = await checkJson([V4, kern]);
    expect(j.code).toBe(0);
    const c = j.json.comparison!;
    expect(j.json.outcome).toBe('exact');
    expect(j.json.format).toBe('blocks:64:sleb');
    expect(c.entries.generator).toBe(c.entries.ours);
    expect(c.entries.generator).toBeGreaterThan(20);
    // the generator's own summary line agrees with what we decoded
    expect(j.json.run.stderr).toContain(
      `lineinfo: ${c.entries.generator} entries, ${c.files.generator} files, ${Math.ceil(c.entries.generator / 64)} blocks`,
    );
    // v4 has no upper bound: the init function past _etext is in the table
    expect(c.bytes.identical).toBe(true);
    for (const p of c.parts) expect(p.generator).toBe(p.ours);
  });

  it.each([
    ['aarch64-linux-gnu-gcc', 'arm64'],
    ['s390x-linux-gnu-gcc', 's390x'],
  ])('v4 on a %s build: the cross assembler, exact (%s)', async (cc, arch) => {
    if (!hasTool(cc)) return;
    const j = await checkJson([V4, buildKern(cc)]);
    expect(j.err).toBe('');
    expect(j.json.kernel.arch).toBe(arch);
    expect(j.json.run.assembler).toMatch(/^(aarch64|s390x)-linux-gnu-as$/);
    expect(j.json.outcome).toBe('exact');
    expect(j.code).toBe(0);
    // s390x's as rounds .rodata up to its 8-byte alignment: bytes after the table, not compared
    const b = j.json.comparison!.bytes;
    if (arch === 's390x') expect((b.generator + b.sectionTail) % 8).toBe(0);
    else expect(b.sectionTail).toBe(0);
  });

  it('a fixture without _text: the generator exits 1, we exit 2 with its last line', async () => {
    const r = await check([V4, buildFixture('gcc-dwarf5')]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = errLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: .*v4\/scripts\/gen_lineinfo\.c: gen_lineinfo exited 1 on .*: Cannot find _text symbol$/,
    );
  });

  it('a mutated generator (no same file:line collapse): the differences, exit 1', async () => {
    const mutated = treeCopy(V4, 'v4-no-collapse', (t) =>
      t.replace(
        /\t\tif \(entries\[i\]\.file_id == entries\[j\]\.file_id &&\n\t\t {4}entries\[i\]\.line == entries\[j\]\.line\)\n\t\t\tcontinue;\n/,
        '',
      ),
    );
    const r = await check([mutated, kern]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('revision v1-v4 (detected');
    expect(r.out).toMatch(/^DIFFERENT: entries (\d+) \(generator\) vs (\d+) \(ours\)/m);
    expect(r.out).toMatch(/offsets only in the generator's table [1-9]/);
    expect(r.out).toMatch(/first \d+ differences, in offset order:/);
    // each difference names the entry: index, offset, file:line
    expect(r.out).toMatch(/only-generator\s+0x[0-9a-f]+\s+#\d+ 0x[0-9a-f]+ [\w/.-]+\.[ch]:\d+\s+-/);
    expect(r.out).toMatch(
      /bytes: [\d,]+ \(generator\) vs [\d,]+ \(ours\); first difference at byte [\d,]+, in lineinfo_/,
    );
    const lines = errLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^threshold: gen_lineinfo's tables differ from our v1-v4 model/);

    const j = await checkJson([mutated, kern]);
    const c = j.json.comparison!;
    expect(j.json.outcome).toBe('different');
    expect(c.onlyGenerator).toBe(c.entries.generator - c.entries.ours);
    expect(c.onlyOurs).toBe(0);
    expect(c.differences[0].kind).toBe('only-generator');
  });

  it('a generator with a syntax error: exit 2, one line naming the file and the compiler error', async () => {
    const broken = treeCopy(V4, 'v4-broken', (t) =>
      t.replace('static int module_mode;', 'static int module_mode'),
    );
    const r = await check([broken, kern]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = errLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(broken, 'scripts', 'gen_lineinfo.c'));
    expect(lines[0]).toMatch(/does not compile \(cc\): \d+:\d+: error: /);
  });

  it('a path that is no generator: exit 2, one line', async () => {
    const r = await check([dir, kern]);
    expect(r.code).toBe(2);
    expect(errLines(r.err)).toEqual([
      `error: ${dir}: no scripts/gen_lineinfo.c in this directory (not a kernel tree?)`,
    ]);
  });

  it.runIf(!hasNewestRules)(
    `the post-v7-patch2 tree while ${NO_NEWEST}: exit 2, one line`,
    async () => {
      const r = await check([NEWEST, kern]);
      expect(r.code).toBe(2);
      const lines = errLines(r.err);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("our model has no rule set 'newest' yet");
    },
  );

  it.runIf(hasNewestRules)('the post-v7-patch2 tree against our newest rules: exact', async () => {
    const j = await checkJson([NEWEST, kern]);
    expect(j.err).toBe('');
    expect(j.json.generator.revision).toBe('newest');
    expect(j.json.format).toBe('flat');
    expect(j.json.outcome).toBe('exact');
    expect(j.code).toBe(0);
  });

  it.runIf(hasNewestRules)('v4 paired with --revision newest: a difference, exit 1', async () => {
    const r = await check([V4, kern, '--revision', 'newest']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('revision newest (--revision; the source reads as v1-v4)');
    expect(r.out).toMatch(/^DIFFERENT: /m);
  });

  it.runIf(hasNewestRules)(
    '--build-root reaches the generator and our newest rules alike: exact',
    async () => {
      const j = await checkJson([NEWEST, kern, '--build-root', dirname(FIXTURE_SRC)]);
      expect(j.err).toBe('');
      expect(j.json.run.env).toEqual({ objtree: dirname(FIXTURE_SRC) });
      expect(j.json.outcome).toBe('exact');
      expect(j.code).toBe(0);
      const r = await check([NEWEST, kern, '--build-root', dirname(FIXTURE_SRC)]);
      expect(r.out).toContain(`run        objtree=${dirname(FIXTURE_SRC)} gen_lineinfo ${kern}`);
    },
  );

  it('the newest generator takes --build-root as objtree, srctree, srcroot', () => {
    const gen = buildGenerator(NEWEST, env);
    const elf = ElfFile.open(kern);
    try {
      const names = (buildRoots?: string[]) => {
        const out = runGenerator(gen, kern, elf, { buildRoots });
        const t = flatFormat.open(out.rodata!.bytes, true).decodeAll();
        return { env: out.env, files: t.files };
      };
      const plain = names();
      expect(plain.env).toEqual({});
      // no root matches the fixture's absolute paths: base names
      expect(plain.files).toContain('main.c');
      const rooted = names([dirname(FIXTURE_SRC), '/nonexistent/src']);
      expect(rooted.env).toEqual({ objtree: dirname(FIXTURE_SRC), srctree: '/nonexistent/src' });
      expect(rooted.files).toContain('src/main.c');
      expect(rooted.files).toContain('src/lib/util.c');
    } finally {
      elf.close();
    }
  });
});

describe('generator check, module mode', () => {
  const x86 = KO_TARGETS.find((t) => t.arch === 'x86_64')!;
  const ko = buildKo(x86);

  it('v4 --module against our v1-v4 module model (module-v3 layout): exact', async () => {
    const before = readFileSync(ko);
    const j = await checkJson([V4, ko]);
    // v4 opens its input O_RDWR: it ran on a copy, the .ko given is untouched
    expect(readFileSync(ko).equals(before)).toBe(true);
    expect(j.err).toBe('');
    expect(j.json.kernel.mode).toBe('module');
    expect(j.json.run.argv).toEqual(['--module', ko]);
    expect(j.json.format).toBe('module-v3:64:sleb');
    expect(j.json.sections!.map((s) => s.name)).toEqual(['.mod_lineinfo']);
    expect(j.json.sections![0].size).toBe(j.json.comparison!.bytes.generator);
    expect(j.json.outcome).toBe('exact');
    expect(j.code).toBe(0);
    const r = await check([V4, ko]);
    expect(r.out).toMatch(/^exact: \d+ entries, 1 files/m);
  });

  it('the newest generator --module: sections read back, "not modelled yet", exit 2 with one line', async () => {
    const r = await check([NEWEST, ko]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/\.mod_lineinfo\s+\d+\s+2\s/);
    expect(r.out).toMatch(/\.init\.mod_lineinfo\s+\d+\s+1\s/);
    // the init function (line 9000) has its own blob; .text and .exit.text share the other
    expect(r.out).toMatch(/\.mod_lineinfo\[1\]: covers \d+ bytes, 2 entries/);
    const lines = errLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: .*mod\.ko: module tables of revision newest are not modelled yet/,
    );
    const j = await checkJson([NEWEST, ko]);
    expect(j.json.outcome).toBe('not-modelled');
    expect(j.json.sections!.map((s) => [s.name, s.relocations])).toEqual([
      ['.mod_lineinfo', 2],
      ['.init.mod_lineinfo', 1],
    ]);
  });
});

describe.runIf(runGolden)('the golden kernel (LINEINFO_GOLDEN=1)', () => {
  const g = readGolden('amd64-cloud-6.1');

  it('v4: exact, 1,216,043 entries, parts as the golden figures', async () => {
    const vmlinux = await goldenVmlinux(g);
    const t0 = Date.now();
    const j = await checkJson([V4, vmlinux]);
    const ms = Date.now() - t0;
    // after 10 s the progress lines come (timestamped), nothing else
    for (const l of errLines(j.err)) expect(l).toMatch(/^\d\d:\d\d:\d\d /);
    expect(j.code).toBe(0);
    const c = j.json.comparison!;
    expect(j.json.outcome).toBe('exact');
    expect(c.entries.generator).toBe(1_216_043);
    expect(c.entries.generator).toBe(g.entries);
    expect(c.files.generator).toBe(g.files);
    expect(c.bytes.generator).toBe(g.rodata_bytes_with_padding);
    const part = (s: string) => c.parts.find((p) => p.symbol === s)!.generator;
    expect(part('lineinfo_block_addrs')).toBe(g.block_addrs_bytes);
    expect(part('lineinfo_block_offsets')).toBe(g.block_offsets_bytes);
    expect(part('lineinfo_data')).toBe(g.data_bytes);
    expect(part('lineinfo_file_offsets')).toBe(g.file_offsets_bytes);
    expect(part('lineinfo_filenames')).toBe(g.filenames_bytes);
    console.log(
      `golden v4 check: ${ms} ms (generator ${j.json.run.runMs} ms, as ${j.json.run.assembleMs} ms, ours ${j.json.ours!.extractMs} ms)`,
    );
  }, 300_000);

  it.runIf(hasNewestRules)(
    `post-v7-patch2: exact against our newest rules${hasNewestRules ? '' : ` (skipped: ${NO_NEWEST})`}`,
    async () => {
      const vmlinux = await goldenVmlinux(g);
      const newest = JSON.parse(
        readFileSync(join(GOLDEN_DIR, 'amd64-cloud-6.1-newest.json'), 'utf8'),
      ) as { entries: number; files: number };
      const j = await checkJson([NEWEST, vmlinux]);
      expect(j.json.outcome).toBe('exact');
      expect(j.json.comparison!.entries.generator).toBe(newest.entries);
      expect(j.json.comparison!.files.generator).toBe(newest.files);
      expect(j.code).toBe(0);
    },
    300_000,
  );
});
