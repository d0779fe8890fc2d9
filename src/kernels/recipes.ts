import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { type KconfigValues, parseKconfig } from './metadata.js';

export type Compression = 'none' | 'zlib' | 'zstd';

/** A config recipe: configs/recipes/<name>.json. */
export interface Recipe {
  name: string;
  description?: string;
  /** The make target that starts the config. `defconfig` means the arch's defconfig (see arches.ts). */
  base: 'tinyconfig' | 'defconfig' | 'allnoconfig';
  /** Run `make mod2noconfig` after the base: every =m becomes =n. */
  mod2noconfig?: boolean;
  debugInfo: { dwarf: 4 | 5; compression: Compression };
  /** Kconfig fragment files, relative to the recipe file. */
  fragments?: string[];
  /** Extra Kconfig lines (CONFIG_X=y, "# CONFIG_Y is not set"). */
  options?: string[];
  /** Also `make modules`. */
  modules?: boolean;
}

/** A recipe with its fragments read in: what goes into the job key. */
export interface LoadedRecipe {
  recipe: Recipe;
  file: string;
  /** Every Kconfig line the recipe asks for, in order: debug info (for Linux 6.2+), fragments, options. Goes into the job key. */
  lines: string[];
  /** The fragments' and options' lines only. */
  userLines: string[];
}

export function recipesDir(): string {
  // src/kernels or dist/kernels -> ../../configs/recipes
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'configs', 'recipes');
}

export function listRecipes(dir = recipesDir()): LoadedRecipe[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadRecipe(join(dir, f)));
}

/**
 * How a kernel tree spells debug-info compression: Linux 6.2+ has the choice
 * DEBUG_INFO_COMPRESSED_{NONE,ZLIB,ZSTD}; 6.1 has one bool, DEBUG_INFO_COMPRESSED (zlib).
 */
export interface KconfigDialect {
  compressionChoice: boolean;
}

export const MODERN: KconfigDialect = { compressionChoice: true };

export function detectDialect(srcTree: string): KconfigDialect {
  const p = join(srcTree, 'lib', 'Kconfig.debug');
  if (!existsSync(p)) return MODERN;
  return {
    compressionChoice: /^config DEBUG_INFO_COMPRESSED_NONE$/m.test(readFileSync(p, 'utf8')),
  };
}

/** The Kconfig lines for a debug-info choice. Every choice member is set explicitly: disabling
 *  DEBUG_INFO_COMPRESSED_NONE alone silently selects zlib. */
export function debugInfoLines(
  dwarf: 4 | 5,
  compression: Compression,
  dialect: KconfigDialect = MODERN,
): string[] {
  const set = (sym: string, on: boolean) => (on ? `CONFIG_${sym}=y` : `# CONFIG_${sym} is not set`);
  if (!dialect.compressionChoice && compression === 'zstd') {
    throw new UserError(
      'zstd-compressed debug info needs Linux 6.2 or later; this tree has only DEBUG_INFO_COMPRESSED (zlib)',
    );
  }
  const comp = dialect.compressionChoice
    ? [
        set('DEBUG_INFO_COMPRESSED_NONE', compression === 'none'),
        set('DEBUG_INFO_COMPRESSED_ZLIB', compression === 'zlib'),
        set('DEBUG_INFO_COMPRESSED_ZSTD', compression === 'zstd'),
      ]
    : [set('DEBUG_INFO_COMPRESSED', compression === 'zlib')];
  return [
    'CONFIG_DEBUG_KERNEL=y',
    set('DEBUG_INFO_NONE', false),
    set('DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT', false),
    set('DEBUG_INFO_DWARF4', dwarf === 4),
    set('DEBUG_INFO_DWARF5', dwarf === 5),
    ...comp,
    set('DEBUG_INFO_REDUCED', false),
    set('DEBUG_INFO_SPLIT', false),
    set('DEBUG_INFO_BTF', false),
  ];
}

