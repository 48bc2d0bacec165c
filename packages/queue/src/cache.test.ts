import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysisCache, type CachedAnalysis } from './cache.ts';
import { createRedis, type RedisClient } from './connection.ts';
import { deletePrefixKeys } from './keys.ts';
import { cacheKey } from './names.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const entry = (request_id: string, watermark: string): CachedAnalysis => ({
  request_id,
  cached_at: '2026-11-25T10:30:00.000Z',
  watermark,
  analysis: { summary: request_id },
});

describe('the analysis cache on Redis', () => {
  let redis: RedisClient;
  const prefix = `lltest${randomBytes(5).toString('hex')}`;
  beforeAll(() => {
    redis = createRedis(REDIS_URL, 'command');
  });
  afterAll(async () => {
    await deletePrefixKeys(redis, prefix);
    redis.disconnect();
  });

  it('answers only a look-up of the watermark the entry was computed from', async () => {
    const cache = createAnalysisCache(redis, prefix, 3600);
    expect(await cache.lookup('q1', '10:42')).toEqual({ state: 'miss' });
    await cache.set('q1', entry('first', '10:42'), { evidence: true });
    expect(await cache.lookup('q1', '10:42')).toEqual({ state: 'hit', entry: entry('first', '10:42') });
    expect(await cache.lookup('q1', '11:43')).toEqual({ state: 'stale', entry: entry('first', '10:42') });
  });

  it('keeps the first analysis of the same evidence and replaces one of other evidence', async () => {
    const cache = createAnalysisCache(redis, prefix, 3600);
    await cache.set('q2', entry('first', '10:42'), { evidence: true });
    await cache.set('q2', entry('second', '10:42'), { evidence: true });
    expect(await cache.lookup('q2', '10:42')).toMatchObject({ state: 'hit', entry: { request_id: 'first' } });
    await cache.set('q2', entry('fresher', '11:43'), { evidence: true });
    expect(await cache.lookup('q2', '11:43')).toMatchObject({ state: 'hit', entry: { request_id: 'fresher' } });
    // `replace` overwrites an entry of the same evidence that was found unusable.
    await cache.set('q2', entry('repaired', '11:43'), { evidence: true, replace: true });
    expect(await cache.lookup('q2', '11:43')).toMatchObject({ state: 'hit', entry: { request_id: 'repaired' } });
  });

  it('keeps an answer with evidence for the TTL and one without for a minute at most', async () => {
    const cache = createAnalysisCache(redis, prefix, 3600);
    await cache.set('q3', entry('found', '1:1'), { evidence: true });
    await cache.set('q4', entry('nothing', '0:-'), { evidence: false });
    const withEvidence = await redis.pttl(cacheKey(prefix, 'q3'));
    const without = await redis.pttl(cacheKey(prefix, 'q4'));
    expect(withEvidence).toBeGreaterThan(3590_000);
    expect(without).toBeGreaterThan(0);
    expect(without).toBeLessThanOrEqual(60_000);
    // The short TTL never exceeds the configured one.
    await createAnalysisCache(redis, prefix, 10).set('q5', entry('nothing', '0:-'), { evidence: false });
    expect(await redis.pttl(cacheKey(prefix, 'q5'))).toBeLessThanOrEqual(10_000);
  });

  it('reports an unreadable entry as invalid and does nothing when the TTL is 0', async () => {
    await redis.set(cacheKey(prefix, 'q6'), '{not json', 'EX', 60);
    expect(await createAnalysisCache(redis, prefix, 3600).lookup('q6', '0:-')).toEqual({ state: 'invalid' });
    const off = createAnalysisCache(redis, prefix, 0);
    expect(off.enabled).toBe(false);
    await off.set('q7', entry('x', '0:-'), { evidence: true });
    expect(await redis.exists(cacheKey(prefix, 'q7'))).toBe(0);
    expect(await off.lookup('q7', '0:-')).toEqual({ state: 'disabled' });
  });
});
