import type { HistoryResult, HistoryRow } from '../measure/history.js';
import { LOOKUP_TEXT, type LookupKind, REVISION_LOOKUP } from '../measure/revision-lookup.js';

/**
 * `history` as plain text, at most 100 columns and no box drawing, so it
 * pastes into a mail or an issue as it is: the tables, the agreement of
 * each revision through its own lookup, what changed, and the newest
 * revision's synthesized symbol starts.
 */

const n = (v: number) => v.toLocaleString('en-US');
const signed = (v: number) => (v > 0 ? `+${n(v)}` : v < 0 ? `-${n(-v)}` : '0');
const pct = (v: number) => `${v.toFixed(2)}%`;

const LOOKUP_LABEL: Record<LookupKind, string> = {
  'floor-stale': 'floor+stale',
  floor: 'floor',
  'floor-guard': 'floor+guard',
};

const WIDTH = 100;

/**
 * Words filled into lines of at most WIDTH columns, the first after `first`,
 * the rest after `indent` (a longer word stands alone); a no-break space
 * (\u00a0) joins words that must stay on one line.
 */
export function wrap(text: string, first = '', indent = first): string[] {
  const out: string[] = [];
  let line = first;
  let fresh = true;
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (!fresh && line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = indent;
      fresh = true;
    }
    line += fresh ? word : ` ${word}`;
    fresh = false;
  }
  out.push(line);
  return out.map((l) => l.replace(/\u00a0/g, ' '));
}

/** A command line to paste: broken with shell continuations where it is wider than WIDTH. */
function commandLines(command: string, indent: string): string[] {
  const words = command.split(' ');
  const out: string[] = [];
  let line = indent;
  for (const word of words) {
    const next = line === indent ? line + word : `${line} ${word}`;
    if (line !== indent && next.length + 2 > WIDTH) {
      out.push(`${line} \\`);
      line = `${indent}  ${word}`;
    } else line = next;
  }
  out.push(line);
  return out;
}

/** A path shortened from the left to fit the columns left (the JSON keeps it whole). */
function fitPath(path: string, room: number): string {
  if (path.length <= room) return path;
  const parts = path.split('/');
  let tail = parts.pop() ?? path;
  while (parts.length && `.../${parts[parts.length - 1]}/${tail}`.length <= room)
    tail = `${parts.pop()}/${tail}`;
  return `.../${tail}`;
}

