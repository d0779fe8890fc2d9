/**
 * The one JSON form the tool writes: run.json, the json report and every
 * command's `--json`. One space of indent keeps a 20-kernel run readable
 * with jq and a third smaller than two; raw integers, never "10.8 MiB".
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}
