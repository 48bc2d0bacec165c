import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.ts';
import { stableStringify } from '@loglore/core';
import { cacheKey } from './names.ts';


/** A stable hash of analysis parameters: the cache key of "the same question". */
export function hashParameters(parameters: unknown): string {
  return createHash('sha256').update(stableStringify(parameters)).digest('hex').slice(0, 32);
}

export interface CachedAnalysis {
  request_id: string;
  cached_at: string;
  /**
   * The evidence watermark the analysis was computed from (what had been ingested into its
   * scope and window). The entry answers only a question asked while the watermark is the same.
   */
  watermark: string;
  analysis: Record<string, unknown>;
}

/**
 * What a look-up found: `hit` (an entry computed from the evidence there now), `miss` (no
 * entry), `stale` (an entry computed from other evidence: logs landed since), `invalid` (an
 * entry that cannot be read), `disabled` (CACHE_TTL_SECONDS is 0).
 */
export type CacheLookup =
  | { state: 'hit'; entry: CachedAnalysis }
  | { state: 'stale'; entry: CachedAnalysis }
  | { state: 'miss' | 'invalid' | 'disabled' };

export interface AnalysisCacheOptions {
  /**
   * How long an answer that found no evidence is kept, at most (default 60 s). Such an answer
   * is the one most likely to be overtaken by logs that were still on their way, the costliest
   * to be wrong about ("nothing there" during an incident) and the cheapest to compute again.
   */
  noEvidenceTtlSeconds?: number;
}

/**
 * Replaces the entry unless it was computed from the same evidence: the first analysis of a
 * question and its evidence stays the cached one, a fresher one replaces a stale one.
 * KEYS[1] the entry, ARGV[1] the new entry's JSON, ARGV[2] its watermark, ARGV[3] TTL in seconds.
 */
const SET_UNLESS_SAME_EVIDENCE = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and entry.watermark == ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

/**
 * Analyses by parameter hash, each tied to the evidence watermark it was computed from and
 * kept for `ttlSeconds` (an answer without evidence for `noEvidenceTtlSeconds` at most).
 *
 * @example
 * const found = await cache.lookup(hash, watermark);
 * if (found.state === 'hit') return found.entry.analysis;
 */
export function createAnalysisCache(redis: RedisClient, prefix: string, ttlSeconds: number, options: AnalysisCacheOptions = {}) {
  const noEvidenceTtl = Math.max(0, Math.min(ttlSeconds, options.noEvidenceTtlSeconds ?? 60));
  return {
    /** False when CACHE_TTL_SECONDS is 0: nothing is read or written, no watermark is needed. */
    enabled: ttlSeconds > 0,
    async lookup(hash: string, watermark: string): Promise<CacheLookup> {
      if (ttlSeconds <= 0) return { state: 'disabled' };
      const raw = await redis.get(cacheKey(prefix, hash));
      if (!raw) return { state: 'miss' };
      let entry: CachedAnalysis;
      try {
        entry = JSON.parse(raw) as CachedAnalysis;
      } catch {
        return { state: 'invalid' };
      }
      if (typeof entry !== 'object' || entry === null || typeof entry.request_id !== 'string') return { state: 'invalid' };
      return entry.watermark === watermark ? { state: 'hit', entry } : { state: 'stale', entry };
    },
    /**
     * Stores an analysis unless one of the same evidence is there (`replace` overwrites that
     * too: it was found unusable). `evidence: false` (it found none) keeps it for the short TTL only.
     */
    async set(hash: string, entry: CachedAnalysis, { evidence, replace = false }: { evidence: boolean; replace?: boolean }): Promise<void> {
      const ttl = evidence ? ttlSeconds : noEvidenceTtl;
      if (ttl <= 0) return;
      const key = cacheKey(prefix, hash);
      const json = JSON.stringify(entry);
      if (replace) await redis.set(key, json, 'EX', ttl);
      else await redis.eval(SET_UNLESS_SAME_EVIDENCE, 1, key, json, entry.watermark, String(ttl));
    },
  };
}
export type AnalysisCache = ReturnType<typeof createAnalysisCache>;
