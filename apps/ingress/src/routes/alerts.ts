import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  ALERT_ATTACH_WINDOW_MS,
  alertsToRequests,
  parseAlertNotification,
  parseLabelMapping,
  redactText,
  redactValue,
  verifyGrafanaSignature,
  type AlertSource,
} from '@loglore/core';
import { AlertOfAnotherProjectError, recordAlertFirings, recordAlertResolved, withdrawAnalysisRequest, type AlertFiring } from '@loglore/db';
import { resolveWriteProject, type AuthEnv } from '../auth.ts';
import type { IngressDeps } from '../deps.ts';
import { ApiError, isUnavailableError, unavailable } from '../errors.ts';
import { errorResponses } from '../schemas.ts';
import { withTimeout } from '../timeout.ts';
import type { ApiApp, RouteContext } from './context.ts';

const ENQUEUE_TIMEOUT_MS = 3_000;

export const AlertsAccepted = z
  .object({
    /** One per firing alert, in the notification's order; a firing that attached answers its analysis' id. */
    request_ids: z.array(z.string()),
    alerts: z.array(
      z.object({
        fingerprint: z.string(),
        starts_at: z.string(),
        request_id: z.string(),
        outcome: z.enum(['created', 'redelivered', 'attached']),
      }),
    ),
    /** Resolved alerts, recorded on the analysis of their firing (null: that firing was never seen). */
    resolved: z.array(z.object({ fingerprint: z.string(), starts_at: z.string(), request_id: z.string().nullable() })),
  })
  .openapi('AlertsAccepted');

const RETRY_CONTRACT =
  'Answers 202 once every firing alert is stored and queued; 503 (retry) when Postgres or Redis cannot take it; ' +
  '400/422 only for a body that can never succeed (senders do not retry 4xx). Each firing alert becomes an analysis; ' +
  'a redelivery (same fingerprint and startsAt) answers the same request id; a new firing of an alert whose analysis ' +
  `is still open or finished less than ${ALERT_ATTACH_WINDOW_MS / 60_000} minutes ago answers that analysis; a ` +
  '`resolved` alert is recorded on its analysis (`metadata.resolved_at`) and not analysed. Labels give the hints ' +
  '`project`; `env` or `environment`; `domain`; `service`, `job` or `app` (LOGLORE_ALERT_LABELS changes the names). ' +
  'The analysed window opens LOGLORE_ALERT_LEAD_MINUTES (30) before startsAt and ends at the delivery, at most ' +
  'LOGLORE_ALERT_SPAN_MINUTES (60) after startsAt; times written in the annotations never change it.';

export function registerAlertRoutes(app: ApiApp, { deps }: RouteContext): void {
  // Read at start-up: a malformed LOGLORE_ALERT_LABELS stops the server with its reason.
  const mapping = parseLabelMapping(deps.config.alertLabels);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/alerts/alertmanager',
      tags: ['alerts'],
      summary: 'Prometheus Alertmanager webhook (version 4)',
      description: RETRY_CONTRACT,
      request: {
        body: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'Alertmanager webhook_config payload' } } } },
      },
      responses: {
        202: { description: 'Accepted', content: { 'application/json': { schema: AlertsAccepted } } },
        ...errorResponses(400, 401, 403, 413, 422, 503),
      },
    }),
    async (c) => c.json(await acceptAlerts(c, deps, mapping, 'alertmanager', await c.req.text()), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/alerts/grafana',
      tags: ['alerts'],
      summary: 'Grafana unified alerting webhook',
      description:
        `${RETRY_CONTRACT} With LOGLORE_GRAFANA_SECRET set, \`X-Grafana-Alerting-Signature\` must be the hex HMAC-SHA256 ` +
        'of the body (of `timestamp:body` when `X-Grafana-Alerting-Signature-Timestamp` is sent, which must be within ' +
        'five minutes); 401 otherwise.',
      request: {
        body: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'Grafana webhook payload' } } } },
      },
      responses: {
        202: { description: 'Accepted', content: { 'application/json': { schema: AlertsAccepted } } },
        ...errorResponses(400, 401, 403, 413, 422, 503),
      },
    }),
    async (c) => {
      const raw = await c.req.text();
      const secret = deps.config.grafanaSecret;
      if (secret) {
        const check = verifyGrafanaSignature({ secret, body: raw, header: (name) => c.req.header(name), now: new Date() });
        if (!check.ok) throw new ApiError('unauthorized', `Grafana signature rejected: ${check.reason}`);
      }
      return c.json(await acceptAlerts(c, deps, mapping, 'grafana', raw), 202);
    },
  );
}

