import { UserError } from '../errors.js';

/** How to build the kernel for one architecture on a Debian host. */
export interface ArchBuild {
  /** Our name (matches the ELF-derived name in src/elf/machine.ts). */
  name: string;
  /** make ARCH=; sub-arch aliases (x86_64, i386, sparc64) pick 32/64-bit themselves. */
  makeArch: string;
  /** CROSS_COMPILE prefix on an x86_64 host ('' for native). */
  crossPrefix: string;
  /** The Debian package that provides `${crossPrefix}gcc`. */
  gccPackage: string;
  binutilsPackage?: string;
  /** Whether `LLVM=1` builds 6.12 for this arch with Debian's clang 14: measured for x86_64, arm64,
   *  arm, riscv64, ppc64le (results/builds); the others are not tried (or fail, as i386 does). */
  clang: boolean;
  /** The arch's defconfig target (recipes with base "defconfig"). */
  defconfig: string;
  /** Kconfig lines every recipe needs on this arch (e.g. 64-bit, byte order on powerpc). */
  fragment: string[];
  /** The boot image make produces, relative to the O= dir. */
  bootImage?: string;
  /** TuxMake's (and TuxSuite's) name for the arch, its `target_arch`; the recipe's fragment picks 32/64-bit and byte order. */
  tuxmakeArch: string;
}

export const ARCHES: ArchBuild[] = [
  {
    name: 'x86_64',
    tuxmakeArch: 'x86_64',
    makeArch: 'x86_64',
    crossPrefix: '',
    gccPackage: 'gcc',
    clang: true,
    defconfig: 'x86_64_defconfig',
    fragment: ['CONFIG_64BIT=y'],
    bootImage: 'arch/x86/boot/bzImage',
  },
  {
    name: 'i386',
    tuxmakeArch: 'i386',
    makeArch: 'i386',
    crossPrefix: 'i686-linux-gnu-',
    gccPackage: 'gcc-i686-linux-gnu',
    // clang 14 fails on 6.12 i386: "invalid output size for constraint '=a'" (mm/maccess.c)
    clang: false,
    defconfig: 'i386_defconfig',
    fragment: ['# CONFIG_64BIT is not set'],
    bootImage: 'arch/x86/boot/bzImage',
  },
  {
    name: 'arm64',
    tuxmakeArch: 'arm64',
    makeArch: 'arm64',
    crossPrefix: 'aarch64-linux-gnu-',
    gccPackage: 'gcc-aarch64-linux-gnu',
    clang: true,
    defconfig: 'defconfig',
    fragment: [],
    bootImage: 'arch/arm64/boot/Image',
  },
  {
    name: 'arm',
    tuxmakeArch: 'arm',
    makeArch: 'arm',
    crossPrefix: 'arm-linux-gnueabihf-',
    gccPackage: 'gcc-arm-linux-gnueabihf',
    clang: true,
    defconfig: 'multi_v7_defconfig',
    fragment: [],
    bootImage: 'arch/arm/boot/zImage',
  },
  {
    name: 'riscv64',
    tuxmakeArch: 'riscv',
    makeArch: 'riscv',
    crossPrefix: 'riscv64-linux-gnu-',
    gccPackage: 'gcc-riscv64-linux-gnu',
    clang: true,
    defconfig: 'defconfig',
    fragment: [],
    bootImage: 'arch/riscv/boot/Image',
  },
  {
    name: 'ppc64le',
    tuxmakeArch: 'powerpc',
    makeArch: 'powerpc',
    crossPrefix: 'powerpc64le-linux-gnu-',
    gccPackage: 'gcc-powerpc64le-linux-gnu',
    clang: true,
    defconfig: 'ppc64le_defconfig',
    fragment: [
      'CONFIG_PPC64=y',
      'CONFIG_CPU_LITTLE_ENDIAN=y',
      '# CONFIG_CPU_BIG_ENDIAN is not set',
    ],
    bootImage: 'arch/powerpc/boot/zImage',
  },
  {
    name: 'ppc64',
    tuxmakeArch: 'powerpc',
    makeArch: 'powerpc',
    crossPrefix: 'powerpc64-linux-gnu-',
    gccPackage: 'gcc-powerpc64-linux-gnu',
    clang: false,
    defconfig: 'ppc64_defconfig',
    fragment: [
      'CONFIG_PPC64=y',
      'CONFIG_CPU_BIG_ENDIAN=y',
      '# CONFIG_CPU_LITTLE_ENDIAN is not set',
    ],
    bootImage: 'arch/powerpc/boot/zImage',
  },
  {
    name: 's390x',
    tuxmakeArch: 's390',
    makeArch: 's390',
    crossPrefix: 's390x-linux-gnu-',
    gccPackage: 'gcc-s390x-linux-gnu',
    clang: false,
    defconfig: 'defconfig',
    fragment: [],
    bootImage: 'arch/s390/boot/bzImage',
  },
  {
    name: 'm68k',
    tuxmakeArch: 'm68k',
    makeArch: 'm68k',
    crossPrefix: 'm68k-linux-gnu-',
    gccPackage: 'gcc-m68k-linux-gnu',
    clang: false,
    defconfig: 'defconfig',
    fragment: [],
    // m68k's `make zImage` is vmlinux.gz in the output's top directory
    bootImage: 'vmlinux.gz',
  },
  {
    name: 'parisc',
    tuxmakeArch: 'parisc',
    makeArch: 'parisc',
    crossPrefix: 'hppa-linux-gnu-',
    gccPackage: 'gcc-hppa-linux-gnu',
    clang: false,
    defconfig: 'defconfig',
    fragment: ['# CONFIG_64BIT is not set'],
    bootImage: 'arch/parisc/boot/bzImage',
  },
  {
    name: 'mips',
    tuxmakeArch: 'mips',
    makeArch: 'mips',
    crossPrefix: 'mips-linux-gnu-',
    gccPackage: 'gcc-mips-linux-gnu',
    clang: false,
    defconfig: 'defconfig',
    fragment: [],
    // the zboot image (CONFIG_SYS_SUPPORTS_ZBOOT, as the generic platform has), in the output's top directory
    bootImage: 'vmlinuz',
  },
  {
    name: 'sparc64',
    tuxmakeArch: 'sparc',
    makeArch: 'sparc64',
    crossPrefix: 'sparc64-linux-gnu-',
    gccPackage: 'gcc-sparc64-linux-gnu',
    clang: false,
    defconfig: 'sparc64_defconfig',
    fragment: ['CONFIG_64BIT=y'],
    // on sparc64, zImage is the stripped image gzipped
    bootImage: 'arch/sparc/boot/zImage',
  },
];

export function archBuild(name: string): ArchBuild {
  const a = ARCHES.find((x) => x.name === name);
  if (!a)
    throw new UserError(`unknown arch '${name}'; known: ${ARCHES.map((x) => x.name).join(', ')}`);
  return a;
}

export type CompilerName = 'gcc' | 'clang';

/** The make variables for an arch and compiler. */
export function makeVars(a: ArchBuild, compiler: CompilerName): string[] {
  const vars = [`ARCH=${a.makeArch}`];
  if (compiler === 'clang') vars.push('LLVM=1');
  // clang needs CROSS_COMPILE too on some arches (to find the target triple); harmless otherwise.
  if (a.crossPrefix) vars.push(`CROSS_COMPILE=${a.crossPrefix}`);
  return vars;
}
