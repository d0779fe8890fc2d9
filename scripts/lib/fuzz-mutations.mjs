import { createHash } from 'node:crypto';

/**
 * Mutations of an ELF file for the differential fuzzer: each one is a pure
 * function of (seed, input name, index) and the input's bytes, so a resumed
 * run or `--only input:index` makes the very same mutant. A mutation is a
 * list of byte edits plus an optional truncation, with a sentence that says
 * what it does.
 *
 * The layout is read here, from the unmutated input, by a parser of our own:
 * the reader under test must not decide where the mutations go.
 */

/** The sections whose contents are mutated, by the area they count under. */
export const CONTENT_AREAS = {
  '.debug_line': ['.debug_line'],
  '.debug_info': ['.debug_info'],
  '.debug_abbrev': ['.debug_abbrev'],
  strings: ['.debug_str', '.debug_line_str', '.debug_rnglists', '.debug_str_offsets'],
  symbols: ['.symtab', '.strtab'],
};

/** Every area with its weight out of the total: where mutations land. */
const AREA_WEIGHTS = [
  ['elf-header', 8],
  ['section-headers', 12],
  ['program-headers', 5],
  ['.debug_line', 18],
  ['.debug_info', 15],
  ['.debug_abbrev', 8],
  ['strings', 9],
  ['symbols', 10],
  ['truncation', 7],
  ['several', 8],
];

/**
 * The input's layout: header fields, section and program headers, unit
 * starts of .debug_info and .debug_line, and the symbols that give the
 * base (`_text`, `_etext`).
 *
 * @param {Uint8Array} bytes
 */
export function readLayout(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (o) => v.getUint16(o, le);
  const u32 = (o) => v.getUint32(o, le);
  const word = (o) => (is64 ? Number(v.getBigUint64(o, le)) : u32(o));
  const W = is64 ? 8 : 4;
  const header = is64
    ? {
        phoff: 32,
        shoff: 40,
        flags: 48,
        ehsize: 52,
        phentsize: 54,
        phnum: 56,
        shentsize: 58,
        shnum: 60,
        shstrndx: 62,
      }
    : {
        phoff: 28,
        shoff: 32,
        flags: 36,
        ehsize: 40,
        phentsize: 42,
        phnum: 44,
        shentsize: 46,
        shnum: 48,
        shstrndx: 50,
      };
  const phoff = word(header.phoff);
  const shoff = word(header.shoff);
  const phentsize = u16(header.phentsize);
  const phnum = u16(header.phnum);
  const shentsize = u16(header.shentsize);
  const shnum = u16(header.shnum);
  const shstrndx = u16(header.shstrndx);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      index: i,
      headerAt: at,
      nameOffset: u32(at),
      type: u32(at + 4),
      offset: is64 ? word(at + 24) : u32(at + 16),
      size: is64 ? word(at + 32) : u32(at + 20),
      link: is64 ? u32(at + 40) : u32(at + 24),
      entsize: is64 ? word(at + 56) : u32(at + 36),
      name: '',
    });
  }
  const names = sections[shstrndx];
  for (const s of sections) s.name = names ? cString(bytes, names.offset + s.nameOffset) : '';
  const byName = new Map(sections.map((s) => [s.name, s]));
  const layout = {
    size: bytes.length,
    is64,
    le,
    wordSize: W,
    header,
    phoff,
    phentsize,
    phnum,
    shoff,
    shentsize,
    shnum,
    shstrndx,
    sections,
    byName,
    /** Unit starts (offsets inside the section) of .debug_info and .debug_line. */
    units: {},
    /** Symbols worth aiming at: the base and end symbols and a few others, by entry offset. */
    symbols: [],
  };
  for (const name of ['.debug_info', '.debug_line']) {
    const s = byName.get(name);
    layout.units[name] = s && s.type !== 8 ? unitStarts(v, s, le) : [];
  }
  const symtab = byName.get('.symtab');
  const strtab = symtab ? sections[symtab.link] : undefined;
  if (symtab && strtab && symtab.entsize > 0) {
    const n = Math.floor(symtab.size / symtab.entsize);
    for (let k = 1; k < n; k++) {
      const at = symtab.offset + k * symtab.entsize;
      const nameOffset = u32(at);
      const name = cString(bytes, strtab.offset + nameOffset);
      if (name === '_text' || name === '_etext' || name.startsWith('kern_') || name === 'main')
        layout.symbols.push({ index: k, at: at - symtab.offset, name, nameOffset });
    }
  }
  return layout;
}

