import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { parseFormat } from '../../src/encodings/registry.js';
import type { LookupHit } from '../../src/encodings/types.js';
import { FormatError } from '../../src/errors.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { edgeAddresses, uniformSet } from '../../src/measure/addresses.js';
import { compileKernelLookup } from '../../src/measure/kernel-lookup.js';
import { buildHarness, nativeProbeMany } from '../../src/measure/native.js';
import { seededRandom } from '../../src/measure/verify.js';
import { buildFixture } from '../helpers/fixtures.js';

describe('the kernel-ready page-huffman lookup (src/measure/native/lineinfo-page-huffman.h)', () => {
  it.each(['x86_64', 'arm64'] as const)(
    'compiles for %s with kernel flags (freestanding, no builtins, -Werror, no FPU registers) and needs nothing from libc',
    (arch) => {
      const build = compileKernelLookup(arch);
      expect(build.flags).toEqual(
        expect.arrayContaining(['-ffreestanding', '-fno-builtin', '-O2', '-Wall', '-Werror']),
      );
      expect(build.undefinedSymbols).toEqual([]);
      // the code the image pays for: a few KiB, not a library
      expect(build.textBytes).toBeGreaterThan(1000);
      expect(build.textBytes).toBeLessThan(16384);
    },
  );

  it('survives 400 corrupt tables (any byte, header included, and truncations): the C lookup never faults and answers as the TypeScript reader wherever that opens the table', {
    // four harness processes instead of 800: 24 s at load 17, where one per table took 204 s
    timeout: 120_000,
  }, () => {
    const built = buildHarness('cc');
    if (!built.ok) throw new Error(`the tests need a C compiler: ${built.reason}`);
    const h = built.harness;
    const path = buildFixture('gcc-dwarf5');
    const elf = ElfFile.open(path);
    const table = (() => {
      try {
        return extractUpstream(elf, { base: 0n }).table;
      } finally {
        elf.close();
      }
    })();
    const base = 0x1000n;
    const format = parseFormat('page-huffman:64');
    const encoded = format.encode(table, elf.littleEndian);
    const addrs = BigUint64Array.from([
      ...uniformSet(table, 300, 5).offsets.map((o) => base + BigInt(o)),
      ...edgeAddresses(table, base),
    ]);
    const random = seededRandom(2026);
    const mutants: Uint8Array[] = [];
    for (let round = 0; round < 400; round++) {
      const cut =
        random() < 0.15 ? Math.floor(random() * encoded.bytes.length) : encoded.bytes.length;
      const bytes = encoded.bytes.slice(0, cut);
      // a few random bytes anywhere, and every fourth round one in the header and page index
      for (let k = 0; k < 3; k++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      if (round % 4 === 0)
        bytes[Math.floor(random() * Math.min(bytes.length, 2600))] ^= 1 << Math.floor(random() * 8);
      mutants.push(bytes);
    }
    // the C lookup on all of them, a hundred tables per harness process
    const probes = [];
    for (let k = 0; k < mutants.length; k += 100)
      probes.push(
        ...nativeProbeMany(
          h,
          encoded.format,
          elf.littleEndian,
          mutants.slice(k, k + 100),
          base,
          addrs,
        ),
      );
    let compared = 0;
    let rejectedByOpen = 0;
    const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
    mutants.forEach((bytes, k) => {
      const probe = probes[k];
      // no signal, no exit but an answer (this lookup opens any table and checks it on every call)
      expect(probe.kind, `mutant ${k}`).toBe('answered');
      if (probe.kind !== 'answered') return;
      let reader: ReturnType<typeof format.open>;
      try {
        reader = format.open(bytes, elf.littleEndian);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        rejectedByOpen++;
        return;
      }
      addrs.forEach((a, i) => {
        const found = a >= base && a - base <= 0xffffffffn && reader.lookup(Number(a - base), hit);
        const c = probe.answers.subarray(5 * i, 5 * i + 5);
        expect(
          found ? [1, hit.index, hit.offset, hit.fileId, hit.line] : 0,
          `mutant ${k} at 0x${a.toString(16)}`,
        ).toEqual(c[0] ? [...c] : 0);
      });
      compared++;
    });
    // both kinds happened: tables the reader refused, and corrupt tables it read and the C lookup matched
    expect(rejectedByOpen).toBeGreaterThan(20);
    expect(compared).toBeGreaterThan(100);
  });
});
