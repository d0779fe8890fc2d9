/**
 * The relocation types this reader knows, per architecture (e_machine), and
 * what each does to its field: the table relocate.ts applies.
 */

/** What a relocation type does to its field. */
export type RelocationKind =
  | 'none'
  | 'abs'
  | 'pcrel'
  | 'add'
  | 'sub'
  | 'set'
  /** RISC-V SUB6: the low 6 bits of a byte (DW_CFA_advance_loc). */
  | 'sub6'
  | 'set6'
  /** RISC-V RELAX / ALIGN hints: nothing to write. */
  | 'hint';

export interface RelocationType {
  name: string;
  kind: RelocationKind;
  /** Field width in bytes (ignored for none/hint). */
  size: number;
}

/** One table row; a one-letter name keeps the rows below to a line each. */
const t = (name: string, kind: RelocationKind, size = 0): RelocationType => ({ name, kind, size });

/** e_machine -> relocation type -> what it does. Types not listed are counted as unknown. */
export const RELOCATION_TYPES: Record<number, Record<number, RelocationType>> = {
  // x86_64
  62: {
    0: t('R_X86_64_NONE', 'none'),
    1: t('R_X86_64_64', 'abs', 8),
    2: t('R_X86_64_PC32', 'pcrel', 4),
    10: t('R_X86_64_32', 'abs', 4),
    11: t('R_X86_64_32S', 'abs', 4),
    24: t('R_X86_64_PC64', 'pcrel', 8),
  },
  // i386
  3: {
    0: t('R_386_NONE', 'none'),
    1: t('R_386_32', 'abs', 4),
    2: t('R_386_PC32', 'pcrel', 4),
  },
  // aarch64
  183: {
    0: t('R_AARCH64_NONE', 'none'),
    256: t('R_AARCH64_NONE', 'none'),
    257: t('R_AARCH64_ABS64', 'abs', 8),
    258: t('R_AARCH64_ABS32', 'abs', 4),
    259: t('R_AARCH64_ABS16', 'abs', 2),
    260: t('R_AARCH64_PREL64', 'pcrel', 8),
    261: t('R_AARCH64_PREL32', 'pcrel', 4),
  },
  // arm
  40: {
    0: t('R_ARM_NONE', 'none'),
    2: t('R_ARM_ABS32', 'abs', 4),
    3: t('R_ARM_REL32', 'pcrel', 4),
    38: t('R_ARM_TARGET1', 'abs', 4),
  },
  // riscv
  243: {
    0: t('R_RISCV_NONE', 'none'),
    1: t('R_RISCV_32', 'abs', 4),
    2: t('R_RISCV_64', 'abs', 8),
    33: t('R_RISCV_ADD8', 'add', 1),
    34: t('R_RISCV_ADD16', 'add', 2),
    35: t('R_RISCV_ADD32', 'add', 4),
    36: t('R_RISCV_ADD64', 'add', 8),
    37: t('R_RISCV_SUB8', 'sub', 1),
    38: t('R_RISCV_SUB16', 'sub', 2),
    39: t('R_RISCV_SUB32', 'sub', 4),
    40: t('R_RISCV_SUB64', 'sub', 8),
    43: t('R_RISCV_ALIGN', 'hint'),
    51: t('R_RISCV_RELAX', 'hint'),
    52: t('R_RISCV_SUB6', 'sub6', 1),
    53: t('R_RISCV_SET6', 'set6', 1),
    54: t('R_RISCV_SET8', 'set', 1),
    55: t('R_RISCV_SET16', 'set', 2),
    56: t('R_RISCV_SET32', 'set', 4),
    57: t('R_RISCV_32_PCREL', 'pcrel', 4),
  },
  // ppc64 (both byte orders)
  21: {
    0: t('R_PPC64_NONE', 'none'),
    1: t('R_PPC64_ADDR32', 'abs', 4),
    26: t('R_PPC64_REL32', 'pcrel', 4),
    38: t('R_PPC64_ADDR64', 'abs', 8),
    44: t('R_PPC64_REL64', 'pcrel', 8),
  },
  // ppc (32-bit)
  20: {
    0: t('R_PPC_NONE', 'none'),
    1: t('R_PPC_ADDR32', 'abs', 4),
    26: t('R_PPC_REL32', 'pcrel', 4),
  },
  // s390 / s390x
  22: {
    0: t('R_390_NONE', 'none'),
    1: t('R_390_8', 'abs', 1),
    3: t('R_390_16', 'abs', 2),
    4: t('R_390_32', 'abs', 4),
    5: t('R_390_PC32', 'pcrel', 4),
    22: t('R_390_64', 'abs', 8),
    23: t('R_390_PC64', 'pcrel', 8),
  },
  // mips (32-bit relocation records only: MIPS64's r_info is laid out differently)
  8: { 0: t('R_MIPS_NONE', 'none'), 2: t('R_MIPS_32', 'abs', 4), 18: t('R_MIPS_64', 'abs', 8) },
  // loongarch
  258: {
    0: t('R_LARCH_NONE', 'none'),
    1: t('R_LARCH_32', 'abs', 4),
    2: t('R_LARCH_64', 'abs', 8),
  },
  // parisc
  15: {
    0: t('R_PARISC_NONE', 'none'),
    1: t('R_PARISC_DIR32', 'abs', 4),
    80: t('R_PARISC_DIR64', 'abs', 8),
  },
};

/** The one type the upstream generator applies, per e_machine (spec section 1). */
export const UPSTREAM_ABS32: Record<number, number> = {
  62: 10, // R_X86_64_32
  3: 1, // R_386_32
  183: 258, // R_AARCH64_ABS32
  40: 2, // R_ARM_ABS32
  243: 1, // R_RISCV_32
  21: 1, // R_PPC64_ADDR32
  20: 1, // R_PPC_ADDR32
  22: 4, // R_390_32
  8: 2, // R_MIPS_32
  258: 1, // R_LARCH_32
  15: 1, // R_PARISC_DIR32
};

/** The newest generator's 32-bit absolute type per e_machine (its r_type_abs32): the same as v1-v4's. */
export const NEWEST_ABS32: Record<number, number> = UPSTREAM_ABS32;

/**
 * The newest generator's 64-bit absolute type per e_machine (its
 * r_type_abs64); none on the 32-bit-only machines (i386, arm, ppc32), whose
 * DW_LNE_set_address operands are 4 bytes and take the 32-bit type.
 */
export const NEWEST_ABS64: Record<number, number> = {
  62: 1, // R_X86_64_64
  183: 257, // R_AARCH64_ABS64
  243: 2, // R_RISCV_64
  22: 22, // R_390_64
  8: 18, // R_MIPS_64
  21: 38, // R_PPC64_ADDR64
  258: 2, // R_LARCH_64
  15: 80, // R_PARISC_DIR64
};

/** The name of a relocation type, or `type N` for one we do not know. */
export function relocationTypeName(machine: number, type: number): string {
  return RELOCATION_TYPES[machine]?.[type]?.name ?? `type ${type}`;
}
