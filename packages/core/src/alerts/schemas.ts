/**
 * Alert webhook payloads: Prometheus Alertmanager (`webhook_config`, version "4") and Grafana
 * unified alerting (version "1", Alertmanager's shape plus `orgId`, `title`, `state`,
 * `message` and per-alert `values`...). Both formats grow between releases, so every object
 * is loose: unknown fields are kept, never rejected. Only what loglore needs is required.
 * Everything in them is untrusted input (labels and annotations reach a model).
 */
import { z } from 'zod';
import { INSTANT_RANGE_MESSAGE, instantInRange } from '../storable.ts';

/** More alerts than this in one notification can never be accepted (Alertmanager's `max_alerts` bounds it). */
export const MAX_ALERTS_PER_NOTIFICATION = 1_000;
/** Longest fingerprint kept as is; longer ones (a custom payload template?) are hashed. */
export const MAX_FINGERPRINT_CHARS = 128;

/**
 * A label or annotation set. Values are strings in both formats; a number or boolean (custom
 * templates) is kept as its text, anything else is dropped rather than rejected.
 */
const StringMap = z
  .record(z.string(), z.unknown(), { error: 'must be an object of label names to values' })
  .transform((record) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'string') out[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    }
    return out;
  });

const Rfc3339 = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 time such as 2026-11-25T10:00:00Z' })
  .refine(instantInRange, INSTANT_RANGE_MESSAGE);

export const AlertStatus = z.enum(['firing', 'resolved'], { error: 'must be "firing" or "resolved"' });
export type AlertStatus = z.infer<typeof AlertStatus>;

/** One alert of a notification (Alertmanager `template.Alert`). */
export const WebhookAlert = z.looseObject({
  status: AlertStatus,
  labels: StringMap.default({}),
  annotations: StringMap.default({}),
  /** When the alert started firing: the identity of this firing episode, and the analysis' time anchor. */
  startsAt: Rfc3339,
  /** `0001-01-01T00:00:00Z` while firing. Not validated: loglore only records it. */
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  /** Alertmanager's hash of the label set; derived from the labels when a sender omits it. */
  fingerprint: z.string().trim().min(1, 'must not be empty').optional(),
});
export type WebhookAlert = z.infer<typeof WebhookAlert>;

const Alerts = z
  .array(WebhookAlert, { error: 'must be an array of alerts' })
  .max(MAX_ALERTS_PER_NOTIFICATION, `holds more than ${MAX_ALERTS_PER_NOTIFICATION} alerts`);

const notificationFields = {
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().optional(),
  status: z.string().optional(),
  receiver: z.string().optional(),
  groupLabels: StringMap.default({}),
  commonLabels: StringMap.default({}),
  commonAnnotations: StringMap.default({}),
  externalURL: z.string().optional(),
  alerts: Alerts,
};

/** Alertmanager webhook, version "4" (docs/configuration.md `webhook_config`). */
export const AlertmanagerWebhook = z.looseObject(notificationFields);
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

/** A Grafana alert: Alertmanager's plus `values`, `ruleUID`, dashboard and panel URLs. */
export const GrafanaAlert = WebhookAlert.extend({
  values: z.record(z.string(), z.unknown()).nullish(),
  valueString: z.string().optional(),
  ruleUID: z.string().optional(),
});
export type GrafanaAlert = z.infer<typeof GrafanaAlert>;

/** Grafana unified alerting webhook, version "1" (grafana/alerting receivers/webhook/v1). */
export const GrafanaWebhook = z.looseObject({
  ...notificationFields,
  alerts: z
    .array(GrafanaAlert, { error: 'must be an array of alerts' })
    .max(MAX_ALERTS_PER_NOTIFICATION, `holds more than ${MAX_ALERTS_PER_NOTIFICATION} alerts`),
  orgId: z.number().optional(),
  /** "[FIRING:2]  (blue)"; documented as soon deprecated. */
  title: z.string().optional(),
  /** "alerting" while any alert fires, otherwise "ok". */
  state: z.string().optional(),
  message: z.string().optional(),
});
export type GrafanaWebhook = z.infer<typeof GrafanaWebhook>;

export type AlertSource = 'alertmanager' | 'grafana';

/** A notification validated against its sender's format. */
export type AlertNotification =
  | { source: 'alertmanager'; payload: AlertmanagerWebhook }
  | { source: 'grafana'; payload: GrafanaWebhook };

export interface AlertIssue {
  path: string;
  message: string;
}

/**
 * Validates a webhook body for `source`. A failure lists every problem with its path
 * (`alerts.0.startsAt: must be an RFC 3339 time...`): such a payload can never succeed.
 */
export function parseAlertNotification(
  source: AlertSource,
  body: unknown,
): { ok: true; notification: AlertNotification } | { ok: false; issues: AlertIssue[] } {
  const parsed = source === 'grafana' ? GrafanaWebhook.safeParse(body) : AlertmanagerWebhook.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.slice(0, 50).map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.path.length === 0 && issue.code === 'invalid_type' ? 'the body must be a JSON object' : issue.message,
      })),
    };
  }
  return { ok: true, notification: { source, payload: parsed.data } as AlertNotification };
}
