/** `--base` and a config's `base`: a number (0x... or decimal) is an address, anything else a symbol name. */
export function parseBase(v: string): string | bigint {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) return BigInt(v);
  return v;
}
