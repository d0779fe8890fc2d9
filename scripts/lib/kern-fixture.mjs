import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A vmlinux-like fixture for the revision history: the usual fixture
 * sources plus a unit with a cold split function (`.text.unlikely`), a
 * hand-written routine without line rows (`kern_stub`, in a section of its
 * own inside .text), and two functions in `.init.text`, linked by a script
 * that puts `_text` and `_etext` around the code and the init code after
 * `.rodata`, as the kernel's vmlinux.lds does. `patchable` compiles with
 * -fpatchable-function-entry=2: on arm64 a function's first row then lies
 * 8 bytes past its symbol, so the newest rules synthesize entries.
 *
 * Plain JavaScript so that scripts (the differential fuzzer) and the tests
 * (test/helpers/kern-fixture.ts re-exports it) build the same fixture.
 */

const here = dirname(fileURLToPath(import.meta.url));
/** The fixture sources the tests compile (test/fixtures/src). */
export const FIXTURE_SRC = join(here, '..', '..', 'test', 'fixtures', 'src');

export const KERN_C = `#include "lib/util.h"

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

/* two more functions in the same section, so one line-program sequence runs through them */
__attribute__((noinline)) int kern_step(int v)
{
	state += v;
	return state * 3;
}

__attribute__((noinline)) int kern_twice(int v)
{
	return kern_step(v) + kern_step(v + 1);
}

/* hand-written code with no line rows, as an assembly routine */
__asm__(".pushsection .text.stub, \\"ax\\", %progbits\\n"
	".globl kern_stub\\n"
	".type kern_stub, %function\\n"
	"kern_stub:\\n"
	"\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n"
	".size kern_stub, .-kern_stub\\n"
	".popsection\\n");

__attribute__((section(".init.text"), noinline)) int kern_init(void)
{
	int s = 0;

	for (int i = 0; i < 40; i++)
		s += kern_work(i) ^ kern_twice(i);
	state = s;
	return state + 1;
}

__attribute__((section(".init.text"), noinline)) int kern_init_late(void)
{
	return kern_init() * 3;
}
`;

export const KERN_LDS = `ENTRY(main)
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

/**
 * Builds (or takes from the temp cache) the fixture with `cc` and returns
 * its path. `flags` are added to the compile (a DWARF version, say).
 *
 * @param {string} cc
 * @param {{ patchable?: boolean, flags?: string[] }} [options]
 * @returns {string}
 */
export function buildKern(cc, options = {}) {
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
    ...(options.patchable ? ['-fpatchable-function-entry=2'] : []),
    ...(options.flags ?? []),
  ];
  // the DWARF records where the sources were: another checkout compiles its own
  const h = createHash('sha256').update(
    JSON.stringify({ cc, flags, KERN_C, KERN_LDS, src: FIXTURE_SRC }),
  );
  for (const s of sources) h.update(readFileSync(s));
  const out = join(
    tmpdir(),
    'lineinfo-bench-fixtures',
    'history',
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
