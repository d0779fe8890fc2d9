import type { ElfFile } from '../elf/elf-file.js';
import type { RevisionId } from '../encodings/revisions.js';
import type { EntryTable } from '../lineinfo/entries.js';
import {
  type AgreementPlan,
  type Answer,
  askTool,
  functionStarts,
  type LookupKind,
  type RevisionAgreement,
  type RevisionToolAgreement,
  sameAnswer,
  symbolStartOf,
  TOOLS,
  type Tool,
} from './agreement.js';

export type { LookupKind, RevisionAgreement, RevisionToolAgreement };

/**
 * What a revision's kernel would print for sampled addresses: each
 * revision's own lookup over its table (used by `history` and by the
 * agreement `measure` and `run` report per upstream rule set), with lost
 * and wrong answers told apart.
 */

/** How many disagreements a tally keeps as examples. */
export const EXAMPLES = 8;

/** Each revision's lookup (LookupKind, in agreement.ts with the tallies' types). */
export const REVISION_LOOKUP: Record<RevisionId, LookupKind> = {
  'v1-v4': 'floor-stale',
  v5: 'floor',
  v6: 'floor',
  newest: 'floor-guard',
};

export const LOOKUP_TEXT: Record<LookupKind, string> = {
  'floor-stale':
    'floor search over the whole table; an answer from an entry at or past _etext is stale (wrong)',
  floor: 'floor search over the table capped at _etext',
  'floor-guard':
    "floor search over the table capped at _etext; no answer when the entry found lies below the start of the address's function symbol",
};

