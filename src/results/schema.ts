import type { Provenance } from '../kernels/types.js';
import type { MeasureResult } from '../measure/kernel.js';
import type { LatencyResult } from '../measure/latency.js';
import type { ModuleSetResult } from '../measure/modules.js';
import type { RunConfig } from './config.js';

/** Bump when a field changes meaning; readers refuse versions they do not know. */
export const RESULTS_SCHEMA_VERSION = 1;

/** One kernel's results in a run. */
export interface KernelResult {
  id: string;
  provenance: Provenance;
  /** How often vmlinux's line tables were read for this kernel: one per rule set (absent in runs before it was counted). */
  extractions?: number;
  measure: MeasureResult;
  /** Lookup latency per format (raw samples kept), when the config asks for it. */
  latency?: LatencyResult;
  /** The kernel's .ko files (summary only: no per-module list), when the config asks for them. */
  modules?: ModuleSetResult;
  /** Why the modules could not be measured (the kernel's own figures stand). */
  modulesError?: string;
}

/** A kernel that could not be measured: the run goes on and says why. */
export interface KernelFailure {
  id: string;
  error: string;
}

/** What `run` writes to results/<run-id>/run.json: raw integers, never "10.8 MiB". */
export interface RunResult {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  runId: string;
  config: RunConfig;
  /** The config file `run` was given (as given: relative to where it ran), when it ran from one. */
  configFile?: string;
  /** `run --only`: the kernels of the config this run measured; absent when it set out to measure all. */
  only?: string[];
  startedAt: string;
  /** Empty while the run is still going (or was interrupted): what is here was measured. */
  finishedAt: string;
  tool: {
    name: 'lineinfo-bench';
    version: string;
    node: string;
    /** The checkout's commit the run started at (absent in runs before it was recorded, or outside a git checkout). */
    commit?: string;
    /** Code under src/, bin/ or package.json had changes not committed. */
    dirty?: boolean;
    /** Commits (or uncommitted code) that resumed the run after a kill, when not the one it started at: its later kernels were measured there. */
    resumedAt?: { commit: string; dirty: boolean; kernels: string[] }[];
  };
  machine: { cpus: number; cpuModel: string; memoryBytes: number; loadAverage: number[] };
  kernels: KernelResult[];
  failures: KernelFailure[];
}
