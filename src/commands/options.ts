/** Options several commands share. */
import { Option } from 'commander';
import { RULE_SETS } from '../lineinfo/rules.js';

/** `--base`: a number (0x... or decimal) is an address, anything else a symbol name. */
export function parseBase(v: string): string | bigint {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) return BigInt(v);
  return v;
}

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