/**
 * One notification: every firing alert recorded (with its occurrence) in one transaction,
 * the new analyses queued, the resolved alerts recorded. Enqueueing follows acceptAnalysis:
 * when Redis cannot take the jobs, the analyses this notification created are withdrawn
 * (their occurrences go with them) and the sender gets 503, so its retry starts clean.
 */
async function acceptAlerts(
  c: Context<AuthEnv>,
  deps: IngressDeps,
  mapping: ReturnType<typeof parseLabelMapping>,
  source: AlertSource,
  raw: string,
): Promise<z.infer<typeof AlertsAccepted>> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw new ApiError('bad_request', `the body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  const parsed = parseAlertNotification(source, body);
  if (!parsed.ok) throw new ApiError('validation_failed', `the ${source} payload is not valid`, { details: parsed.issues });
  const { firing, resolved } = alertsToRequests(parsed.notification, mapping, new Date(), {
    leadMinutes: deps.config.alertLeadMinutes,
    spanMinutes: deps.config.alertSpanMinutes,
  });
  const grant = c.get('grant');

  // Every alert's project must be writable before anything is stored (403 otherwise).
  const firings: AlertFiring[] = firing.map((alert) => ({
    source,
    fingerprint: alert.fingerprint,
    startsAt: new Date(alert.startsAt),
    request: {
      source,
      // Alert text and labels are untrusted and may carry secrets (URLs with credentials).
      text: redactText(alert.text),
      project: resolveWriteProject(grant, alert.hints.project),
      env: alert.hints.env,
      domain: alert.hints.domain,
      occurredAt: alert.occurredAt,
      idempotencyKey: alert.idempotencyKey,
      metadata: redactValue(alert.metadata),
    },
  }));

  const projects = grant === '*' ? '*' : [...grant];
  let recorded: Awaited<ReturnType<typeof recordAlertFirings>>;
  try {
    // Keys are global: an alert that another project's analysis answers must not reveal it, nor
    // be recorded on it (the whole notification is rolled back, a 409 writes nothing).
    recorded = await recordAlertFirings(deps.db, firings, ALERT_ATTACH_WINDOW_MS, projects);
  } catch (error) {
    if (error instanceof AlertOfAnotherProjectError) throw new ApiError('conflict', error.message);
    if (isUnavailableError(error)) throw unavailable('the database');
    throw error;
  }
  const created = recorded.filter((r) => r.outcome === 'created').map((r) => r.request);
  const withdraw = async () => {
    for (const request of created) {
      await withdrawAnalysisRequest(deps.db, request.id).catch((withdrawError: Error) =>
        // Left queued, the reconciler enqueues it once Redis is back; the retry then answers it.
        deps.logger.error({ err: withdrawError, request_id: request.id }, 'could not withdraw an unenqueued alert'),
      );
    }
  };
  if (created.length > 0) {
    try {
      await withTimeout(
        deps.pipeline.enqueueMany('extract-params', created.map((r) => ({ request_id: r.id, generation: r.enqueueCount }))),
        ENQUEUE_TIMEOUT_MS,
      );
    } catch (error) {
      deps.logger.warn({ err: error, source, requests: created.length }, 'could not enqueue alerts; withdrawing them');
      await withdraw();
      throw unavailable('the queue');
    }
  }

  const resolvedOut: z.infer<typeof AlertsAccepted>['resolved'] = [];
  for (const alert of resolved) {
    const requestId = await recordAlertResolved(deps.db, {
      source,
      fingerprint: alert.fingerprint,
      startsAt: new Date(alert.startsAt),
      resolvedAt: alert.endsAt ? new Date(alert.endsAt) : new Date(),
      projects,
    }).catch((error: unknown) => {
      if (isUnavailableError(error)) throw unavailable('the database');
      throw error;
    });
    resolvedOut.push({ fingerprint: alert.fingerprint, starts_at: alert.startsAt, request_id: requestId });
  }
  return {
    request_ids: recorded.map((r) => r.request.id),
    alerts: recorded.map((r, i) => ({
      fingerprint: firing[i]!.fingerprint,
      starts_at: firing[i]!.startsAt,
      request_id: r.request.id,
      outcome: r.outcome,
    })),
    resolved: resolvedOut,
  };
}
