import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readUnits } from '../../src/dwarf/info.js';
import { allocRows, ROW, readLineTable } from '../../src/dwarf/line.js';
import { DwarfSections } from '../../src/dwarf/sections.js';
import { ElfFile, SHF } from '../../src/elf/elf-file.js';
import { moduleLayout } from '../../src/elf/relocate.js';
import { hasTool } from './fixtures.js';
import { llvmDwarfdumpLines } from './reference-readers.js';

/**
 * `.ko`-like relocatable objects made at test time: two C files compiled with
 * a (cross) gcc and joined with `ld -r`, as kbuild links a module. One has
 * functions in `.init.text` and `.exit.text` (at lines 9000 and 9100), the
 * other one in `.text.unlikely` (line 7000), so every sequence-section case
 * of a real module is there. Cached by a hash of sources and command.
 */

export interface KoTarget {
  arch: string;
  cc: string;
  ld: string;
  /** Debian package with the compiler, for the skip message. */
  pkg: string;
}

export const KO_TARGETS: KoTarget[] = [
  { arch: 'x86_64', cc: 'gcc', ld: 'ld', pkg: 'build-essential' },
  { arch: 'i386', cc: 'i686-linux-gnu-gcc', ld: 'i686-linux-gnu-ld', pkg: 'gcc-i686-linux-gnu' },
  {
    arch: 'arm64',
    cc: 'aarch64-linux-gnu-gcc',
    ld: 'aarch64-linux-gnu-ld',
    pkg: 'gcc-aarch64-linux-gnu',
  },
  {
    arch: 'arm',
    cc: 'arm-linux-gnueabihf-gcc',
    ld: 'arm-linux-gnueabihf-ld',
    pkg: 'gcc-arm-linux-gnueabihf',
  },
  {
    arch: 'riscv64',
    cc: 'riscv64-linux-gnu-gcc',
    ld: 'riscv64-linux-gnu-ld',
    pkg: 'gcc-riscv64-linux-gnu',
  },
  {
    arch: 'ppc64le',
    cc: 'powerpc64le-linux-gnu-gcc',
    ld: 'powerpc64le-linux-gnu-ld',
    pkg: 'gcc-powerpc64le-linux-gnu',
  },
  {
    arch: 's390x',
    cc: 's390x-linux-gnu-gcc',
    ld: 's390x-linux-gnu-ld',
    pkg: 'gcc-s390x-linux-gnu',
  },
];

export const KO_SOURCES: Record<string, string> = {
  'mod_a.c': `int counter;
static int helper(int x)
{
	return x * 3 + counter;
}
int mod_a(int x)
{
	if (x > 10)
		return helper(x);
	return x - 1;
}
#line 9000
__attribute__((section(".init.text"), noinline)) int mod_init(void)
{
	counter = mod_a(5);
	return counter + 1;
}
#line 9100
__attribute__((section(".exit.text"), noinline)) void mod_exit(void)
{
	counter = 0;
}
`,
  'mod_b.c': `extern int counter;
int mod_b(int x)
{
	int s = 0;
	for (int i = 0; i < x; i++)
		s += i * counter;
	return s;
}
extern int ext_call(int);
/* a frame: DW_CFA_advance_loc in .debug_frame (R_RISCV_SET6/SUB6 there) */
int mod_frame(int x)
{
	int a = ext_call(x);
	return a + ext_call(a) + x;
}
#line 7000
__attribute__((section(".text.unlikely"), noinline)) int mod_cold(int x)
{
	return x * 7 + counter;
}
`,
};

/** Lines at or above this come from functions outside `.text`. */
export const FIRST_NON_TEXT_LINE = 7000;

const cacheDir = join(tmpdir(), 'lineinfo-bench-fixtures', 'ko');

export function hasKoTools(t: KoTarget): boolean {
  return hasTool(t.cc) && hasTool(t.ld);
}

/** Builds (or reuses) the two-object module for a target; returns the `ld -r` output's path. */
export function buildKo(t: KoTarget, dwarf: 4 | 5 = 5): string {
  const flags = [`-gdwarf-${dwarf}`, '-O2', '-ffreestanding', '-fno-pic', '-c'];
  const h = createHash('sha256');
  h.update(JSON.stringify({ t, flags }));
  for (const [n, src] of Object.entries(KO_SOURCES)) h.update(n).update(src);
  const dir = join(cacheDir, `${t.arch}-dwarf${dwarf}-${h.digest('hex').slice(0, 16)}`);
  const out = join(dir, 'mod.ko');
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const objs: string[] = [];
  for (const [name, src] of Object.entries(KO_SOURCES)) {
    writeFileSync(join(dir, name), src);
    const obj = join(dir, name.replace(/\.c$/, '.o'));
    execFileSync(t.cc, [...flags, '-o', obj, name], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    objs.push(obj);
  }
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync(t.ld, ['-r', '-o', tmp, ...objs], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, out);
  return out;
}

export interface Row {
  addr: bigint;
  line: number;
  file: number;
  end: boolean;
}

/** Our rows per line table, each address made section-relative again through the module layout. */
export function ourRows(path: string, mode: 'full' | 'upstream'): Map<number, Row[]> {
  const elf = ElfFile.open(path);
  try {
    const dw = new DwarfSections(elf, mode);
    const layout = moduleLayout(elf);
    const exec = elf.sections.filter((s) => s.flags & SHF.ALLOC && s.flags & SHF.EXECINSTR);
    const relative = (a: bigint) => {
      if (mode !== 'full') return a;
      const s = exec.find((x) => a >= layout[x.index] && a <= layout[x.index] + BigInt(x.size));
      if (!s) throw new Error(`address 0x${a.toString(16)} in no code section`);
      return a - layout[s.index];
    };
    const out = new Map<number, Row[]>();
    for (const u of readUnits(dw)) {
      if (u.stmtList === undefined) continue;
      const lt = readLineTable(dw, u.stmtList, u.addressSize, allocRows(64));
      const rows: Row[] = [];
      for (let i = 0; i < lt.rows.count; i++) {
        const a = BigInt(lt.rows.addrHi[i]) * 0x100000000n + BigInt(lt.rows.addrLo[i]);
        rows.push({
          addr: relative(a),
          line: lt.rows.line[i],
          file: lt.rows.file[i],
          end: (lt.rows.flags[i] & ROW.endSequence) !== 0,
        });
      }
      out.set(u.stmtList, rows);
    }
    return out;
  } finally {
    elf.close();
  }
}

export function refRows(path: string): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const [off, rows] of llvmDwarfdumpLines(path)) {
    out.set(
      off,
      rows.map((r) => ({
        addr: r.addr,
        line: r.line,
        file: r.file,
        end: r.flags.includes('end_sequence'),
      })),
    );
  }
  return out;
}
