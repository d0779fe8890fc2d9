import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** The last-level cache as sysfs describes it, and the eviction buffer it calls for. */
export interface CacheInfo {
  /** Bytes of the last-level cache (highest level, unified or data); undefined if sysfs says nothing. */
  llcBytes?: number;
  llcLevel?: number;
  /** Where the figure came from, or why there is none. */
  source: string;
  /** The buffer walked between cold lookups: at least twice the LLC (256 MiB when unknown). */
  evictBytes: number;
}

/** "32768K" -> 33554432 */
export function parseCacheSize(s: string): number | undefined {
  const m = /^\s*(\d+)\s*([KMG]?)\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()] ?? 1;
  return Number(m[1]) * unit;
}

export const UNKNOWN_LLC_EVICT = 256 * 1024 * 1024;

/** Reads /sys/devices/system/cpu/cpu0/cache/index* (level, type, size); `dir` for tests. */
export function readCacheInfo(dir = '/sys/devices/system/cpu/cpu0/cache'): CacheInfo {
  let best: { level: number; bytes: number } | undefined;
  if (existsSync(dir)) {
    for (const e of readdirSync(dir)) {
      if (!/^index\d+$/.test(e)) continue;
      try {
        const level = Number(readFileSync(join(dir, e, 'level'), 'utf8').trim());
        const type = readFileSync(join(dir, e, 'type'), 'utf8').trim();
        const bytes = parseCacheSize(readFileSync(join(dir, e, 'size'), 'utf8'));
        if (type === 'Instruction' || bytes === undefined) continue;
        if (!best || level > best.level || (level === best.level && bytes > best.bytes))
          best = { level, bytes };
      } catch {
        // an unreadable entry is no entry
      }
    }
  }
  if (!best) {
    return {
      source: `${dir} gave no cache sizes; eviction buffer set to 256 MiB`,
      evictBytes: UNKNOWN_LLC_EVICT,
    };
  }
  return {
    llcBytes: best.bytes,
    llcLevel: best.level,
    source: `${dir} (L${best.level})`,
    evictBytes: 2 * best.bytes,
  };
}

export interface MachineInfo {
  cpu: string;
  cpus: number;
  /** 1, 5 and 15-minute load averages. */
  loadavg: number[];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cpus: c.length,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
