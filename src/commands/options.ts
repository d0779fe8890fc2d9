/** Options and output helpers the commands share. */
import { Option } from 'commander';
import { DEFAULT_REVISION, REVISION_IDS, REVISIONS, revision } from '../encodings/revisions.js';
import { ThresholdError, UserError } from '../errors.js';
import { parseBase } from '../lineinfo/base-spec.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { parseThreshold, type Threshold, type ThresholdViolation } from '../measure/thresholds.js';
import { toJson } from '../util/json.js';
import type { ProcessLike } from '../util/process.js';

/** Writes `--json` output (util/json's one form) or the rendered text. */
export function emit(
  proc: ProcessLike,
  json: boolean | undefined,
  data: unknown,
  render: () => string,
): void {
  proc.stdout.write(json ? toJson(data) : render());
}

/** An option parser for a whole number from `min`: `--seed 0x10` or `-1` are user errors. */
export const wholeNumber =
  (name: string, min = 0) =>
  (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min)
      throw new UserError(`${name} takes a whole number${min ? ` from ${min}` : ''}, not ${v}`);
    return Number(v);
  };

/** A comma-separated list, empty items dropped. */
export const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `--revision`: which revision of the series to model (its rules and layouts); the newest unless named. */
export const revisionOption = () =>
  new Option(
    '--revision <id>',
    `the revision of the series to model (its generator's rules and table layouts):${REVISION_IDS.map(
      (id) => `\n  ${id.padEnd(8)}${REVISIONS[id].covers}`,
    ).join('')}\n`,
  )
    .choices([...REVISION_IDS])
    .default(DEFAULT_REVISION);

/** `--rules`: a rule set instead of the revision's own (ours, or another revision's). */
export const rulesOption = () =>
  new Option(
    '--rules <rules>',
    `extraction rules instead of the revision's: ${Object.values(RULE_SETS)
      .map((r) => `\n  ${r.id.padEnd(20)}${r.description}`)
      .join('')}\n`,
  ).choices(Object.keys(RULE_SETS));

/** `--build-root`: the roots kbuild exports to the newest generator, for a vmlinux found outside its build directory. */
export const buildRootOption = () =>
  new Option(
    '--build-root <dir...>',
    "the build's roots as kbuild exports them (objtree, srctree, srcroot), stripped from file names by the newest rules; default: a build directory's own, none for a bare vmlinux or a distribution kernel",
  );

/** The rule set a command extracts with: `--rules` when given, else the revision's. */
export function rulesOf(opts: { revision: string; rules?: string }): string {
  return opts.rules ?? revision(opts.revision).rules;
}

export const baseOption = () =>
  new Option(
    '--base <symbol|address>',
    'base address: a symbol name or a number (default: _text; .text for a .ko)',
  ).argParser(parseBase);

/** `--relocation`: how a relocatable object's (.ko) debug sections are relocated before reading. */
export const relocationOption = () =>
  new Option(
    '--relocation <mode>',
    'for a .ko: upstream (only the 32-bit absolute type on .debug_line, as gen_lineinfo), full (every relocation), or none',
  )
    .choices(['upstream', 'full', 'none'])
    .default('upstream');

/** `--fail-on`, repeatable: CI limits on the measured figures (measure/thresholds.ts). */
export const failOnOption = () =>
  new Option(
    '--fail-on <limit>',
    'exit 1 when a figure exceeds a limit (repeatable): growth>5% (of the loaded size; growth.image>12% for the boot image), bpe>4 (index + data per entry), bytes>N; @FORMAT for one format, e.g. bpe>2@mru-huffman:64',
  )
    .argParser((v: string, prev: Threshold[] | undefined) => [...(prev ?? []), parseThreshold(v)])
    .default([] as Threshold[], 'none');

/** Throws the violations as one ThresholdError (exit 1), a line each. */
export function failOnViolations(violations: ThresholdViolation[]): void {
  if (violations.length) throw new ThresholdError(violations.map((v) => v.line).join('\n'));
}
