import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { sha256 } from '../../src/kernels/cache.js';
import { describeLocal, LocalSource } from '../../src/kernels/local.js';
import { describeKernel, parseCompilerText, parseKconfig } from '../../src/kernels/metadata.js';
import { compileKernelLike, hasProgram, readelfHeader, tempDir } from './helpers.js';

const dir = tempDir('metadata');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real compilers here: native, 32-bit LE, 64-bit BE, 32-bit BE, arm64. */
const COMPILERS = [
  { cc: 'gcc', arch: 'x86_64', bits: 64, endianness: 'little' },
  { cc: 'aarch64-linux-gnu-gcc', arch: 'arm64', bits: 64, endianness: 'little' },
  { cc: 'i686-linux-gnu-gcc', arch: 'i386', bits: 32, endianness: 'little' },
  { cc: 's390x-linux-gnu-gcc', arch: 's390x', bits: 64, endianness: 'big' },
  { cc: 'powerpc-linux-gnu-gcc', arch: 'ppc', bits: 32, endianness: 'big' },
] as const;

describe('describeKernel on ELF files compiled now', () => {
  for (const c of COMPILERS) {
    it.skipIf(!hasProgram(c.cc))(
      `${c.cc}: arch, bits and byte order as readelf says; DWARF, banner, compiler`,
      () => {
        const elf = compileKernelLike(c.cc, dir, `k-${c.arch}`);
        const md = describeKernel(elf);
        const h = readelfHeader(elf);
        expect(md.arch).toBe(c.arch);
        expect(md.bits).toBe(h.class === 'ELF64' ? 64 : 32);
        expect(md.bits).toBe(c.bits);
        expect(md.endianness).toBe(/little/.test(h.data) ? 'little' : 'big');
        expect(md.endianness).toBe(c.endianness);
        expect(md.dwarfVersion).toBe(5);
        expect(md.kernelVersion).toBe('6.9.0-lb-test');
        // the compiler's own version, from the .comment section
        const version = execFileSync(c.cc, ['-dumpfullversion'], { encoding: 'utf8' }).trim();
        expect(md.compiler).toBe('gcc');
        expect(md.compilerVersion).toBe(version);
        expect(md.configHash).toBeUndefined();
      },
    );
  }

  it('reads DWARF 4 too', () => {
    const elf = compileKernelLike('gcc', dir, 'k-dwarf4', ['-gdwarf-4']);
    expect(describeKernel(elf).dwarfVersion).toBe(4);
  });

  it.skipIf(!hasProgram('clang'))('names clang and its version', () => {
    const elf = compileKernelLike('clang', dir, 'k-clang', ['-gdwarf-5', '-fuse-ld=lld']);
    const md = describeKernel(elf);
    const v = /clang version (\S+)/.exec(
      execFileSync('clang', ['--version'], { encoding: 'utf8' }),
    )![1];
    expect(md.compiler).toBe('clang');
    expect(md.compilerVersion).toBe(v);
  });

  it('has no DWARF version without debug info, and no banner without one', () => {
    const elf = join(dir, 'nodebug');
    writeFileSync(`${elf}.c`, 'int main(void) { return 0; }\n');
    execFileSync('gcc', ['-g0', '-nostdlib', '-static', '-Wl,-e,main', '-o', elf, `${elf}.c`]);
    const md = describeKernel(elf);
    expect(md.dwarfVersion).toBeUndefined();
    expect(md.kernelVersion).toBeUndefined();
  });

  it('prefers the .config for the compiler, and hashes it', () => {
    const elf = compileKernelLike('gcc', dir, 'k-cfg');
    const cfg = join(dir, 'k-cfg.config');
    const text =
      '#\n# Linux/arm64 6.12.117 Kernel Configuration\n#\nCONFIG_CC_VERSION_TEXT="aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"\nCONFIG_CC_IS_GCC=y\n';
    writeFileSync(cfg, text);
    const md = describeKernel(elf, { config: cfg, configName: 'my-recipe' });
    expect(md.compilerText).toBe('aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0');
    expect(md.compilerVersion).toBe('12.2.0');
    expect(md.configHash).toBe(sha256(text));
    expect(md.configName).toBe('my-recipe');
    // the banner is more specific than the .config header
    expect(md.kernelVersion).toBe('6.9.0-lb-test');
  });

  it('rejects a file that is not ELF with a UserError naming it', () => {
    const f = join(dir, 'not-elf');
    writeFileSync(f, 'hello, this is not an ELF file at all');
    let err: unknown;
    try {
      describeKernel(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).line()).toBe(`${f}: not an ELF file (no \\x7fELF magic)`);
  });
});

