/**
 * Test helpers: an ingress app over a test database and a fresh queue prefix on the test
 * Redis, and a reader of Server-Sent Events bodies.
 */
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { loadConfig } from '@loglore/core';
import type { Db } from '@loglore/db';
import { createEventSubscriber, createPipeline, createRedis, deletePrefixKeys } from '@loglore/queue';
import type { IngressDeps } from './deps.ts';
import { createServer, type IngressApp, type ServerOptions } from './server.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other test uses. */
export function testPrefix(): string {
  return `llingress${randomBytes(5).toString('hex')}`;
}

export interface TestIngress {
  app: IngressApp;
  deps: IngressDeps;
  prefix: string;
  /** Closes the connections and deletes every key of the prefix. */
  close(): Promise<void>;
}

/**
 * An app over `db` with its own queue prefix. `env` adds configuration (LOGLORE_API_KEYS...);
 * `pipelineRedisUrl` and `subscriberRedisUrl` point the producer or the pub/sub connection
 * elsewhere (a closed port simulates Redis down); `logger` receives the server's log lines.
 */
export function createTestIngress(
  db: Db,
  options: { env?: Record<string, string>; pipelineRedisUrl?: string; subscriberRedisUrl?: string; server?: ServerOptions; logger?: Logger } = {},
): TestIngress {
  const prefix = testPrefix();
  const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent', ...options.env });
  const redis = createRedis(config.redisUrl, 'command');
  const subscriberConnection = createRedis(options.subscriberRedisUrl ?? config.redisUrl, 'subscriber');
  const pipeline = createPipeline({ redisUrl: options.pipelineRedisUrl ?? config.redisUrl, prefix, role: 'producer' });
  const deps: IngressDeps = {
    config,
    db,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    checks: {
      database: async () => {},
      redis: async () => {
        await redis.ping();
      },
    },
    pipeline,
    redis,
    subscriber: createEventSubscriber(subscriberConnection),
  };
  const app = createServer(deps, { heartbeatMs: 200, ...options.server });
  return {
    app,
    deps,
    prefix,
    async close() {
      app.markShuttingDown();
      await deps.subscriber.close();
      await pipeline.close().catch(() => {});
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Deletes every key of a prefix (queues and cache), as a Redis restart without persistence would. */
export const deleteKeys = deletePrefixKeys;

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Reads an SSE response incrementally. `until` waits until the frames read so far satisfy a
 * condition (or the stream ends); `cancel` hangs up like a client going away.
 */
export function readSse(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  // A read outlives a timed-out wait, so no chunk is ever read twice or lost.
  let pending: ReturnType<typeof reader.read> | undefined;

  const frames = (): SseFrame[] =>
    text
      .split('\n\n')
      .slice(0, -1)
      .map((block) => {
        const frame: SseFrame = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id' || field === 'event') frame[field] = value;
          if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        }
        return frame;
      })
      .filter((f) => f.id !== undefined || f.event !== undefined || f.data !== undefined);

  return {
    get text() {
      return text;
    },
    get ended() {
      return ended;
    },
    frames,
    /** Reads until `done(frames)` holds or the stream ends; throws after `timeoutMs`. */
    async until(done: (frames: SseFrame[]) => boolean, timeoutMs = 5_000): Promise<SseFrame[]> {
      const deadline = Date.now() + timeoutMs;
      while (!done(frames()) && !ended) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`SSE: condition not met in ${timeoutMs} ms; got:\n${text}`);
        let timer: NodeJS.Timeout | undefined;
        pending ??= reader.read();
        const chunk = await Promise.race([
          pending,
          new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), remaining);
          }),
        ]);
        clearTimeout(timer);
        if (chunk === 'timeout') continue;
        pending = undefined;
        if (chunk.done) ended = true;
        else text += decoder.decode(chunk.value, { stream: true });
      }
      return frames();
    },
    /** Reads to the end of the stream. */
    async toEnd(timeoutMs = 5_000): Promise<SseFrame[]> {
      return this.until(() => false, timeoutMs).catch((error: Error) => {
        throw new Error(`SSE did not end: ${error.message}`);
      });
    },
    async cancel(): Promise<void> {
      await reader.cancel().catch(() => {});
    },
  };
}
