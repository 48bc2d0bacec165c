/**
 * Alert notifications → analysis requests. Pure: the HTTP layer stores and enqueues what
 * this returns.
 */
import { createHash } from 'node:crypto';
import { MAX_FINGERPRINT_CHARS, type AlertNotification, type AlertSource, type GrafanaAlert, type WebhookAlert } from './schemas.ts';
import { pickLabel, type LabelMapping } from './mapping.ts';

/**
 * A repeated firing of one alert (same fingerprint, a new startsAt) attaches to the analysis
 * of an earlier firing while that analysis is queued or running, or finished less than this
 * long ago, instead of starting another: a flapping alert is one incident, not twenty.
 */
export const ALERT_ATTACH_WINDOW_MS = 30 * 60_000;

/**
 * How far an alert's analysis looks around its firing. An alert fires after its condition has
 * held for the rule's `for` (or Grafana's pending period, typically 5–15 minutes), measured over
 * a rate window (typically 5–15 minutes), so the first errors come up to about half an hour
 * before startsAt: the window opens `leadMinutes` before startsAt. It ends at the delivery,
 * when the alert is delivered soon after it fired, or `spanMinutes` after startsAt for an alert
 * delivered late or replayed (an incident's first hour, not the years since).
 */
export interface AlertWindowOptions {
  leadMinutes: number;
  spanMinutes: number;
}
export const DEFAULT_ALERT_WINDOW: AlertWindowOptions = Object.freeze({ leadMinutes: 30, spanMinutes: 60 });

/** A window as ISO instants. */
export interface AlertWindow {
  from: string;
  to: string;
}

/**
 * The window of an alert that started at `startsAt` (null: unknown) and was delivered at
 * `now`: [anchor − lead, min(now, anchor + span)], where the anchor is startsAt, or `now` when
 * startsAt is unknown or in the future (a skewed clock).
 *
 * @example
 * alertWindow(new Date('2019-03-04T08:00:00Z'), new Date('2019-03-04T08:00:45Z'))
 * // → { from: '2019-03-04T07:30:00.000Z', to: '2019-03-04T08:00:45.000Z' }
 */
export function alertWindow(startsAt: Date | null, now: Date, options: AlertWindowOptions = DEFAULT_ALERT_WINDOW): AlertWindow {
  const anchor = startsAt && startsAt.getTime() <= now.getTime() ? startsAt.getTime() : now.getTime();
  const from = anchor - options.leadMinutes * 60_000;
  const to = Math.max(anchor, Math.min(now.getTime(), anchor + options.spanMinutes * 60_000));
  return { from: new Date(from).toISOString(), to: new Date(to > from ? to : from + 60_000).toISOString() };
}

/** Longest text of an alert-born question; annotations beyond it are cut. */
export const MAX_ALERT_TEXT_CHARS = 4_000;
/** Label and annotation values kept in request metadata are cut to this length. */
const MAX_METADATA_VALUE_CHARS = 1_000;
/** At most this many labels or annotations are kept in request metadata. */
const MAX_METADATA_ENTRIES = 64;

/** What an alert's labels say about where to look. */
export interface AlertHints {
  project: string | null;
  env: string | null;
  domain: string | null;
  service: string | null;
}

/** The identity and context of an alert, stored as `metadata.alert` of its request. */
export interface AlertMetadata {
  source: AlertSource;
  fingerprint: string;
  starts_at: string;
  alertname: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generator_url: string | null;
  group_key: string | null;
  receiver: string | null;
  /** Grafana only: the query values that fired it (`{"B": 44.2, "C": 1}`). */
  values?: Record<string, unknown>;
  rule_uid?: string;
}

/** One firing alert as an analysis request. */
export interface AlertRequest {
  source: AlertSource;
  /** The alert's identity across notifications. */
  fingerprint: string;
  /** startsAt, normalised to an ISO instant in UTC with milliseconds: the firing episode. */
  startsAt: string;
  /** The analysis' time anchor: startsAt, or `now` when startsAt is zero or in the future. */
  occurredAt: Date;
  /** The window to analyse (see `alertWindow`); times written in the alert's text never change it. */
  window: AlertWindow;
  text: string;
  hints: AlertHints;
  /** Stable across redeliveries of this firing: derived from (source, fingerprint, startsAt). */
  idempotencyKey: string;
  /** For `analysis_requests.metadata`: `{alert, hints, window}`. */
  metadata: { alert: AlertMetadata; hints: { services: string[] }; window: AlertWindow };
}

/** A `resolved` alert: recorded on the analysis of its firing, never analysed. */
export interface ResolvedAlert {
  source: AlertSource;
  fingerprint: string;
  startsAt: string;
  /** When it stopped firing, as sent; null when absent or unreadable. */
  endsAt: string | null;
  /** The key its firing was (or would have been) stored under. */
  idempotencyKey: string;
}