describe('parsers', () => {
  it('parseKconfig reads values, strings and "is not set"', () => {
    const m = parseKconfig(
      'CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x \\"q\\""\nCONFIG_D=0x10\n# comment\n',
    );
    expect(m.get('CONFIG_A')).toBe('y');
    expect(m.get('CONFIG_B')).toBeNull();
    expect(m.get('CONFIG_C')).toBe('x "q"');
    expect(m.get('CONFIG_D')).toBe('0x10');
    expect(m.has('CONFIG_E')).toBe(false);
  });

  it('parseCompilerText splits the banners gcc and clang write', () => {
    expect(parseCompilerText('gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0')).toEqual({
      compiler: 'gcc',
      version: '12.2.0',
    });
    expect(parseCompilerText('GCC: (Debian 12.2.0-14) 12.2.0')).toEqual({
      compiler: 'gcc',
      version: '12.2.0',
    });
    expect(parseCompilerText('Debian clang version 14.0.6')).toEqual({
      compiler: 'clang',
      version: '14.0.6',
    });
  });
});

describe('local kernels', () => {
  it('describes a bare vmlinux path', async () => {
    const elf = compileKernelLike('aarch64-linux-gnu-gcc', dir, 'vmlinux-bare');
    const k = await new LocalSource({ path: elf }).get();
    expect(k.vmlinux).toBe(elf);
    expect(k.config).toBeUndefined();
    expect(k.bootImage).toBeUndefined();
    expect(k.modules).toEqual([]);
    expect(k.metadata.arch).toBe('arm64');
    expect(k.provenance).toEqual({ kind: 'path', path: elf });
  });

  it('finds vmlinux, .config, release, boot image and modules in a build directory laid out as make leaves it', () => {
    const b = join(dir, 'build-o');
    mkdirSync(join(b, 'arch/arm64/boot'), { recursive: true });
    mkdirSync(join(b, 'include/config'), { recursive: true });
    mkdirSync(join(b, 'drivers/foo'), { recursive: true });
    copyFileSync(compileKernelLike('aarch64-linux-gnu-gcc', dir, 'vm-o'), join(b, 'vmlinux'));
    // a module is an ET_REL object: compile one for real
    execFileSync('aarch64-linux-gnu-gcc', [
      '-c',
      '-gdwarf-5',
      '-o',
      join(b, 'drivers/foo/foo.ko'),
      `${join(dir, 'vm-o')}.c`,
    ]);
    writeFileSync(join(b, 'arch/arm64/boot/Image'), 'not a real image');
    writeFileSync(
      join(b, '.config'),
      'CONFIG_CC_VERSION_TEXT="aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"\n',
    );
    writeFileSync(join(b, 'include/config/kernel.release'), '6.12.117-test\n');
    writeFileSync(
      join(b, 'Makefile'),
      `# Automatically generated\ninclude ${dir}/nosuchsrc/Makefile\n`,
    );
    const k = describeLocal({ path: b, modules: true });
    expect(k.vmlinux).toBe(join(b, 'vmlinux'));
    expect(k.config).toBe(join(b, '.config'));
    expect(k.bootImage).toBe(join(b, 'arch/arm64/boot/Image'));
    expect(k.modules).toEqual([join(b, 'drivers/foo/foo.ko')]);
    expect(k.metadata.kernelVersion).toBe('6.12.117-test');
    expect(k.metadata.compilerText).toContain('aarch64-linux-gnu-gcc');
    // without --modules, none are listed
    expect(describeLocal({ path: b }).modules).toEqual([]);
  });

  it('says what is wrong with a directory that has no vmlinux', () => {
    const b = join(dir, 'unbuilt');
    mkdirSync(b, { recursive: true });
    writeFileSync(join(b, 'Makefile'), 'all:\n');
    expect(() => describeLocal({ path: b })).toThrow(
      /no vmlinux in this directory \(not built yet/,
    );
    expect(() => describeLocal({ path: join(dir, 'nothing-here') })).toThrow(UserError);
  });
});