function cString(bytes, at) {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(at, end)).toString('latin1');
}

/** Unit starts by the unit_length chain (32- and 64-bit DWARF), at most 4,096. */
function unitStarts(v, s, le) {
  const starts = [];
  let at = 0;
  while (at + 4 <= s.size && starts.length < 4096) {
    starts.push(at);
    const len = v.getUint32(s.offset + at, le);
    if (len === 0xffffffff) {
      if (at + 12 > s.size) break;
      at += 12 + Number(v.getBigUint64(s.offset + at + 4, le));
    } else at += 4 + len;
  }
  return starts;
}

/** xoshiro128** seeded from a SHA-256 of (seed, input, index). */
export function rngFor(seed, input, index) {
  const h = createHash('sha256').update(`${seed}\0${input}\0${index}`).digest();
  const s = new Uint32Array([
    h.readUInt32LE(0),
    h.readUInt32LE(4),
    h.readUInt32LE(8),
    h.readUInt32LE(12),
  ]);
  if (s.every((x) => x === 0)) s[0] = 1;
  const rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const rng = {
    /** An integer in [0, n). */
    int: (n) => (n <= 0 ? 0 : Math.floor((next() / 2 ** 32) * n)),
    pick: (list) => list[rng.int(list.length)],
    chance: (p) => next() / 2 ** 32 < p,
    weighted: (pairs) => {
      let r = rng.int(pairs.reduce((a, p) => a + p[1], 0));
      for (const [value, w] of pairs) {
        if (r < w) return value;
        r -= w;
      }
      return pairs[pairs.length - 1][0];
    },
  };
  return rng;
}

const hex = (n) => `0x${BigInt(n).toString(16)}`;

/** The largest value of a field `width` bytes wide. */
const maxOf = (width) => (1n << BigInt(8 * width)) - 1n;

/**
 * A value for a field: 0, its maximum, its sign bit, the original plus or
 * minus one, or one of the `pastEnd` values the field's context gives
 * (sizes and offsets just past the end of the file or section); labelled.
 */
function extremeValue(rng, width, original, pastEnd = []) {
  const choices = [
    ['0', 0n],
    ['max', maxOf(width)],
    ['sign bit', 1n << BigInt(8 * width - 1)],
    ['original + 1', (BigInt(original) + 1n) & maxOf(width)],
    ['original - 1', (BigInt(original) - 1n) & maxOf(width)],
    [
      'random',
      (BigInt(rng.int(2 ** 31)) * (width > 4 ? BigInt(rng.int(2 ** 20) + 1) : 1n)) & maxOf(width),
    ],
  ];
  for (const [label, value] of pastEnd)
    choices.push([label, BigInt(Math.max(0, value)) & maxOf(width)]);
  // the past-the-end values are what bounds checks miss: weigh them up
  const pick = pastEnd.length && rng.chance(0.4) ? rng.pick(choices.slice(6)) : rng.pick(choices);
  return { label: pick[0], value: pick[1] };
}

