import { serve } from '@hono/node-server';
import { createServer } from '@loglore/ingress';
import { closeRuntime, openRuntime } from '../runtime.ts';

/** `loglore start`: the HTTP API and every worker in one process. */
export async function startCommand(): Promise<void> {
  const runtime = await openRuntime({ embeddedRedis: true, migrate: true });
  const { config, logger } = runtime;
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
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const url = `http://${config.host}:${info.port}`;
    logger.info({ url, database: runtime.database.kind }, 'loglore is listening');
    process.stdout.write(
      `\nloglore is running at ${url}  (database: ${runtime.database.kind}, redis: ${runtime.redisUrl})\n` +
        `Try:\n  curl ${url}/healthz\n\n`,
    );
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.markShuttingDown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeRuntime(runtime);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
