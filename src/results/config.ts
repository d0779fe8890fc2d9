import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseFormat } from '../encodings/registry.js';
import { UserError } from '../errors.js';
import { RULE_SETS } from '../lineinfo/rules.js';

/**
 * An experiment matrix (configs/<name>.json): kernels x formats x rule sets x
 * measurements. Validated with zod so a bad key is named with its path.
 */
const kernelSpec = z.union([
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only'),
    debian: z.strictObject({
      flavour: z.string(),
      version: z.string().optional(),
      series: z.string().optional(),
      /** Consent to `dpkg --add-architecture` for a foreign architecture's package. */
      allowAddArch: z.boolean().optional(),
    }),
    /** Measure the kernel's .ko files too (the debug package's modules). */
    modules: z.boolean().optional(),
  }),
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/),
    local: z.string(),
    /** A base symbol or address for ELF files that are not a vmlinux (no _text). */
    base: z.string().optional(),
    /** Measure the build directory's .ko files too. */
    modules: z.boolean().optional(),
  }),
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/),
    /** A TuxMake or TuxSuite build output folder: metadata.json, vmlinux.xz, config, boot image, modules.tar.xz. */
    tuxmake: z.string(),
    /** Measure the modules in its modules.tar.xz too. */
    modules: z.boolean().optional(),
  }),
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/),
    build: z.strictObject({
      arch: z.string(),
      recipe: z.string(),
      compiler: z.enum(['gcc', 'clang']).optional(),
      tarball: z.string().optional(),
      /** Unified diffs applied to the tarball with patch -p1 (paths from where run is started). */
      patches: z.array(z.string()).optional(),
    }),
    /** Measure the build's .ko files too (the recipe must build modules). */
    modules: z.boolean().optional(),
  }),
]);

export const runConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  kernels: z.array(kernelSpec).min(1),
  formats: z.array(z.string()).min(1),
  rules: z.array(z.string()).min(1).default(['newest']),
  seed: z.number().int().nonnegative().default(1),
  measure: z
    .strictObject({
      /** Seeded lookups between entries for verification. */
      verifySamples: z.number().int().nonnegative().default(100_000),
      /** Addresses asked of addr2line and llvm-symbolizer (0: skip). */
      agreement: z.number().int().nonnegative().default(0),
      /** Lookup latency of every format (C harness), under the first rule set; off when absent. */
      latency: z
        .strictObject({
          sets: z
            .array(z.enum(['uniform', 'entries', 'block-end', 'calls']))
            .min(1)
            .default(['uniform', 'block-end']),
          modes: z
            .array(z.enum(['warm', 'cold']))
            .min(1)
            .default(['warm', 'cold']),
          addresses: z.number().int().positive().default(2000),
        })
        .optional(),
    })
    .default({ verifySamples: 100_000, agreement: 0 }),
  /** Let builds install missing cross compilers with apt-get. */
  allowInstall: z.boolean().default(false),
});

export type RunConfig = z.infer<typeof runConfigSchema>;
export type KernelSpec = z.infer<typeof kernelSpec>;

/** The rule set a run's growth, latency, modules and summaries are quoted for: the config's first. */
export function mainRules(config: Pick<RunConfig, 'rules'>): string {
  return config.rules[0];
}

/** Reads and validates a config; every problem is one user error naming the file and the key. */
export function loadRunConfig(path: string): RunConfig {
  if (!existsSync(path)) throw new UserError('no such config file', path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`not valid JSON (${(e as Error).message})`, path);
  }
  return validateRunConfig(raw, path);
}

export function validateRunConfig(raw: unknown, path: string): RunConfig {
  const r = runConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new UserError(`${key}: ${issue.message}`, path);
  }
  const c = r.data;
  c.formats.forEach((f, i) => {
    try {
      parseFormat(f);
    } catch (e) {
      throw new UserError(`formats.${i}: ${(e as Error).message}`, path);
    }
  });
  c.rules.forEach((x, i) => {
    if (!RULE_SETS[x])
      throw new UserError(
        `rules.${i}: unknown rule set ${x} (known: ${Object.keys(RULE_SETS).join(', ')})`,
        path,
      );
  });
  const ids = new Set<string>();
  c.kernels.forEach((k, i) => {
    if (ids.has(k.id)) throw new UserError(`kernels.${i}.id: ${k.id} is used twice`, path);
    ids.add(k.id);
  });
  return c;
}

/**
 * The kernel ids of `run --only`, checked against the config: each must be
 * one of its kernels, and at least one must be given.
 */
export function checkOnly(config: RunConfig, only: string, path: string): string[] {
  const ids = [
    ...new Set(
      only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const known = config.kernels.map((k) => k.id);
  if (ids.length === 0)
    throw new UserError(`--only: no kernel id given (it has: ${known.join(', ')})`, path);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length)
    throw new UserError(
      `--only: no kernel ${unknown.join(', ')} in this config (it has: ${known.join(', ')})`,
      path,
    );
  return ids;
}