/** Right-aligned columns after left-aligned ones, two spaces apart. */
function columns(rows: string[][], left: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c < left ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function tables(r: HistoryResult): string[] {
  const head = [
    'revision',
    'layout',
    'entries',
    'files',
    'B/entry',
    'total B',
    ...r.bases.map((b) => `% ${b.id}`),
  ];
  const body = r.rows.map((x) => [
    x.revision,
    x.layout,
    n(x.entries),
    n(x.files),
    x.bytesPerEntry.toFixed(3),
    n(x.total),
    ...r.bases.map((b) => (x.growth[b.id] === undefined ? '-' : pct(x.growth[b.id]))),
  ]);
  const out = ["Tables, each in its revision's main layout:", ...columns([head, ...body], 2)];
  out.push('B/entry = (index + data) / entries, as the series quotes it. Growth bases:');
  for (const b of r.bases) out.push(...wrap(`${b.id}: ${n(b.bytes)} B, ${b.name}`, '  ', '    '));
  return out;
}

function agreement(r: HistoryResult): string[] {
  if (!r.agreement) return [];
  const head = ['revision', 'lookup', 'tool', 'agree', '%', 'lost', 'wrong', '(stale)', 'floor %'];
  const body: string[][] = [];
  for (const x of r.rows) {
    if (!x.agreement) continue;
    const lookup = LOOKUP_LABEL[x.agreement.lookup];
    for (const [i, t] of x.agreement.tools.entries()) {
      body.push([
        i === 0 ? x.revision : '',
        i === 0 ? lookup : '',
        t.tool,
        n(t.agree),
        pct(t.percent),
        n(t.lost),
        n(t.wrong),
        t.stale ? `(${n(t.stale)})` : '',
        pct(t.floor.percent),
      ]);
    }
  }
  const out = [
    ...wrap(
      `What each revision's kernel prints, on ${n(r.agreement.samples)} sampled addresses inside` +
        ` functions (seed ${r.agreement.seed}; a function's bytes up to the next one, at most` +
        ' 64 KiB and not past its section), each through its own lookup:',
    ),
    ...columns([head, ...body], 3),
    ...wrap(
      "agree: the tool's file:line, or no line where it has none; lost: we print nothing, the" +
        ' tool has a line; wrong: we print another line, or a stale one (stale: from an entry at' +
        ' or past _etext); floor\u00a0%: agreement of a plain floor search on the same table, as' +
        ' issue\u00a015 measured it.',
    ),
  ];
  for (const kind of ['floor-stale', 'floor', 'floor-guard'] as LookupKind[]) {
    const ids = r.rows.filter((x) => REVISION_LOOKUP[x.revision] === kind).map((x) => x.revision);
    if (ids.length)
      out.push(
        ...wrap(`${LOOKUP_LABEL[kind]} (${ids.join(', ')}): ${LOOKUP_TEXT[kind]}.`, '', '  '),
      );
  }
  const tool = r.rows[0]?.agreement?.tools.at(-1)?.tool;
  const common: [string, { answer: string; count: number }][] = [];
  for (const x of r.rows) {
    const c = x.agreement?.tools.find((t) => t.tool === tool)?.commonWrong?.[0];
    if (c) common.push([x.revision, c]);
  }
  if (common.length) {
    out.push(`The wrong line printed most often (${tool}):`);
    out.push(
      ...columns(
        common.map(([id, c]) => [`  ${id}`, c.answer, `${n(c.count)} times`]),
        2,
      ),
    );
  }
  const old = r.rows.find((x) => x.revision === 'v1-v4')?.agreement;
  const newest = r.rows.find((x) => x.revision === 'newest')?.agreement;
  if (old && newest)
    out.push(
      ...wrap(
        `v1-v4 answers ${n(old.stale)} of the addresses from entries at or past _etext; newest's` +
          ` guard leaves ${n(newest.guarded)} without a line that a plain floor search answers.`,
      ),
    );
  return out;
}

function changeCells(x: HistoryRow): string[] {
  const c = x.change!;
  return [
    `${c.from} -> ${x.revision}`,
    signed(c.entries),
    signed(c.files),
    signed(c.rowsPastEtext),
    signed(c.endSequenceRows),
    signed(c.keptAtStart),
    signed(c.synthesized),
    `${n(c.namesOnlyBefore)}/${n(c.namesOnlyAfter)}`,
  ];
}

function changes(r: HistoryResult): string[] {
  const head = [
    'from -> to',
    'entries',
    'files',
    'past _etext',
    'end seq',
    'kept',
    'synth',
    'names -/+',
  ];
  const rows = r.rows.filter((x) => x.change);
  const out = [
    'What changed from the revision before:',
    ...columns([head, ...rows.map(changeCells)], 1),
    ...wrap(
      'past _etext, end seq: rows no longer entries (the drop counters; the newest rules count an' +
        ' end-of-sequence row past _etext as a sequence end); kept, synth: entries kept at a' +
        ' symbol start though they repeat the line before, and copied to one; names -/+: file' +
        ' names only in the earlier revision / only in the later one.',
    ),
  ];
  for (const x of rows) {
    const c = x.change!;
    if (c.sameRules) out.push(`${x.revision} uses ${c.from}'s rules: the same table.`);
    if (c.examplesOnlyBefore.length)
      out.push(...wrap(c.examplesOnlyBefore.join(', '), `  only in ${c.from}: `, '    '));
    if (c.examplesOnlyAfter.length)
      out.push(...wrap(c.examplesOnlyAfter.join(', '), `  only in ${x.revision}: `, '    '));
  }
  return out;
}

function synthesized(r: HistoryResult): string[] {
  const s = r.synthesized;
  const newest = r.rows.find((x) => x.revision === 'newest');
  const out = wrap(
    `Symbol starts in newest: ${n(s.entries)} entries synthesized (extraction counted` +
      ` ${n(s.counted)}), ${n(newest?.symbolStarts.keptAtStart ?? 0)} kept at a start.`,
  );
  if (s.tool) {
    const t = s.tool;
    out.push(
      ...wrap(
        `${t.tool} at each synthesized entry's address prints the copied line too for` +
          ` ${n(s.entries - t.differ)} and another file:line for ${n(t.differ)} (no line for` +
          ` ${n(t.toolNoLine)}): in DWARF the bytes before a function's first row are covered by` +
          ' the row before them, so the tools print that line there as well.',
        '  ',
        '    ',
      ),
    );
    if (t.otherFunction !== undefined)
      out.push(
        ...wrap(
          'It names another function at the entry the line was copied from than at the symbol' +
            ` start for ${n(t.otherFunction)} of ${n(s.entries)}: those entries carry another` +
            " function's line, which agreement with the tools counts as right.",
          '  ',
          '    ',
        ),
      );
    if (t.examples.length) out.push('  For example:');
    for (const e of t.examples.slice(0, 3))
      out.push(
        ...wrap(
          `${e.address}${e.function ? ` (${e.function})` : ''}: ours ${e.ours}` +
            `${e.copiedFrom ? `, copied from ${e.copiedFrom}` : ''}; tool ${e.theirs}`,
          '    ',
          '      ',
        ),
      );
  }
  if (s.sampled) {
    const agree = Object.entries(s.sampled.agree)
      .map(([t, v]) => `${t} ${n(v)}`)
      .join(', ');
    out.push(
      ...wrap(
        `Sampled addresses newest answers through a synthesized entry: ${n(s.sampled.through)};` +
          ` of them agree: ${agree}.`,
        '  ',
        '    ',
      ),
    );
  }
  if (s.without && newest?.agreement) {
    const withThem = newest.agreement.tools
      .map((t) => `${t.tool} ${pct(t.percent)} (lost ${n(t.lost)}, wrong ${n(t.wrong)})`)
      .join(', ');
    const less = s.without.tools
      .map((t) => `${t.tool} ${pct(t.percent)} (lost ${n(t.lost)}, wrong ${n(t.wrong)})`)
      .join(', ');
    out.push(...wrap(`newest with them: ${withThem};`, '  ', '    '));
    out.push(
      ...wrap(`less them (${n(s.without.entries)} entries), same lookup: ${less}.`, '  ', '    '),
    );
  }
  return out;
}

export function renderHistory(r: HistoryResult): string {
  const m = r.kernel.metadata;
  const out: string[] = ['Revisions of the lineinfo series on one kernel'];
  if (r.command) out.push('  made by:', ...commandLines(r.command, '    '));
  out.push(`  ${fitPath(r.kernel.vmlinux, WIDTH - 2)}`);
  out.push(
    ...wrap(
      `${m.arch} (${m.bits}-bit ${m.endianness}-endian)` +
        `${m.kernelVersion ? `, Linux ${m.kernelVersion}` : ''}` +
        `${m.compiler ? `, ${m.compiler}${m.compilerVersion ? ` ${m.compilerVersion}` : ''}` : ''}` +
        `; _text ${r.base}, _etext ${r.etext}`,
      '  ',
      '    ',
    ),
  );
  out.push('', ...tables(r));
  const a = agreement(r);
  if (a.length) out.push('', ...a);
  out.push('', ...changes(r));
  out.push('', ...synthesized(r));
  return `${out.join('\n')}\n`;
}
