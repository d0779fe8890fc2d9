/**
 * Extraction rule sets: which rows become entries. The upstream generator's
 * rules are the default and the reference for every comparison; ours try to
 * answer as llvm-symbolizer and addr2line do.
 */
export interface RuleSet {
  id: string;
  description: string;
  /** Only rows with is_stmt set become entries. */
  stmtOnly: boolean;
  /**
   * End-of-sequence rows: 'keep' as ordinary entries (upstream), 'drop', or
   * 'gap': an entry with line 0 that makes the lookup answer "no line" for
   * the code after a sequence (code without DWARF), as the tools do;
   * 'boundary' (the newest revision): no entry, the address remembered as a
   * sequence end (it stops a symbol start from being synthesized past it).
   */
  endSequence: 'keep' | 'drop' | 'gap' | 'boundary';
  /**
   * Rows with line 0 (code the compiler made up: clang emits many): 'drop'
   * (upstream: the address takes the line before it), or 'gap': an entry
   * with line 0, so the lookup answers "no line" there, as the tools do.
   */
  lineZero: 'drop' | 'gap';
  /**
   * Which row wins when several share an address: 'smallest' (file_id, then
   * line: the upstream sort and walk) or 'last' (the last row at the address,
   * as llvm-symbolizer and addr2line pick).
   */
  winner: 'smallest' | 'last';
  /**
   * Drop rows at or above `_etext`: v5 to v7 need the symbol ('required');
   * the newest generator caps only when it is there ('if-present').
   */
  etextCap: false | 'required' | 'if-present';
  /** Collapse "//" in file names, as llvm-symbolizer prints them ("/./" and "../" stay). */
  cleanPaths: boolean;
  /**
   * File names: 'upstream' (v1-v7, spec section 1) or 'newest' (joined to
   * comp_dir, normalised as text, build roots stripped: spec section 6).
   */
  paths: 'upstream' | 'newest';
  /** Entries at function symbol starts kept and synthesized (the newest revision). */
  symbolStarts: boolean;
  /**
   * Only code some compile unit covers (DW_AT_ranges, DW_AT_low_pc and
   * DW_AT_high_pc) has a line, as llvm-symbolizer finds a unit by address:
   * rows outside every unit's ranges are no entries, and a gap entry (line 0)
   * ends each covered range. Ours only (symbolizer); upstream never.
   */
  unitRangeGaps?: boolean;
  /**
   * Line programs read as llvm-symbolizer reads them (addr2line computes
   * the addresses alike): DW_LNS_advance_pc in 64 bits, and a sequence whose
   * addresses do not ascend answered as LLVM's binary search answers it
   * (llvm-sequences.ts). clang's integrated assembler writes both for a
   * `.S` file with `.subsection` code (arm64's entry.S vectors): libdw, and
   * so the upstream generator, computes the backward advance in 32 bits,
   * puts the rows after it 4 GiB up and drops them. Ours only (symbolizer).
   */
  llvmLineTable?: boolean;
  /**
   * A DWARF string without a NUL before its section's end goes on into the
   * file's next bytes: the newest generator maps the file (ELF_C_READ_MMAP)
   * and libdw checks only a string's offset, so its last string in
   * `.debug_line_str`, NUL lost, runs into `.comment`. v4 reads the file
   * (ELF_C_READ): a section in a buffer of its own, the string ends there.
   */
  stringsPastSection?: boolean;
  /** Our rule sets: the revision whose table layouts they are measured in. */
  layoutRevision?: string;
}

export const RULE_SETS: Record<string, RuleSet> = {
  'v1-v4': {
    id: 'v1-v4',
    description:
      'upstream v1-v4: every row, smallest (file, line) wins at an address, no upper bound',
    stmtOnly: false,
    endSequence: 'keep',
    lineZero: 'drop',
    winner: 'smallest',
    etextCap: false,
    cleanPaths: false,
    paths: 'upstream',
    symbolStarts: false,
  },
  v5: {
    id: 'v5',
    description: 'upstream v5+: as v1-v4, and rows at or above _etext dropped',
    stmtOnly: false,
    endSequence: 'keep',
    lineZero: 'drop',
    winner: 'smallest',
    etextCap: 'required',
    cleanPaths: false,
    paths: 'upstream',
    symbolStarts: false,
  },
  newest: {
    id: 'newest',
    description:
      'upstream after v7: as v5, end-of-sequence rows are no entries, entries at function starts kept and synthesized, paths normalised as text',
    stmtOnly: false,
    endSequence: 'boundary',
    lineZero: 'drop',
    winner: 'smallest',
    etextCap: 'if-present',
    cleanPaths: false,
    paths: 'newest',
    symbolStarts: true,
    stringsPastSection: true,
  },
  'last-row': {
    id: 'last-row',
    description: 'ours: the last row at an address wins, end-of-sequence rows dropped',
    stmtOnly: false,
    endSequence: 'drop',
    lineZero: 'drop',
    winner: 'last',
    etextCap: false,
    cleanPaths: false,
    paths: 'upstream',
    symbolStarts: false,
    layoutRevision: 'newest',
  },
  'last-row-gaps': {
    id: 'last-row-gaps',
    description:
      'ours: the last row at an address wins, end of sequence becomes a "no line" gap entry',
    stmtOnly: false,
    endSequence: 'gap',
    lineZero: 'drop',
    winner: 'last',
    etextCap: false,
    cleanPaths: false,
    paths: 'upstream',
    symbolStarts: false,
    layoutRevision: 'newest',
  },
  'stmt-last-row-gaps': {
    id: 'stmt-last-row-gaps',
    description: 'ours: as last-row-gaps, statement rows only',
    stmtOnly: true,
    endSequence: 'gap',
    lineZero: 'drop',
    winner: 'last',
    etextCap: false,
    cleanPaths: false,
    paths: 'upstream',
    symbolStarts: false,
    layoutRevision: 'newest',
  },
  symbolizer: {
    id: 'symbolizer',
    description:
      'ours: as last-row-gaps, line-0 rows as gaps too, code no compile unit covers a gap, line programs read as llvm-symbolizer reads them, and "//" in file names collapsed (answers as llvm-symbolizer)',
    stmtOnly: false,
    endSequence: 'gap',
    lineZero: 'gap',
    winner: 'last',
    etextCap: false,
    cleanPaths: true,
    paths: 'upstream',
    symbolStarts: false,
    unitRangeGaps: true,
    llvmLineTable: true,
    layoutRevision: 'newest',
  },
};

export const UPSTREAM_RULES = RULE_SETS['v1-v4'];

export function ruleSet(id: string): RuleSet | undefined {
  return RULE_SETS[id];
}
