import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import { cacheRoot } from '../../src/kernels/cache.js';
import { DebianSource } from '../../src/kernels/debian.js';
import {
  buildGenerator,
  detectRevision,
  type GeneratorCheckResult,
  runGenerator,
} from '../../src/measure/generator.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, FIXTURE_SRC, hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR, goldenVmlinux, readGolden, runGolden } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';
import { buildKo, hasKoTools, KO_TARGETS } from '../helpers/ko-objects.js';

/**
 * `generator check` against the real generators in ../shared/upstream (v4
 * and post-v7-patch2), compiled here with cc and libdw, run on ELF files
 * compiled at test time with real compilers.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const V4 = join(UPSTREAM, 'v4');
const NEWEST = join(UPSTREAM, 'post-v7-patch2');

const dir = scratchDir('generator');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('the post-v7-patch2 tree against our newest rules: exact', async () => {
    const j = await checkJson([NEWEST, kern]);
    expect(j.err).toBe('');
    expect(j.json.generator.revision).toBe('newest');
    expect(j.json.format).toBe('flat');
    expect(j.json.outcome).toBe('exact');
    expect(j.code).toBe(0);
  });

  it('v4 paired with --revision newest: a difference, exit 1', async () => {
    const r = await check([V4, kern, '--revision', 'newest']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('revision newest (--revision; the source reads as v1-v4)');
    expect(r.out).toMatch(/^DIFFERENT: /m);
  });

  it('--build-root reaches the generator and our newest rules alike: exact', async () => {
    const j = await checkJson([NEWEST, kern, '--build-root', dirname(FIXTURE_SRC)]);
    expect(j.err).toBe('');
    expect(j.json.run.env).toEqual({ objtree: dirname(FIXTURE_SRC) });
    expect(j.json.outcome).toBe('exact');
    expect(j.code).toBe(0);
    const r = await check([NEWEST, kern, '--build-root', dirname(FIXTURE_SRC)]);
    expect(r.out).toContain(`run        objtree=${dirname(FIXTURE_SRC)} gen_lineinfo ${kern}`);
  });

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

  it('the newest generator --module against our module-newest encoding: exact, per section', async () => {
    const r = await check([NEWEST, ko]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^exact: 10 entries in 3 covered sections, 1 files, 2 line-info sections [\d,]+ bytes identical, anchors identical$/m,
    );
    // per covered section: blob, section, entries, files, bytes, covers, table at (one figure: both sides agree)
    expect(r.out).toMatch(/^ {2}\.mod_lineinfo +\.text +6 +1 +84 +\d+ +40$/m);
    expect(r.out).toMatch(/^ {2}\.mod_lineinfo +\.exit\.text +2 +1 +44 +\d+ +124$/m);
    expect(r.out).toMatch(/^ {2}\.init\.mod_lineinfo +\.init\.text +2 +1 +44 +\d+ +24$/m);
    expect(r.out).toMatch(
      /^\.mod_lineinfo: 168 bytes identical \(sha256 [0-9a-f]{12}\)\n {2}anchors: 2 relocations identical: R_X86_64_64 at 8 -> \.text; R_X86_64_64 at 24 -> \.exit\.text$/m,
    );
    expect(r.out).toContain('anchors: 1 relocation identical: R_X86_64_64 at 8 -> .init.text');
    expect(r.out).toMatch(/^\.init\.mod_lineinfo parts \(bytes\):$/m);
    expect(r.out).not.toContain('not modelled');

    const j = await checkJson([NEWEST, ko]);
    expect(j.json.outcome).toBe('exact');
    expect(j.json.format).toBe('module-newest');
    expect(j.json.sections!.map((s) => [s.name, s.relocations])).toEqual([
      ['.mod_lineinfo', 2],
      ['.init.mod_lineinfo', 1],
    ]);
    const blobs = j.json.moduleBlobs!;
    expect(blobs.map((b) => [b.blob, b.sections.map((s) => s.name)])).toEqual([
      ['.mod_lineinfo', ['.text', '.exit.text']],
      ['.init.mod_lineinfo', ['.init.text']],
    ]);
    for (const b of blobs) {
      expect(b.bytes.identical).toBe(true);
      expect(b.bytes.padding).toBe(0);
      expect(b.anchors.identical).toBe(true);
      expect(b.anchors.generator).toEqual(b.anchors.ours);
      expect(b.anchors.generator.map((a) => [a.typeName, a.target, a.addend])).toEqual(
        b.sections.map((s) => ['R_X86_64_64', s.name, 0]),
      );
      for (const s of b.sections) {
        expect(s.size.generator).toBe(s.size.ours);
        expect(s.bytes.generator).toBe(s.bytes.ours);
        expect(s.comparison.entries.generator).toBe(s.comparison.entries.ours);
      }
      // the assembled section is the table, every byte
      expect(j.json.sections!.find((s) => s.name === b.blob)!.size).toBe(b.bytes.generator);
    }
    // the init function (line 9000) has its own blob: entries at 9000 and up only
    const c = j.json.comparison!;
    expect(c.entries).toEqual({ generator: 10, ours: 10 });
    expect(c.bytes.generator).toBe(blobs[0].bytes.generator + blobs[1].bytes.generator);
  });

  it.each(KO_TARGETS.filter((t) => t.arch !== 'x86_64').map((t) => [t.arch, t] as const))(
    'the newest generator --module on %s (DWARF 4 and 5): exact, the assembler padding reported as padding',
    async (arch, t) => {
      const as = t.ld.replace(/ld$/, 'as');
      if (!hasKoTools(t) || !hasTool(as)) return;
      for (const dwarf of [4, 5] as const) {
        const j = await checkJson([NEWEST, buildKo(t, dwarf)]);
        expect(j.err).toBe('');
        expect(j.json.kernel.arch).toBe(arch);
        expect(j.json.outcome).toBe('exact');
        expect(j.code).toBe(0);
        const blobs = j.json.moduleBlobs!;
        expect(blobs.map((b) => b.sections.map((s) => s.name))).toEqual([
          ['.text', '.exit.text'],
          ['.init.text'],
        ]);
        for (const b of blobs) {
          const size = j.json.sections!.find((s) => s.name === b.blob)!.size;
          expect(b.bytes.generator + b.bytes.padding).toBe(size);
          // s390x's as rounds each section up to 8 bytes with zeros; nobody else pads
          if (arch === 's390x') expect(size % 8).toBe(0);
          else expect(b.bytes.padding).toBe(0);
          expect(b.anchors.identical).toBe(true);
        }
      }
    },
  );

  it('a generator whose .exit.text table goes to .init.mod_lineinfo: the differences by section, exit 1', async () => {
    const mutated = treeCopy(NEWEST, 'newest-exit-in-init', (t) =>
      t.replace(
        '{ .name = ".exit.text",    .blob = BLOB_PERSISTENT }',
        '{ .name = ".exit.text",    .blob = BLOB_INIT }',
      ),
    );
    const r = await check([mutated, ko]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^DIFFERENT: entries 10 \(generator\) vs 10 \(ours\), files 1 vs 1/m);
    expect(r.out).toMatch(/offsets only in the generator's tables 2, only in ours 2/);
    // each difference names its section, the entry, its file and line
    expect(r.out).toMatch(/^ {2}\.exit\.text +only-ours +0x0 +- +#0 0x0 mod_a\.c:9101$/m);
    expect(r.out).toMatch(/^ {2}\.exit\.text +only-generator +0x0 +#0 0x0 mod_a\.c:9101 +-$/m);
    expect(r.out).toMatch(/^ {2}\.mod_lineinfo +\.exit\.text +0 \/ 2 +0 \/ 1 +- \/ \d+/m);
    expect(r.out).toMatch(/^ {2}\.init\.mod_lineinfo +\.exit\.text +2 \/ 0 +1 \/ 0 +\d+ \/ -/m);
    expect(r.out).toMatch(
      /^\.mod_lineinfo: 108 bytes \(generator\) vs 168 \(ours\); first difference at byte 0, in root\.num_sections$/m,
    );
    expect(r.out).toContain(
      'generator: R_X86_64_64 at 8 -> .exit.text; R_X86_64_64 at 24 -> .init.text',
    );
    // a table on one side only is no file-name difference
    expect(r.out).not.toContain('file names');
    const lines = errLines(r.err);
    expect(lines).toEqual([
      "threshold: gen_lineinfo's tables differ from our newest model: 10 vs 10 entries, 4 entries and 0 file names differ, bytes differ",
    ]);
    const j = await checkJson([mutated, ko]);
    expect(j.json.outcome).toBe('different');
    const anchors = j.json.moduleBlobs!.map((b) => [
      b.blob,
      b.anchors.generator.map((a) => a.target),
      b.anchors.ours.map((a) => a.target),
    ]);
    expect(anchors).toEqual([
      ['.mod_lineinfo', ['.text'], ['.text', '.exit.text']],
      ['.init.mod_lineinfo', ['.exit.text', '.init.text'], ['.init.text']],
    ]);
  });

  it("a generator that writes one line wrong: the changed entry with its file, the section's bytes, exit 1", async () => {
    const mutated = treeCopy(NEWEST, 'newest-line-plus-one', (t) =>
      t.replace(
        'printf("\\t.long %u\\n", entries[first + i].line);',
        'printf("\\t.long %u\\n", entries[first + i].line + (i == 1));',
      ),
    );
    const j = await checkJson([mutated, ko]);
    expect(j.code).toBe(1);
    const c = j.json.comparison!;
    // the second entry of every section's table
    expect(c.changed).toBe(3);
    expect(c.onlyGenerator + c.onlyOurs).toBe(0);
    expect(c.differences.map((d) => d.section)).toEqual(['.text', '.exit.text', '.init.text']);
    const d = c.differences[1];
    expect(d.generator!.line).toBe(d.ours!.line + 1);
    expect(d.generator!.file).toBe('mod_a.c');
    for (const b of j.json.moduleBlobs!) {
      expect(b.bytes.identical).toBe(false);
      expect(b.bytes.firstDifference!.part).toMatch(/\.lines$/);
      expect(b.anchors.identical).toBe(true);
    }
    const r = await check([mutated, ko]);
    expect(r.out).toMatch(/^ {2}\.text +changed +0x[0-9a-f]+ +#1 0x[0-9a-f]+ mod_a\.c:\d+ +#1 0x/m);
    expect(r.out).toMatch(/first difference at byte \d+, in \.text\.lines$/m);
  });

  it('the v4 tree read as newest, or the newest as v1-v4: its sections cannot be decoded so, exit 2', async () => {
    const asNewest = await check([V4, ko, '--revision', 'newest']);
    expect(asNewest.code).toBe(2);
    expect(errLines(asNewest.err)).toEqual([
      expect.stringMatching(
        /mod\.ko: cannot decode the generator's \.mod_lineinfo as module-newest: /,
      ),
    ]);
    const asV4 = await check([NEWEST, ko, '--revision', 'v1-v4']);
    expect(asV4.code).toBe(2);
    expect(errLines(asV4.err)).toEqual([
      expect.stringMatching(/mod\.ko: cannot decode the generator's \.mod_lineinfo: module-v3/),
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

  it('post-v7-patch2 --module on xfs.ko, virtio_net.ko and kvm.ko: exact, section by section', async () => {
    const flavour = g.debian_package.replace(/^linux-image-[0-9.]+-\d+-/, '').replace(/-dbg$/, '');
    const k = await new DebianSource(
      { flavour, version: g.package_version, modules: true },
      cacheRoot(),
    ).get();
    const mod = (name: string) => k.modules.find((p) => p.endsWith(`/${name}`))!;
    const sections = async (name: string) => {
      const j = await checkJson([NEWEST, mod(name)]);
      expect(j.err, name).toBe('');
      expect(j.json.outcome, name).toBe('exact');
      expect(j.code, name).toBe(0);
      for (const b of j.json.moduleBlobs!) {
        expect(b.bytes.padding, name).toBe(0);
        expect(
          b.anchors.generator.every((a) => a.typeName === 'R_X86_64_64'),
          name,
        ).toBe(true);
      }
      return j.json.moduleBlobs!.flatMap((b) =>
        b.sections.map((s) => [b.blob, s.name, s.comparison.entries.generator]),
      );
    };
    // the generator reads .debug_info unrelocated: xfs's and kvm's first unit only, all in .text
    expect(await sections('fs/xfs/xfs.ko')).toEqual([['.mod_lineinfo', '.text', 2996]]);
    expect(await sections('arch/x86/kvm/kvm.ko')).toEqual([['.mod_lineinfo', '.text', 5362]]);
    expect(await sections('drivers/net/virtio_net.ko')).toEqual([
      ['.mod_lineinfo', '.text', 3930],
      ['.mod_lineinfo', '.exit.text', 3],
      ['.init.mod_lineinfo', '.init.text', 13],
    ]);
  }, 300_000);

  it('post-v7-patch2: exact against our newest rules', async () => {
    const vmlinux = await goldenVmlinux(g);
    const newest = JSON.parse(
      readFileSync(join(GOLDEN_DIR, 'amd64-cloud-6.1-newest.json'), 'utf8'),
    ) as { entries: number; files: number };
    const j = await checkJson([NEWEST, vmlinux]);
    expect(j.json.outcome).toBe('exact');
    expect(j.json.comparison!.entries.generator).toBe(newest.entries);
    expect(j.json.comparison!.files.generator).toBe(newest.files);
    expect(j.code).toBe(0);
  }, 300_000);
});
