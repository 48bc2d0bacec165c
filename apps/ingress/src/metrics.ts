import { Hono, type MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiKeys } from '@loglore/core';
import type { Pipeline } from '@loglore/queue';
import { apiKeyAuth, metricsKeys, type AuthEnv } from './auth.ts';
import { ApiError, respondError } from './errors.ts';
import type { StreamHub } from './sse.ts';

const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'waiting-children'] as const;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// A scrape must answer even while Redis does not: queue gauges are skipped after this long.
const QUEUE_COUNT_TIMEOUT_MS = 1_000;

/**
 * The Prometheus registry of one server (its own, so several servers in one process, as in
 * tests, do not collide): process defaults, request durations by route pattern, BullMQ job
 * counts per queue and state read at scrape time, and open SSE streams. Given `registry`, they
 * join it: a process that also runs workers shows their metrics (createWorkerObserver) on the same /metrics.
 */
export function createMetrics(pipeline: Pipeline, hub: StreamHub, registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'loglore_' });

  const duration = new Histogram({
    name: 'loglore_http_request_duration_seconds',
    help: 'HTTP request duration until the response headers, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'loglore_queue_jobs',
    help: 'BullMQ jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await Promise.all(
        Object.entries(pipeline.queues).map(async ([name, queue]) => {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), QUEUE_COUNT_TIMEOUT_MS);
          });
          const result = await Promise.race([queue.getJobCounts(...JOB_STATES).catch(() => undefined), timeout]);
          clearTimeout(timer);
          return [name, result] as const;
        }),
      );
      for (const [queue, byState] of counts) {
        if (!byState) continue;
        for (const state of JOB_STATES) this.set({ queue, state }, byState[state] ?? 0);
      }
    },
  });

  new Gauge({
    name: 'loglore_sse_streams',
    help: 'Open Server-Sent Events streams',
    registers: [registry],
    collect() {
      this.set(hub.size);
    },
  });

  const middleware: MiddlewareHandler = async (c, next) => {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      // The route pattern, never the raw path: ids must not become label values.
      const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      end({ route, method, status: String(c.res.status) });
    }
  };

  return { registry, middleware };
}

/**
 * GET /metrics on `app`, behind the key rule of every loglore /metrics: once API keys or a
 * metrics key are configured, one of them (Bearer, or Basic with the key as password, as
 * Prometheus sends it). The API's server and a `worker`'s METRICS_PORT both use it.
 */
export function registerMetricsRoute(app: Hono<AuthEnv>, registry: Registry, keys: { apiKeys: ApiKeys | undefined; metricsKey: string | undefined }): void {
  app.use('/metrics', apiKeyAuth(metricsKeys(keys.apiKeys, keys.metricsKey), { basic: true }));
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });
}

/**
 * An app that serves only /metrics (a `worker` process has no HTTP API): the same key rule,
 * the API's error bodies, 404 elsewhere.
 */
export function createMetricsApp(registry: Registry, keys: { apiKeys: ApiKeys | undefined; metricsKey: string | undefined }): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.onError((error, c) => respondError(c, error instanceof ApiError ? error : new ApiError('internal', 'internal error')));
  app.notFound((c) => respondError(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`)));
  registerMetricsRoute(app, registry, keys);
  return app;
}