export interface AlertRequests {
  firing: AlertRequest[];
  resolved: ResolvedAlert[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The idempotency key of a firing episode. A redelivered notification (Alertmanager HA peers
 * send duplicates by design) carries the same fingerprint and startsAt, so the same key.
 */
export function alertIdempotencyKey(source: AlertSource, fingerprint: string, startsAt: string): string {
  return `alert-${source}-${sha256(`${source}\n${fingerprint}\n${startsAt}`).slice(0, 40)}`;
}

/**
 * Alertmanager's fingerprint identifies the label set. A sender that omits it (custom
 * payload templates) gets one derived from the sorted labels, so identity still holds.
 */
function fingerprintOf(alert: WebhookAlert, labels: Record<string, string>): string {
  const given = alert.fingerprint;
  if (given && given.length <= MAX_FINGERPRINT_CHARS) return given;
  if (given) return `h${sha256(given).slice(0, 16)}`;
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return `l${sha256(JSON.stringify(sorted)).slice(0, 16)}`;
}

/** `value` cut to `max` characters with an ellipsis, never splitting a surrogate pair (a lone half is unstorable). */
function cap(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = max - 1;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${value.slice(0, cut)}…`;
}

function capMap(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map).slice(0, MAX_METADATA_ENTRIES)) {
    out[cap(key, 128)] = cap(value, MAX_METADATA_VALUE_CHARS);
  }
  return out;
}

// "[FIRING:2] " / "[RESOLVED] " at the head of a Grafana title: a count, not a fact.
const TITLE_STATUS = /^\s*\[(?:FIRING|RESOLVED)(?::\d{1,6})?\]\s*/i;

/**
 * The question an alert asks: "<alertname>: <summary>. <description>", then the cleaned
 * Grafana title when it adds anything. Whitespace is collapsed and the whole is capped.
 */
function alertText(alertname: string | null, annotations: Record<string, string>, title: string | undefined): string {
  const parts: string[] = [];
  const summary = annotations.summary?.trim();
  const description = annotations.description?.trim() ?? annotations.message?.trim();
  const head = alertname ?? 'Alert';
  parts.push(summary ? `${head}: ${summary}` : head);
  if (description && description !== summary) parts.push(description);
  const cleanTitle = title?.replace(TITLE_STATUS, '').trim();
  if (cleanTitle && !parts.some((p) => p.includes(cleanTitle))) parts.push(cleanTitle.startsWith('(') ? cleanTitle : `(${cleanTitle})`);
  const text = parts
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .map((p, i) => (i < parts.length - 1 && !/[.!?:]$/.test(p) ? `${p}.` : p))
    .join(' ');
  return cap(text, MAX_ALERT_TEXT_CHARS);
}

/** Grafana's query values are numbers; anything else a custom template put there is dropped. */
function numericValues(values: Record<string, unknown>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(values).slice(0, MAX_METADATA_ENTRIES)) {
    if (typeof value === 'number' || value === null) out[cap(key, 128)] = value;
  }
  return out;
}

/** Unreadable or pre-epoch times (Go's zero time) read as absent. */
function instant(value: string | undefined): Date | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : null;
}

/**
 * Splits a notification into analysis requests, one per FIRING alert, and the resolved
 * alerts (to be recorded on their analyses, not analysed). Labels of the alert win over the
 * notification's common labels; `mapping` says which labels give project, env, domain and
 * service. An alert repeated inside one notification is taken once. Each firing carries its
 * window (`alertWindow` with `windowOptions`).
 *
 * @example
 * const parsed = parseAlertNotification('alertmanager', body);
 * if (parsed.ok) {
 *   const { firing, resolved } = alertsToRequests(parsed.notification, DEFAULT_LABEL_MAPPING, new Date());
 * }
 */
export function alertsToRequests(
  notification: AlertNotification,
  mapping: LabelMapping,
  now: Date,
  windowOptions: AlertWindowOptions = DEFAULT_ALERT_WINDOW,
): AlertRequests {
  const { source, payload } = notification;
  const title = source === 'grafana' ? notification.payload.title : undefined;
  const firing: AlertRequest[] = [];
  const resolved: ResolvedAlert[] = [];
  const seen = new Set<string>();
  for (const alert of payload.alerts) {
    const labels = { ...payload.commonLabels, ...alert.labels };
    const annotations = { ...payload.commonAnnotations, ...alert.annotations };
    const fingerprint = fingerprintOf(alert, labels);
    const startsAtDate = new Date(Date.parse(alert.startsAt));
    const startsAt = startsAtDate.toISOString();
    const idempotencyKey = alertIdempotencyKey(source, fingerprint, startsAt);
    if (seen.has(idempotencyKey)) continue;
    seen.add(idempotencyKey);

    if (alert.status === 'resolved') {
      resolved.push({ source, fingerprint, startsAt, endsAt: instant(alert.endsAt)?.toISOString() ?? null, idempotencyKey });
      continue;
    }

    const alertname = pickLabel(labels, ['alertname']);
    const hints: AlertHints = {
      project: pickLabel(labels, mapping.project),
      env: pickLabel(labels, mapping.env),
      domain: pickLabel(labels, mapping.domain),
      service: pickLabel(labels, mapping.service),
    };
    const started = instant(alert.startsAt);
    const occurredAt = started && started.getTime() <= now.getTime() ? started : now;
    const window = alertWindow(started, now, windowOptions);
    const grafana = source === 'grafana' ? (alert as GrafanaAlert) : undefined;
    const metadata: AlertMetadata = {
      source,
      fingerprint,
      starts_at: startsAt,
      alertname,
      labels: capMap(labels),
      annotations: capMap(annotations),
      generator_url: alert.generatorURL ? cap(alert.generatorURL, 2_000) : null,
      group_key: payload.groupKey ? cap(payload.groupKey, 2_000) : null,
      receiver: payload.receiver ? cap(payload.receiver, 200) : null,
      ...(grafana?.values ? { values: numericValues(grafana.values) } : {}),
      ...(grafana?.ruleUID ? { rule_uid: cap(grafana.ruleUID, 200) } : {}),
    };
    firing.push({
      source,
      fingerprint,
      startsAt,
      occurredAt,
      window,
      text: alertText(alertname, annotations, title),
      hints,
      idempotencyKey,
      metadata: { alert: metadata, hints: { services: hints.service ? [hints.service] : [] }, window },
    });
  }
  return { firing, resolved };
}
