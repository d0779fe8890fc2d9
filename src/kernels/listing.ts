import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES } from './arches.js';
import type { BuildDone } from './build.js';
import { readDone } from './cache.js';
import { listDebianCache } from './debian.js';
import { which } from './exec.js';
import { listRecipes } from './recipes.js';

/** Everything `kernels list` shows, as data. */
export interface KernelsListing {
  cache: string;
  recipes: { name: string; description?: string; file: string }[];
  arches: {
    name: string;
    makeArch: string;
    crossPrefix: string;
    gccPackage: string;
    gccInstalled: boolean;
    clang: boolean;
  }[];
  builds: (BuildDone & { dir: string })[];
  /** Build directories without a done marker: failed, interrupted, or running now (locked). */
  unfinished: { dir: string; log: string; running: boolean }[];
  debian: { dir: string; package: string; version: string }[];
}

export function listKernels(cache: string): KernelsListing {
  const buildsDir = join(cache, 'builds');
  const builds: (BuildDone & { dir: string })[] = [];
  const unfinished: KernelsListing['unfinished'] = [];
  if (existsSync(buildsDir)) {
    for (const d of readdirSync(buildsDir).sort()) {
      if (d.endsWith('.lock')) continue;
      const dir = join(buildsDir, d);
      const done = readDone<BuildDone>(dir);
      if (done) builds.push({ ...done, dir });
      else
        unfinished.push({ dir, log: join(dir, 'build.log'), running: existsSync(`${dir}.lock`) });
    }
  }
  return {
    cache,
    recipes: listRecipes().map((r) => ({
      name: r.recipe.name,
      description: r.recipe.description,
      file: r.file,
    })),
    arches: ARCHES.map((a) => ({
      name: a.name,
      makeArch: a.makeArch,
      crossPrefix: a.crossPrefix,
      gccPackage: a.gccPackage,
      gccInstalled: which(`${a.crossPrefix}gcc`),
      clang: a.clang,
    })),
    builds,
    unfinished,
    debian: listDebianCache(cache),
  };
}
