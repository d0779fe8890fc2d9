import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The tool's version, from package.json: one place to bump. Both src/util
 * (tests) and dist/util (the CLI) sit two levels below it.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The checkout the tool runs from: the package root, two levels up. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The commit a figure was measured at, and whether the code had changes not committed. */
export interface ToolCommit {
  commit: string;
  /** Tracked files under src/, bin/ or package.json differ from the commit. */
  dirty: boolean;
}

/**
 * The git commit of the checkout at `root`, so a published figure names the
 * code behind it as well as the revision of the series. Undefined where the
 * tool is not run from a git checkout (an npm install) or git is missing.
 */
export function toolCommit(root: string = PACKAGE_ROOT): ToolCommit | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    // a package inside some other repository is not a checkout of ours
    if (git('rev-parse', '--show-prefix') !== '') return undefined;
    const commit = git('rev-parse', 'HEAD');
    // only what runs counts: edits to tests, docs or results do not change a figure
    const dirty =
      git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin', 'package.json') !==
      '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}
