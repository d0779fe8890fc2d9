/** ELF e_machine values of the architectures Linux builds for, and our names for them. */

export interface ArchInfo {
  /** Our name, as in the experiment matrices: x86_64, i386, arm64, ppc64le ... */
  name: string;
  /** The kernel's ARCH= value. */
  kernelArch: string;
  /** Smallest instruction size in bytes: address deltas are multiples of it. */
  instructionQuantum: number;
}

const EM = {
  SPARC: 2,
  I386: 3,
  M68K: 4,
  MIPS: 8,
  PARISC: 15,
  PPC: 20,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  SH: 42,
  SPARCV9: 43,
  X86_64: 62,
  XTENSA: 94,
  ARCOMPACT: 93,
  OPENRISC: 92,
  MICROBLAZE: 189,
  AARCH64: 183,
  ARCV2: 195,
  RISCV: 243,
  LOONGARCH: 258,
  ALPHA: 0x9026,
} as const;

/**
 * Maps (e_machine, class, byte order) to an architecture. Returns undefined for
 * a machine we do not know, so the caller can name it in its error.
 */
export function archOf(
  machine: number,
  is64: boolean,
  littleEndian: boolean,
): ArchInfo | undefined {
  const a = (name: string, kernelArch: string, instructionQuantum: number): ArchInfo => ({
    name,
    kernelArch,
    instructionQuantum,
  });
  switch (machine) {
    case EM.X86_64:
      return a('x86_64', 'x86', 1);
    case EM.I386:
      return a('i386', 'x86', 1);
    case EM.AARCH64:
      return a(littleEndian ? 'arm64' : 'arm64be', 'arm64', 4);
    case EM.ARM:
      // Thumb-2 kernels have 2-byte instructions.
      return a(littleEndian ? 'arm' : 'armbe', 'arm', 2);
    case EM.RISCV:
      // The C extension gives 2-byte instructions.
      return a(is64 ? 'riscv64' : 'riscv32', 'riscv', 2);
    case EM.PPC64:
      return a(littleEndian ? 'ppc64le' : 'ppc64', 'powerpc', 4);
    case EM.PPC:
      return a('ppc', 'powerpc', 4);
    case EM.S390:
      return a(is64 ? 's390x' : 's390', 's390', 2);
    case EM.M68K:
      return a('m68k', 'm68k', 2);
    case EM.PARISC:
      return a(is64 ? 'parisc64' : 'parisc', 'parisc', 4);
    case EM.MIPS:
      return a((is64 ? 'mips64' : 'mips') + (littleEndian ? 'el' : ''), 'mips', 2);
    case EM.SPARCV9:
      return a('sparc64', 'sparc', 4);
    case EM.SPARC:
      return a('sparc', 'sparc', 4);
    case EM.SH:
      return a('sh', 'sh', 2);
    case EM.LOONGARCH:
      return a('loongarch64', 'loongarch', 4);
    case EM.ALPHA:
      return a('alpha', 'alpha', 4);
    case EM.XTENSA:
      return a('xtensa', 'xtensa', 2);
    case EM.ARCOMPACT:
    case EM.ARCV2:
      return a('arc', 'arc', 2);
    case EM.OPENRISC:
      return a('openrisc', 'openrisc', 4);
    case EM.MICROBLAZE:
      return a('microblaze', 'microblaze', 4);
    default:
      return undefined;
  }
}
