import { serve } from '@hono/node-server';
import type { Registry } from 'prom-client';
import { createServer } from '@loglore/ingress';
import { createEventSubscriber, createPipeline, createRedis } from '@loglore/queue';
import type { Runtime } from './runtime.ts';

export interface ServingIngress {
  url: string;
  /**
   * Drains: fails readiness, ends SSE streams, stops accepting connections, lets the requests in
   * flight finish (at most `timeoutMs`, then their connections are cut), then closes the HTTP
   * side's queue and pub/sub connections. The pool is the runtime's, closed after this.
   */
  close(timeoutMs: number): Promise<void>;
}

/** Builds the HTTP app over a runtime and listens on HOST:PORT. */
export async function serveIngress(runtime: Runtime, registry?: Registry): Promise<ServingIngress> {
  const { config, logger } = runtime;
  // The HTTP side's own connections: a producer that fails fast (accepting answers 503 while
  // Redis is down) and one pub/sub connection shared by every SSE client.
  const pipeline = createPipeline({ redisUrl: runtime.redisUrl, prefix: config.queuePrefix, role: 'producer' });
  const subscriber = createEventSubscriber(createRedis(runtime.redisUrl, 'subscriber'));
  const app = createServer({
    config,
    db: runtime.database.db,
    logger,
    checks: {
      database: () => runtime.database.ping(),
      redis: async () => {
        await runtime.redis.ping();
      },
    },
    pipeline,
    redis: runtime.redis,
    subscriber,
  }, registry ? { registry } : {});
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('listening', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : config.port);
    });
    server.once('error', reject);
  });
  const url = `http://${config.host}:${port}`;
  logger.info({ url, database: runtime.database.kind }, 'loglore is listening');
  return {
    url,
    async close(timeoutMs) {
      // From here every answer says `Connection: close`, so a keep-alive socket ends after the
      // request it is serving instead of taking another.
      app.markShuttingDown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const http = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
      http.closeIdleConnections?.();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!drained) {
        logger.warn({ timeout_ms: timeoutMs }, 'requests still running after the shutdown timeout: closing their connections');
        http.closeAllConnections?.();
        await closed;
      }
      await subscriber.close().catch(() => {});
      await pipeline.close().catch(() => {});
    },
  };
}