/** The index of the last entry at or below `off` (a floor search), or -1. */
export function floorIndex(table: EntryTable, off: number): number {
  if (off < 0 || off > 0xffffffff) return -1;
  let lo = 0;
  let hi = table.count;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    if (table.offsets[mid] <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** One lookup's result: the entry it answers from (-1: none) and whether that answer is stale. */
export interface RevisionLookup {
  index: number;
  stale: boolean;
  /** A plain floor search found an entry that the guard refused. */
  guarded: boolean;
}

/**
 * A revision's lookup for an address offset. `etextOffset`: `_etext` less
 * the base; `symbolStart`: the offset of the function symbol the address
 * falls in (the guard's bound; undefined: none known, no guard).
 */
export function revisionLookup(
  kind: LookupKind,
  table: EntryTable,
  off: number,
  etextOffset: number,
  symbolStart: number | undefined,
): RevisionLookup {
  const index = floorIndex(table, off);
  if (index < 0) return { index, stale: false, guarded: false };
  if (kind === 'floor-stale')
    return { index, stale: table.offsets[index] >= etextOffset, guarded: false };
  if (kind === 'floor-guard' && symbolStart !== undefined && table.offsets[index] < symbolStart)
    return { index: -1, stale: false, guarded: true };
  return { index, stale: false, guarded: false };
}

export function answerAt(table: EntryTable, index: number): Answer {
  if (index < 0 || table.lines[index] === 0) return { line: 0 };
  return { file: table.files[table.fileIds[index]], line: table.lines[index] };
}

export const show = (a: Answer) => (a.line ? `${a.file}:${a.line}` : a.file ? `${a.file}:0` : '-');

/** Lost, wrong (stale among them) and agreeing answers of one lookup against one tool. */
function tallyTool(
  tool: Tool,
  plan: AgreementPlan,
  theirs: Answer[],
  ours: Answer[],
  stale: boolean[],
  plain: Answer[],
  past: boolean[],
): RevisionToolAgreement {
  const pastEtext = { samples: 0, agree: 0, lost: 0, wrong: 0 };
  let agree = 0;
  let lost = 0;
  let wrong = 0;
  let staleWrong = 0;
  let floorAgree = 0;
  const examples: RevisionToolAgreement['examples'] = [];
  const wrongs = new Map<string, number>();
  for (let k = 0; k < ours.length; k++) {
    const o = ours[k];
    const t = theirs[k];
    if (sameAnswer(plain[k], t)) floorAgree++;
    let kind: 'lost' | 'wrong' | 'stale' | undefined;
    if (stale[k]) kind = 'stale';
    else if (sameAnswer(o, t)) agree++;
    else kind = o.line === 0 ? 'lost' : 'wrong';
    if (past[k]) {
      pastEtext.samples++;
      if (!kind) pastEtext.agree++;
      else if (kind === 'lost') pastEtext.lost++;
      else pastEtext.wrong++;
    }
    if (!kind) continue;
    if (kind === 'lost') lost++;
    else {
      wrong++;
      wrongs.set(show(o), (wrongs.get(show(o)) ?? 0) + 1);
    }
    if (kind === 'stale') staleWrong++;
    if (examples.length < EXAMPLES)
      examples.push({
        address: `0x${plan.addresses[k].toString(16)}`,
        ours: show(o),
        theirs: show(t),
        kind,
      });
  }
  const n = ours.length;
  return {
    tool,
    samples: n,
    agree,
    lost,
    wrong,
    stale: staleWrong,
    pastEtext,
    percent: n ? (100 * agree) / n : 0,
    floor: { agree: floorAgree, percent: n ? (100 * floorAgree) / n : 0 },
    commonWrong: [...wrongs]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([answer, count]) => ({ answer, count })),
    examples,
  };
}

/** The sampled addresses with the tools' answers, and the offset of the function symbol each falls in. */
export interface Sample {
  plan: AgreementPlan;
  symbolStarts: (number | undefined)[];
}

/** A plan's addresses with the start of the function each falls in (kallsyms' symbol: the nearest STT_FUNC start at or below). */
export function withSymbolStarts(elf: ElfFile, plan: AgreementPlan): Sample {
  const starts = functionStarts(elf, plan.base);
  return {
    plan,
    symbolStarts: plan.addresses.map((a) => {
      const s = symbolStartOf(starts, a);
      return s === undefined ? undefined : Number(s - plan.base);
    }),
  };
}

/** The tools asked about given addresses (not sampled ones), as a Sample. */
export function sampleAt(
  elf: ElfFile,
  base: bigint,
  addresses: bigint[],
  tools: Tool[] = TOOLS,
): Sample {
  return withSymbolStarts(elf, {
    samples: addresses.length,
    seed: 0,
    base,
    addresses,
    offsets: addresses.map((a) => Number(a - base)),
    answers: new Map(tools.map((t) => [t, askTool(t, elf.name, addresses)])),
  });
}

/** A revision's lookups on every sample, and each tool's tally of them. */
export function revisionAgreement(
  kind: LookupKind,
  table: EntryTable,
  sample: Sample,
  etextOffset: number,
): { agreement: RevisionAgreement; indexes: number[] } {
  const { plan } = sample;
  const ours: Answer[] = [];
  const plain: Answer[] = [];
  const stale: boolean[] = [];
  const indexes: number[] = [];
  let noAnswer = 0;
  let guarded = 0;
  let staleCount = 0;
  const past = plan.offsets.map((off) => off >= etextOffset);
  for (let k = 0; k < plan.offsets.length; k++) {
    const off = plan.offsets[k];
    const r = revisionLookup(kind, table, off, etextOffset, sample.symbolStarts[k]);
    const a = answerAt(table, r.index);
    ours.push(a);
    indexes.push(r.index);
    plain.push(answerAt(table, floorIndex(table, off)));
    stale.push(r.stale);
    if (a.line === 0) noAnswer++;
    if (r.guarded) guarded++;
    if (r.stale) staleCount++;
  }
  const tools = [...plan.answers].map(([tool, theirs]) =>
    tallyTool(tool, plan, theirs, ours, stale, plain, past),
  );
  return {
    agreement: { lookup: kind, noAnswer, guarded, stale: staleCount, tools },
    indexes,
  };
}