function encode(value, width, le) {
  const out = new Uint8Array(width);
  let x = BigInt(value);
  for (let k = 0; k < width; k++) {
    out[le ? k : width - 1 - k] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function readField(bytes, at, width, le) {
  let x = 0n;
  for (let k = 0; k < width; k++) {
    const b = BigInt(bytes[at + (le ? width - 1 - k : k)] ?? 0);
    x = (x << 8n) | b;
  }
  return x;
}

const toHex = (u8) => Buffer.from(u8).toString('hex');

/**
 * Mutation `index` of an input: `{ area, description, edits, truncate? }`,
 * edits as `{ at, hex }` (bytes written at a file offset).
 *
 * @param {ReturnType<typeof readLayout>} layout
 * @param {Uint8Array} bytes the unmutated input
 */
export function mutationFor(layout, bytes, seed, input, index) {
  const rng = rngFor(seed, input, index);
  let area = rng.weighted(AREA_WEIGHTS);
  if (area === 'several') {
    const parts = [];
    const count = 2 + rng.int(3);
    for (let k = 0; k < count; k++) {
      const a = rng.weighted(AREA_WEIGHTS.filter(([x]) => x !== 'several' && x !== 'truncation'));
      const m = mutateArea(rng, a, layout, bytes);
      if (m) parts.push(m);
    }
    if (parts.length === 0) area = 'truncation';
    else
      return {
        area: 'several',
        description: parts.map((p) => p.description).join('; '),
        edits: parts.flatMap((p) => p.edits),
      };
  }
  let m = mutateArea(rng, area, layout, bytes);
  // an area the input lacks (no program headers, no .debug_line_str ...): the file is truncated instead
  if (!m) m = mutateArea(rng, 'truncation', layout, bytes);
  return m;
}

function mutateArea(rng, area, layout, bytes) {
  switch (area) {
    case 'elf-header':
      return elfHeader(rng, layout, bytes);
    case 'section-headers':
      return sectionHeader(rng, layout, bytes);
    case 'program-headers':
      return programHeader(rng, layout, bytes);
    case 'truncation':
      return truncation(rng, layout);
    default: {
      const present = CONTENT_AREAS[area]
        .map((n) => layout.byName.get(n))
        .filter((s) => s && s.type !== 8 && s.size > 0);
      if (present.length === 0) return undefined;
      return sectionContents(rng, layout, bytes, rng.pick(present), area);
    }
  }
}

/** One edit that writes `value` over a field of `width` bytes at `at`. */
function fieldEdit(layout, at, width, value) {
  return { at, hex: toHex(encode(value, width, layout.le)) };
}

function elfHeader(rng, layout, bytes) {
  const W = layout.wordSize;
  const h = layout.header;
  const shTable = layout.shnum * layout.shentsize;
  const phTable = layout.phnum * layout.phentsize;
  const fields = [
    ['e_ident[EI_CLASS]', 4, 1, []],
    ['e_ident[EI_DATA]', 5, 1, []],
    ['e_ident[EI_VERSION]', 6, 1, []],
    ['e_type', 16, 2, []],
    ['e_machine', 18, 2, []],
    ['e_version', 20, 4, []],
    ['e_entry', 24, W, []],
    [
      'e_phoff',
      h.phoff,
      W,
      [
        ['just past the end of the file', layout.size - phTable + 1],
        ['file size', layout.size],
      ],
    ],
    [
      'e_shoff',
      h.shoff,
      W,
      [
        ['just past the end of the file', layout.size - shTable + 1],
        ['file size', layout.size],
      ],
    ],
    ['e_flags', h.flags, 4, []],
    ['e_ehsize', h.ehsize, 2, []],
    ['e_phentsize', h.phentsize, 2, [['one less', layout.phentsize - 1]]],
    [
      'e_phnum',
      h.phnum,
      2,
      [
        [
          'past the end of the file',
          Math.ceil((layout.size - layout.phoff) / Math.max(1, layout.phentsize)) + 1,
        ],
        ['extended (PN_XNUM)', 0xffff],
      ],
    ],
    [
      'e_shentsize',
      h.shentsize,
      2,
      [
        ['one less', layout.shentsize - 1],
        ['one more', layout.shentsize + 1],
      ],
    ],
    [
      'e_shnum',
      h.shnum,
      2,
      [
        [
          'past the end of the file',
          Math.ceil((layout.size - layout.shoff) / Math.max(1, layout.shentsize)) + 1,
        ],
        ['one more', layout.shnum + 1],
      ],
    ],
    [
      'e_shstrndx',
      h.shstrndx,
      2,
      [
        ['section count', layout.shnum],
        ['extended (SHN_XINDEX)', 0xffff],
      ],
    ],
  ];
  const [name, at, width, pastEnd] = rng.pick(fields);
  const original = readField(bytes, at, width, layout.le);
  const { label, value } = extremeValue(rng, width, original, pastEnd);
  return {
    area: 'elf-header',
    description: `ELF header ${name} ${hex(original)} -> ${hex(value)} (${label})`,
    edits: [fieldEdit(layout, at, width, value)],
  };
}

/** The sections worth aiming at: every debug section, the symbol and string tables, the name table. */
function interestingSections(layout) {
  const wanted = layout.sections.filter(
    (s) =>
      s.name.startsWith('.debug_') ||
      s.name === '.symtab' ||
      s.name === '.strtab' ||
      s.name === '.shstrtab' ||
      s.name === '.text',
  );
  return wanted.length ? wanted : layout.sections;
}

function sectionHeader(rng, layout, bytes) {
  if (layout.shnum === 0) return undefined;
  const W = layout.wordSize;
  const s = rng.chance(0.8) ? rng.pick(interestingSections(layout)) : rng.pick(layout.sections);
  const o = layout.is64
    ? {
        name: 0,
        type: 4,
        flags: 8,
        addr: 16,
        offset: 24,
        size: 32,
        link: 40,
        info: 44,
        addralign: 48,
        entsize: 56,
      }
    : {
        name: 0,
        type: 4,
        flags: 8,
        addr: 12,
        offset: 16,
        size: 20,
        link: 24,
        info: 28,
        addralign: 32,
        entsize: 36,
      };
  const fields = [
    [
      'sh_name',
      o.name,
      4,
      [['past the end of .shstrtab', (layout.sections[layout.shstrndx]?.size ?? 0) + 1]],
    ],
    [
      'sh_type',
      o.type,
      4,
      [
        ['SHT_NOBITS', 8],
        ['SHT_NULL', 0],
        ['SHT_PROGBITS', 1],
      ],
    ],
    ['sh_flags', o.flags, W, [['SHF_COMPRESSED', 0x800]]],
    ['sh_addr', o.addr, W, []],
    [
      'sh_offset',
      o.offset,
      W,
      [
        ['just past the end of the file', layout.size - s.size + 1],
        ['file size', layout.size],
      ],
    ],
    [
      'sh_size',
      o.size,
      W,
      [
        ['just past the end of the file', layout.size - s.offset + 1],
        ['half', Math.floor(s.size / 2)],
      ],
    ],
    [
      'sh_size',
      o.size,
      W,
      [
        ['just past the end of the file', layout.size - s.offset + 1],
        ['one less', s.size - 1],
      ],
    ],
    ['sh_link', o.link, 4, [['section count', layout.shnum]]],
    ['sh_info', o.info, 4, [['section count', layout.shnum]]],
    ['sh_addralign', o.addralign, W, []],
    [
      'sh_entsize',
      o.entsize,
      W,
      [
        ['one', 1],
        ['size + 1', s.size + 1],
      ],
    ],
  ];
  const [name, off, width, pastEnd] = rng.pick(fields);
  const at = s.headerAt + off;
  const original = readField(bytes, at, width, layout.le);
  const { label, value } = extremeValue(rng, width, original, pastEnd);
  return {
    area: 'section-headers',
    description: `section header ${s.index} (${s.name || 'unnamed'}) ${name} ${hex(original)} -> ${hex(value)} (${label})`,
    edits: [fieldEdit(layout, at, width, value)],
  };
}

function programHeader(rng, layout, bytes) {
  if (layout.phnum === 0) return undefined;
  const W = layout.wordSize;
  const k = rng.int(layout.phnum);
  const o = layout.is64
    ? { type: 0, flags: 4, offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40, align: 48 }
    : { type: 0, offset: 4, vaddr: 8, paddr: 12, filesz: 16, memsz: 20, flags: 24, align: 28 };
  const fields = [
    [
      'p_type',
      o.type,
      4,
      [
        ['PT_NULL', 0],
        ['PT_LOAD', 1],
        ['PT_NOTE', 4],
      ],
    ],
    ['p_flags', o.flags, 4, []],
    ['p_offset', o.offset, W, [['file size', layout.size]]],
    ['p_vaddr', o.vaddr, W, []],
    ['p_paddr', o.paddr, W, []],
    ['p_filesz', o.filesz, W, [['file size + 1', layout.size + 1]]],
    ['p_memsz', o.memsz, W, []],
    ['p_align', o.align, W, [['3 (not a power of two)', 3]]],
  ];
  const [name, off, width, pastEnd] = rng.pick(fields);
  const at = layout.phoff + k * layout.phentsize + off;
  if (at + width > layout.size) return undefined;
  const original = readField(bytes, at, width, layout.le);
  const { label, value } = extremeValue(rng, width, original, pastEnd);
  return {
    area: 'program-headers',
    description: `program header ${k} ${name} ${hex(original)} -> ${hex(value)} (${label})`,
    edits: [fieldEdit(layout, at, width, value)],
  };
}

/** The file cut short: inside or at the edge of a section that matters, or anywhere. */
function truncation(rng, layout) {
  const sections = interestingSections(layout).filter((s) => s.type !== 8 && s.size > 0);
  let to;
  let where;
  const edge = rng.int(4);
  if (sections.length && edge < 3) {
    const s = rng.pick(sections);
    const choices = [
      ['inside', s.offset + rng.int(s.size)],
      ['one byte short of the end of', s.offset + s.size - 1],
      ['at the start of', s.offset],
    ];
    const [label, at] = choices[edge];
    to = at;
    where = `${label} ${s.name}`;
  } else if (rng.chance(0.5)) {
    to = layout.shoff + rng.int(Math.max(1, layout.shnum * layout.shentsize));
    where = 'inside the section headers';
  } else {
    to = rng.int(layout.size);
    where = 'anywhere';
  }
  return {
    area: 'truncation',
    description: `file truncated to ${to} of ${layout.size} bytes (${where})`,
    edits: [],
    truncate: to,
  };
}

/** Fields of a unit header worth setting to extremes, by offset from the unit's start (32-bit DWARF). */
const UNIT_FIELDS = {
  '.debug_info': [
    ['unit_length', 0, 4],
    ['version', 4, 2],
    ['unit_type (v5) / debug_abbrev_offset (v4)', 6, 1],
    ['address_size (v5)', 7, 1],
    ['debug_abbrev_offset (v5)', 8, 4],
    ['first abbreviation code', 12, 1],
    ['address_size (v4)', 10, 1],
    ['first attribute', 13, 4],
  ],
  '.debug_line': [
    ['unit_length', 0, 4],
    ['version', 4, 2],
    ['address_size (v5) / header_length (v4)', 6, 1],
    ['header_length (v5)', 8, 4],
    ['minimum_instruction_length (v5)', 12, 1],
    ['maximum_operations_per_instruction (v5)', 13, 1],
    ['default_is_stmt (v5)', 14, 1],
    ['line_base (v5)', 15, 1],
    ['line_range (v5)', 16, 1],
    ['opcode_base (v5)', 17, 1],
    ['line_range (v4)', 13, 1],
    ['opcode_base (v4)', 14, 1],
    ['directory_entry_format_count (v5)', 30, 1],
    ['directories_count (v5)', 33, 1],
  ],
};

function sectionContents(rng, layout, bytes, s, area) {
  const kinds = [
    ['flipped bits', 30],
    ['extreme value', 30],
    ['zeroed run', 15],
    ['unterminated LEB128', 8],
    ['section shortened', 10],
  ];
  const units = layout.units[s.name] ?? [];
  if (units.length) kinds.push(['unit header field', 35]);
  if (s.name === '.symtab' && layout.symbols.length) kinds.push(['symbol field', 35]);
  if (s.name === '.strtab' && layout.symbols.length) kinds.push(['symbol name', 15]);
  const kind = rng.weighted(kinds);
  const name = `${s.name}`;
  const at = (off) => s.offset + off;
  switch (kind) {
    case 'flipped bits': {
      const n = 1 + rng.int(rng.chance(0.7) ? 2 : 8);
      const edits = [];
      const where = [];
      for (let k = 0; k < n; k++) {
        const off = rng.int(s.size);
        const bit = rng.int(8);
        const b = (bytes[at(off)] ^ (1 << bit)) & 0xff;
        edits.push({ at: at(off), hex: b.toString(16).padStart(2, '0') });
        where.push(`${hex(off)}.${bit}`);
      }
      return { area, description: `${name}: bits flipped at ${where.join(', ')}`, edits };
    }
    case 'extreme value': {
      const width = rng.pick([1, 2, 4, 4, 8]);
      if (s.size < width) return undefined;
      const off = rng.int(s.size - width + 1);
      const original = readField(bytes, at(off), width, layout.le);
      const { label, value } = extremeValue(rng, width, original, [
        ['section size', s.size],
        ['just past the end of the section', s.size - off + 1],
      ]);
      return {
        area,
        description: `${name}: ${width}-byte field at ${hex(off)} ${hex(original)} -> ${hex(value)} (${label})`,
        edits: [fieldEdit(layout, at(off), width, value)],
      };
    }
    case 'zeroed run': {
      const off = rng.int(s.size);
      const len = Math.min(s.size - off, rng.pick([1, 4, 16, 64, 256, s.size]));
      return {
        area,
        description: `${name}: ${len} bytes zeroed at ${hex(off)}`,
        edits: [{ at: at(off), hex: '00'.repeat(len) }],
      };
    }
    case 'unterminated LEB128': {
      const off = rng.int(s.size);
      const len = Math.min(s.size - off, 1 + rng.int(16));
      const fill = rng.pick(['80', 'ff']);
      return {
        area,
        description: `${name}: ${len} bytes of 0x${fill} (a LEB128 that does not end) at ${hex(off)}`,
        edits: [{ at: at(off), hex: fill.repeat(len) }],
      };
    }
    case 'section shortened': {
      const size = rng.chance(0.3) ? 0 : rng.int(s.size);
      const o = layout.is64 ? 32 : 20;
      return {
        area,
        description: `${name}: sh_size ${hex(s.size)} -> ${hex(size)} (section shortened)`,
        edits: [fieldEdit(layout, s.headerAt + o, layout.wordSize, size)],
      };
    }
    case 'unit header field': {
      const k = rng.chance(0.3) ? 0 : rng.int(units.length);
      const [field, off, width] = rng.pick(UNIT_FIELDS[s.name]);
      const unitAt = units[k];
      if (unitAt + off + width > s.size) return undefined;
      const original = readField(bytes, at(unitAt + off), width, layout.le);
      const { label, value } = extremeValue(rng, width, original, [
        ['just past the end of the section', s.size - unitAt - off + 1],
        ['section size', s.size],
      ]);
      return {
        area,
        description: `${name}: unit ${k} (at ${hex(unitAt)}) ${field} ${hex(original)} -> ${hex(value)} (${label})`,
        edits: [fieldEdit(layout, at(unitAt + off), width, value)],
      };
    }
    case 'symbol field': {
      const sym = rng.pick(layout.symbols);
      const o = layout.is64
        ? { st_name: [0, 4], st_info: [4, 1], st_shndx: [6, 2], st_value: [8, 8], st_size: [16, 8] }
        : {
            st_name: [0, 4],
            st_value: [4, 4],
            st_size: [8, 4],
            st_info: [12, 1],
            st_shndx: [14, 2],
          };
      const field = rng.pick(Object.keys(o));
      const [off, width] = o[field];
      const strtab = layout.sections[s.link];
      const original = readField(bytes, at(sym.at + off), width, layout.le);
      const { label, value } = extremeValue(
        rng,
        width,
        original,
        [
          ['past the end of .strtab', strtab ? strtab.size + 1 : 0x10000],
          ['SHN_UNDEF', 0],
          ['SHN_ABS', 0xfff1],
          ['section count', layout.shnum],
        ].filter(() => field === 'st_name' || field === 'st_shndx'),
      );
      return {
        area,
        description: `.symtab: symbol ${sym.index} (${sym.name}) ${field} ${hex(original)} -> ${hex(value)} (${label})`,
        edits: [fieldEdit(layout, at(sym.at + off), width, value)],
      };
    }
    case 'symbol name': {
      const sym = rng.pick(layout.symbols);
      const off = sym.nameOffset + rng.int(Math.max(1, sym.name.length + 1));
      if (off >= s.size) return undefined;
      const b = rng.pick([0, 0x41, 0xff]);
      return {
        area,
        description: `.strtab: byte ${off - sym.nameOffset} of "${sym.name}" -> ${hex(b)}`,
        edits: [{ at: at(off), hex: b.toString(16).padStart(2, '0') }],
      };
    }
  }
  return undefined;
}

/** The mutant's bytes: the input with the edits written and the truncation applied. */
export function applyMutation(bytes, m) {
  const out = Buffer.from(bytes.subarray(0, m.truncate ?? bytes.length));
  for (const e of m.edits) {
    const b = Buffer.from(e.hex, 'hex');
    // an edit that ends past a truncation keeps the part that fits
    for (let k = 0; k < b.length && e.at + k < out.length; k++) out[e.at + k] = b[k];
  }
  return out;
}
