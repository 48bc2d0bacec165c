import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { stableStringify } from '@loglore/core';
import { cacheKey } from './names.ts';


/** A stable hash of analysis parameters: the cache key of "the same question". */
export function hashParameters(parameters: unknown): string {
  return createHash('sha256').update(stableStringify(parameters)).digest('hex').slice(0, 32);
}

export interface CachedAnalysis {
  request_id: string;
  cached_at: string;
  analysis: Record<string, unknown>;
}

/** The seed's MemoryCache: analyses by parameter hash, each kept for `ttlSeconds`. */
export function createAnalysisCache(redis: Redis, prefix: string, ttlSeconds: number) {
  return {
    async get(hash: string): Promise<CachedAnalysis | null> {
      if (ttlSeconds <= 0) return null;
      const raw = await redis.get(cacheKey(prefix, hash));
      if (!raw) return null;
      try {
        return JSON.parse(raw) as CachedAnalysis;
      } catch {
        return null;
      }
    },
    async set(hash: string, entry: CachedAnalysis): Promise<void> {
      if (ttlSeconds <= 0) return;
      // NX: the first analysis of a question stays the cached one until it expires.
      await redis.set(cacheKey(prefix, hash), JSON.stringify(entry), 'EX', ttlSeconds, 'NX');
    },
  };
}
export type AnalysisCache = ReturnType<typeof createAnalysisCache>;
