import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ADMIN_QUEUES_PATH, createQueueDashboard } from './admin.ts';
import { createDocs, DOCS_PATH } from './docs.ts';
import { apiKeyAuth, requireAllProjects, type AuthEnv } from './auth.ts';
import { jsonBodyGuard } from './body.ts';
import type { IngressDeps } from './deps.ts';
import { ApiError, fromHttpException, isUnavailableError, issueDetails, respondError, unavailable } from './errors.ts';
import { registerConsole } from './console.ts';
import { createMetrics, registerMetricsRoute } from './metrics.ts';
import { registerAnalysisRoutes } from './routes/analyses.ts';
import { registerConversationRoutes } from './routes/conversations.ts';
import { MAX_LOG_BODY_BYTES, registerLogRoutes } from './routes/logs.ts';
import { registerPatternRoutes } from './routes/patterns.ts';
import { registerAlertRoutes } from './routes/alerts.ts';
import { registerBackfillRoutes } from './routes/backfill.ts';
import { registerRetentionRoutes } from './routes/retention.ts';
import type { RouteContext } from './routes/context.ts';
import { StreamHub } from './sse.ts';

export interface ServerOptions {
  /** Comment heartbeat on open SSE streams; also when an analysis stream re-reads stored events. */
  heartbeatMs?: number;
  /** Largest request body on /api routes other than /api/logs (413 above). */
  maxBodyBytes?: number;
  /** Largest /api/logs body. */
  maxLogBodyBytes?: number;
  /** The Prometheus registry /metrics shows; shared with the workers of the same process. Default: its own. */
  registry?: Registry;
}

const MiB = 1024 * 1024;

/**
 * The HTTP app. Thin: validation, auth and enqueueing; the work happens in the workers.
 * Tests call it in memory with `app.request()`.
 *
 * @example
 * const app = createServer(deps);
 * serve({ fetch: app.fetch, port: config.port });
 * // on SIGTERM: app.markShuttingDown(); then close the server.
 */
