import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ElfFile, SHF } from '../../src/elf/elf-file.js';
import { buildFixture, FIXTURES, referenceInput } from '../helpers/fixtures.js';

/** `readelf -S -W`: name, type, address, offset, size per section. */
function readelfSections(path: string) {
  const text = execFileSync('readelf', ['-S', '-W', path], { encoding: 'utf8' });
  const out: { name: string; addr: bigint; offset: number; size: number; flags: string }[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)\s/.exec(
        line,
      );
    if (m && m[1] !== '0') {
      out.push({
        name: m[2],
        addr: BigInt(`0x${m[4]}`),
        offset: Number.parseInt(m[5], 16),
        size: Number.parseInt(m[6], 16),
        flags: m[7],
      });
    }
  }
  return out;
}

/** `readelf -s -W` on .symtab: name -> value. */
function readelfSymbols(path: string): Map<string, bigint> {
  const text = execFileSync('readelf', ['-s', '-W', path], { encoding: 'utf8' });
  const out = new Map<string, bigint>();
  let inSymtab = false;
  for (const line of text.split('\n')) {
    if (line.startsWith("Symbol table '.symtab'")) inSymtab = true;
    else if (line.startsWith('Symbol table')) inSymtab = false;
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S+)/.exec(line);
    if (inSymtab && m && !out.has(m[2])) out.set(m[2], BigInt(`0x${m[1]}`));
  }
  return out;
}

// Debian's native gcc links PIE (ET_DYN); the cross fixtures link -static (ET_EXEC).
const EXPECTED: Record<string, { arch: string; is64: boolean; little: boolean; type: string }> = {
  'gcc-dwarf5': { arch: 'x86_64', is64: true, little: true, type: 'ET_DYN' },
  'i686-dwarf5': { arch: 'i386', is64: false, little: true, type: 'ET_EXEC' },
  's390x-dwarf5': { arch: 's390x', is64: true, little: false, type: 'ET_EXEC' },
  'powerpc-dwarf5': { arch: 'ppc', is64: false, little: false, type: 'ET_EXEC' },
  'aarch64-dwarf5': { arch: 'arm64', is64: true, little: true, type: 'ET_EXEC' },
};

describe.each(Object.entries(EXPECTED))('ELF reader on %s', (name, want) => {
  const path = buildFixture(name);

  it('knows the class, byte order and architecture', () => {
    const elf = ElfFile.open(path);
    expect(elf.is64).toBe(want.is64);
    expect(elf.littleEndian).toBe(want.little);
    expect(elf.arch.name).toBe(want.arch);
    expect(elf.typeName).toBe(want.type);
    elf.close();
  });

  it('lists the sections readelf lists', () => {
    const elf = ElfFile.open(path);
    const ref = readelfSections(path);
    expect(ref.length).toBeGreaterThan(10);
    const ours = elf.sections
      .slice(1)
      .map((s) => ({ name: s.name, addr: s.addr, offset: s.offset, size: s.size }));
    expect(ours).toEqual(ref.map(({ flags: _f, ...rest }) => rest));
    elf.close();
  });

  it('reads the symbols readelf reads', () => {
    const elf = ElfFile.open(path);
    const ref = readelfSymbols(path);
    for (const sym of ['main', 'compute', 'util_mix', 'asm_add_one']) {
      expect(ref.has(sym), sym).toBe(true);
      expect(elf.symbolValue(sym), sym).toBe(ref.get(sym));
    }
    elf.close();
  });
});

describe.each(['gcc-dwarf5-zlib', 'gcc-dwarf5-zstd'])('compressed debug sections (%s)', (name) => {
  it('are flagged SHF_COMPRESSED and decompress to the uncompressed bytes', () => {
    const elf = ElfFile.open(buildFixture(name));
    const plain = ElfFile.open(referenceInput(name));
    const type = FIXTURES[name].compress!.type;
    let checked = 0;
    for (const s of elf.sections.filter((x) => x.name.startsWith('.debug_'))) {
      const c = elf.contents(s);
      const p = plain.section(s.name)!;
      if (s.flags & SHF.COMPRESSED) {
        expect(c.compression).toBe(type);
        expect(s.size).toBeLessThan(p.size);
        checked++;
      }
      expect(Buffer.from(c.bytes).equals(Buffer.from(plain.contents(p).bytes)), s.name).toBe(true);
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    elf.close();
    plain.close();
  });
});

describe('program headers', () => {
  it('match readelf -l', () => {
    const path = buildFixture('gcc-dwarf5');
    const text = execFileSync('readelf', ['-l', '-W', path], { encoding: 'utf8' });
    const loads = [
      ...text.matchAll(
        /^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/gm,
      ),
    ];
    const elf = ElfFile.open(path);
    const ours = elf.programHeaders.filter((p) => p.type === 1);
    expect(ours.map((p) => [p.offset, p.vaddr, p.filesz, p.memsz])).toEqual(
      loads.map((m) => [
        Number.parseInt(m[1], 16),
        BigInt(`0x${m[2]}`),
        Number.parseInt(m[3], 16),
        Number.parseInt(m[4], 16),
      ]),
    );
    expect(ours.length).toBeGreaterThanOrEqual(2);
    elf.close();
  });
});
