import { readFileSync } from 'node:fs';

/**
 * The tool's version, from package.json: one place to bump. Both src/util
 * (tests) and dist/util (the CLI) sit two levels below it.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