export function createServer(deps: IngressDeps, options: ServerOptions = {}) {
  const app = new OpenAPIHono<AuthEnv>({
    // zod failures: a path id or query is a malformed request (400); a body that parses but
    // breaks the schema is 422. Both list every issue.
    defaultHook: (result) => {
      if (result.success) return;
      const target = result.target;
      if (target === 'json' || target === 'form') {
        throw new ApiError('validation_failed', 'the request body is not valid', { details: issueDetails(result.error) });
      }
      throw new ApiError('bad_request', `invalid ${target === 'param' ? 'path' : target}`, { details: issueDetails(result.error) });
    },
  });
  const hub = new StreamHub();
  const metrics = createMetrics(deps.pipeline, hub, options.registry);
  let shuttingDown = false;

  app.use('*', requestLog(deps.logger));
  app.use('*', metrics.middleware);
  // `Connection: close` when the socket cannot serve another request well:
  // - draining on shutdown, so keep-alive clients reconnect (elsewhere) instead of sending
  //   their next request into a closing server;
  // - an answer given before the request body was read to its end (413 by Content-Length, 415,
  //   a bad query, 401): node-server drains such a body for at most 500 ms and then destroys
  //   the socket, which would kill the client's next request on it.
  app.use('*', async (c, next) => {
    await next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const hasBody = incoming !== undefined && (incoming.headers['transfer-encoding'] !== undefined || Number(incoming.headers['content-length'] ?? 0) > 0);
    const unreadBody = hasBody && !incoming.readableEnded;
    if (shuttingDown || unreadBody) c.res.headers.set('Connection', 'close');
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) return respondError(c, error);
    if (error instanceof HTTPException) return respondError(c, fromHttpException(error));
    if (isUnavailableError(error)) {
      deps.logger.warn({ err: error, path: c.req.path }, 'a backing service is unavailable');
      return respondError(c, unavailable('a backing service'));
    }
    deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return respondError(c, new ApiError('internal', 'internal error'));
  });

  app.notFound((c) => respondError(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`)));

  registerConsole(app);

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

  // Metrics need a key once any is configured: LOGLORE_METRICS_KEY, or any API key (they hold
  // no project's data, only counts). Bearer or Basic (key as password), as Prometheus sends.
  registerMetricsRoute(app, metrics.registry, deps.config);

  // Every /api route: an API key when keys are configured, and a bounded body.
  app.use('/api/*', apiKeyAuth(deps.config.apiKeys));
  const tooLarge = (max: number) => (c: Parameters<MiddlewareHandler>[0]) =>
    respondError(c, new ApiError('payload_too_large', `the request body exceeds ${max} bytes`));
  const defaultMax = options.maxBodyBytes ?? MiB;
  const logsMax = options.maxLogBodyBytes ?? MAX_LOG_BODY_BYTES;
  const defaultLimit = bodyLimit({ maxSize: defaultMax, onError: tooLarge(defaultMax) });
  const logsLimit = bodyLimit({ maxSize: logsMax, onError: tooLarge(logsMax) });
  // Backfill batches carry incidents with their logs: they get the log limit too.
  const bigBody = (path: string) => path === '/api/logs' || path === '/api/backfill';
  app.use('/api/*', (c, next) => (bigBody(c.req.path) ? logsLimit(c, next) : defaultLimit(c, next)));
  // Every JSON body is read and checked once, here; multi-line bodies line by line by their parsers.
  app.use(
    '/api/*',
    jsonBodyGuard({ skip: bigBody, emptyAsObject: (path) => path === '/api/conversations', alwaysJson: (path) => path.startsWith('/api/alerts/') }),
  );

  const context: RouteContext = { deps, streams: { heartbeatMs: options.heartbeatMs ?? 15_000, hub } };
  registerConversationRoutes(app, context);
  registerAnalysisRoutes(app, context);
  registerPatternRoutes(app, context);
  registerLogRoutes(app, context);
  registerAlertRoutes(app, context);
  registerBackfillRoutes(app, context);
  registerRetentionRoutes(app, context);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'loglore',
      version: '0.1.0',
      description:
        'Memory and analysis back end of a log-analysis assistant. Errors are `{error: {code, message, details?}}`. ' +
        'When LOGLORE_API_KEYS is set, every /api route needs `Authorization: Bearer <key>`.',
    },
    security: deps.config.apiKeys ? [{ apiKey: [] }] : [],
  });
  app.route(DOCS_PATH, createDocs());

  // bull-board has no authentication of its own; with keys configured it needs one granted
  // every project (it shows and retries every project's jobs). Basic auth, key as password,
  // lets a browser open it.
  const adminAuth = apiKeyAuth(deps.config.apiKeys, { basic: true });
  const adminGuard: MiddlewareHandler<AuthEnv> = async (c, next) => {
    await adminAuth(c, async () => {
      requireAllProjects(c.get('grant'));
      await next();
    });
  };
  // Matches the dashboard's root too.
  app.use(`${ADMIN_QUEUES_PATH}/*`, adminGuard);
  app.route(ADMIN_QUEUES_PATH, createQueueDashboard(deps.pipeline));

  return Object.assign(app, {
    /**
     * Readiness fails from now on, so load balancers stop sending traffic, and open SSE
     * streams end (clients reconnect elsewhere with Last-Event-ID), so the server can close.
     */
    markShuttingDown() {
      shuttingDown = true;
      hub.closeAll();
    },
  });
}
export type IngressApp = ReturnType<typeof createServer>;

// What a caller's `x-request-id` may be to be kept (and logged): short and plain.
const REQUEST_ID = /^[\w.:@-]{1,128}$/;

/**
 * One log line per HTTP request: its id (the caller's `x-request-id`, else a new one, echoed in
 * the answer's header), method, path, status and duration. The path only: query strings may
 * hold what must not be logged (a cursor, a token a client put there).
 */
function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    try {
      await next();
    } finally {
      c.res.headers.set('x-request-id', id);
      logger.info(
        { request_id: id, method: c.req.method, path: c.req.path, status: c.res.status, duration_ms: Math.round((performance.now() - started) * 10) / 10 },
        'http request',
      );
    }
  };
}