/** Loads a recipe by name (configs/recipes/<name>.json) or by path to a .json file. */
export function loadRecipe(nameOrPath: string, dir = recipesDir()): LoadedRecipe {
  const file =
    nameOrPath.endsWith('.json') || nameOrPath.includes('/')
      ? resolve(nameOrPath)
      : join(dir, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    const known = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -5))
      : [];
    throw new UserError(`no such recipe; known recipes: ${known.join(', ') || '(none)'}`, file);
  }
  let recipe: Recipe;
  try {
    recipe = JSON.parse(readFileSync(file, 'utf8')) as Recipe;
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, file);
  }
  const bad = (why: string) => new UserError(`bad recipe: ${why}`, file);
  if (typeof recipe.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(recipe.name))
    throw bad('"name" must be a word (letters, digits, . _ -)');
  if (!['tinyconfig', 'defconfig', 'allnoconfig'].includes(recipe.base))
    throw bad('"base" must be tinyconfig, defconfig or allnoconfig');
  const di = recipe.debugInfo;
  if (!di || (di.dwarf !== 4 && di.dwarf !== 5)) throw bad('"debugInfo.dwarf" must be 4 or 5');
  if (!['none', 'zlib', 'zstd'].includes(di.compression))
    throw bad('"debugInfo.compression" must be none, zlib or zstd');
  const userLines: string[] = [];
  for (const frag of recipe.fragments ?? []) {
    const p = isAbsolute(frag) ? frag : resolve(dirname(file), frag);
    if (!existsSync(p)) throw new UserError(`fragment not found (named by recipe ${file})`, p);
    userLines.push(
      ...readFileSync(p, 'utf8')
        .split('\n')
        .filter((l) => isKconfigLine(l)),
    );
  }
  for (const o of recipe.options ?? []) {
    if (!isKconfigLine(o))
      throw bad(`option "${o}" is not CONFIG_X=value or "# CONFIG_X is not set"`);
    userLines.push(o);
  }
  return {
    recipe,
    file,
    lines: [...debugInfoLines(di.dwarf, di.compression), ...userLines],
    userLines,
  };
}

function isKconfigLine(l: string): boolean {
  return /^CONFIG_[A-Za-z0-9_]+=/.test(l) || /^# CONFIG_[A-Za-z0-9_]+ is not set$/.test(l);
}

/** What the lines ask for: symbol -> value, null for "not set". Later lines win, as in Kconfig. */
export function requested(lines: string[]): KconfigValues {
  return parseKconfig(lines.join('\n'));
}

/**
 * Checks a .config after olddefconfig against what was asked: debug info on,
 * the DWARF version and compression chosen, and every other requested symbol
 * kept. Returns the problems, one line each; empty when all is well.
 */
export function verifyConfig(
  configText: string,
  lines: string[],
  dwarf: 4 | 5,
  compression: Compression,
  dialect: KconfigDialect = MODERN,
): string[] {
  const got = parseKconfig(configText);
  const problems: string[] = [];
  const on = (s: string) => got.get(s) === 'y';
  if (!on('CONFIG_DEBUG_INFO')) problems.push('CONFIG_DEBUG_INFO is not y (debug info dropped)');
  if (on('CONFIG_DEBUG_INFO_NONE')) problems.push('CONFIG_DEBUG_INFO_NONE=y (no debug info)');
  if (!on(`CONFIG_DEBUG_INFO_DWARF${dwarf}`))
    problems.push(`CONFIG_DEBUG_INFO_DWARF${dwarf} is not y (DWARF ${dwarf} not available here)`);
  const reported = new Set([
    'CONFIG_DEBUG_INFO',
    'CONFIG_DEBUG_INFO_NONE',
    `CONFIG_DEBUG_INFO_DWARF${dwarf}`,
  ]);
  if (dialect.compressionChoice) {
    const comp = `CONFIG_DEBUG_INFO_COMPRESSED_${compression.toUpperCase()}`;
    const why =
      compression === 'zstd' ? '; it needs gcc -gz=zstd and ld --compress-debug-sections=zstd' : '';
    if (!on(comp))
      problems.push(`${comp} is not y (compression ${compression} not selected${why})`);
    reported.add(comp);
  } else if (on('CONFIG_DEBUG_INFO_COMPRESSED') !== (compression === 'zlib')) {
    problems.push(
      `CONFIG_DEBUG_INFO_COMPRESSED is ${on('CONFIG_DEBUG_INFO_COMPRESSED') ? 'y' : 'not set'} (compression ${compression} asked)`,
    );
  }
  for (const [sym, want] of requested(lines)) {
    if (reported.has(sym) && problems.some((p) => p.startsWith(`${sym} `))) continue; // said above
    const have = got.get(sym);
    if (want === null || want === 'n') {
      if (have !== undefined && have !== null && have !== 'n')
        problems.push(`${sym}=${have}, asked not set`);
    } else if (have !== want) {
      problems.push(
        `${sym}=${have === undefined || have === null ? '(not set)' : have}, asked ${want}`,
      );
    }
  }
  return [...new Set(problems)];
}
