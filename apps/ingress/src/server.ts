import { Hono } from 'hono';
import type { IngressDeps } from './deps.ts';

/**
 * The HTTP app. Thin: validation, auth and enqueueing; the work happens in the workers.
 * Tests call it in memory with `app.request()`.
 */
export function createServer(deps: IngressDeps) {
  const app = new Hono();
  let shuttingDown = false;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    const run = async (name: string, check: () => Promise<void>) => {
      try {
        await check();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = `down: ${(error as Error).message}`;
      }
    };
    await Promise.all([run('postgres', deps.checks.database), run('redis', deps.checks.redis)]);
    if (shuttingDown) checks.process = 'shutting down';
    const ready = !shuttingDown && Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });

  return Object.assign(app, {
    /** Readiness fails from now on, so load balancers stop sending traffic before shutdown. */
    markShuttingDown() {
      shuttingDown = true;
    },
  });
}
export type IngressApp = ReturnType<typeof createServer>;
