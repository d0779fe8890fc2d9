/** Options and output helpers the commands share. */
import { Option } from 'commander';
import { UserError } from '../errors.js';
import { parseBase } from '../lineinfo/base-spec.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { toJson } from '../util/json.js';
import type { ProcessLike } from '../util/process.js';

/** What every command's registration gets: the process to talk to, and where its exit code goes. */
export interface CommandContext {
  proc: ProcessLike;
  setExit: (code: number) => void;
}

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

export const rulesOption = () =>
  new Option(
    '--rules <rules>',
    `extraction rules: ${Object.values(RULE_SETS)
      .map((r) => `\n  ${r.id.padEnd(20)}${r.description}`)
      .join('')}\n`,
  )
    .choices(Object.keys(RULE_SETS))
    .default('v1-v4');

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
