import { describe, expect, it } from 'vitest';
import {
  ALERTMANAGER_FIRING_EXAMPLE,
  ALERTMANAGER_RESOLVED_EXAMPLE,
  alertmanagerNotification,
  GRAFANA_FIRING_EXAMPLE,
} from './webhooks.fixture.ts';
import { findUnstorable } from '../storable.ts';
import { DEFAULT_LABEL_MAPPING, parseLabelMapping } from './mapping.ts';
import { alertIdempotencyKey, alertsToRequests, alertWindow, DEFAULT_ALERT_WINDOW, MAX_ALERT_TEXT_CHARS } from './requests.ts';
import { extractParameters } from '../params/extract.ts';
import { MAX_ALERTS_PER_NOTIFICATION, parseAlertNotification, type AlertSource } from './schemas.ts';

const NOW = new Date('2026-11-25T12:00:00Z');

function requests(source: AlertSource, body: unknown, mapping = DEFAULT_LABEL_MAPPING, now = NOW) {
  const parsed = parseAlertNotification(source, body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return alertsToRequests(parsed.notification, mapping, now);
}

describe('Alertmanager notifications', () => {
  it('the published resolved example is accepted and gives one resolved alert and nothing to analyse', () => {
    const { firing, resolved } = requests('alertmanager', ALERTMANAGER_RESOLVED_EXAMPLE);
    expect(firing).toEqual([]);
    expect(resolved).toEqual([
      {
        source: 'alertmanager',
        fingerprint: 'fbab788ec4c1018b',
        startsAt: '2022-07-29T11:13:27.300Z',
        endsAt: '2022-07-29T11:17:27.300Z',
        idempotencyKey: alertIdempotencyKey('alertmanager', 'fbab788ec4c1018b', '2022-07-29T11:13:27.300Z'),
      },
    ]);
  });

  it('the same alert firing becomes one request whose text is the alert name and its summary', () => {
    const { firing, resolved } = requests('alertmanager', ALERTMANAGER_FIRING_EXAMPLE);
    expect(resolved).toEqual([]);
    expect(firing).toHaveLength(1);
    const [request] = firing;
    expect(request).toMatchObject({
      source: 'alertmanager',
      fingerprint: 'fbab788ec4c1018b',
      startsAt: '2022-07-29T11:13:27.300Z',
      text: 'Deployment: Kubernetes Deployment Replicas Mismatch',
      hints: { project: null, env: null, domain: null, service: null },
    });
    expect(request!.occurredAt.toISOString()).toBe('2022-07-29T11:13:27.300Z');
    expect(request!.metadata.alert).toMatchObject({
      fingerprint: 'fbab788ec4c1018b',
      alertname: 'Deployment',
      labels: { alertname: 'Deployment', namespace: 'eric-eo-cm-ci406', severity: 'Warning' },
      group_key: '{}:{alertname="Deployment"}',
      receiver: 'web\\.hook',
    });
  });

  it('firing and its resolution share one idempotency key, so the resolution finds the analysis', () => {
    const [firing] = requests('alertmanager', ALERTMANAGER_FIRING_EXAMPLE).firing;
    const [resolved] = requests('alertmanager', ALERTMANAGER_RESOLVED_EXAMPLE).resolved;
    expect(firing!.idempotencyKey).toBe(resolved!.idempotencyKey);
  });

  it('every firing alert of a group becomes its own request with hints from its labels', () => {
    const body = alertmanagerNotification([
      { fingerprint: 'aaaa000000000001', startsAt: '2026-11-25T10:00:00Z', labels: { project: 'payments', env: 'prod', domain: 'npsb', service: 'transfer-api' } },
      { fingerprint: 'aaaa000000000002', startsAt: '2026-11-25T10:01:00Z', labels: { project: 'payments', environment: 'staging', job: 'gateway' } },
      { fingerprint: 'aaaa000000000003', startsAt: '2026-11-25T09:00:00Z', status: 'resolved' },
    ]);
    const { firing, resolved } = requests('alertmanager', body);
    expect(firing.map((r) => r.hints)).toEqual([
      { project: 'payments', env: 'prod', domain: 'npsb', service: 'transfer-api' },
      { project: 'payments', env: 'staging', domain: null, service: 'gateway' },
    ]);
    expect(firing[0]!.metadata.hints).toEqual({ services: ['transfer-api'] });
    expect(firing[0]!.text).toBe(
      'HighErrorRate: 5xx rate above 5% on NPSB transfers. More than 5% of requests failed over the last 5 minutes.',
    );
    expect(new Set(firing.map((r) => r.idempotencyKey)).size).toBe(2);
    expect(resolved.map((r) => r.fingerprint)).toEqual(['aaaa000000000003']);
  });

  it('a redelivery gives the same keys; a new firing of the same alert gives a new one', () => {
    const first = requests('alertmanager', alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' }]));
    const again = requests('alertmanager', alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00.000+00:00' }]));
    const later = requests('alertmanager', alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:20:00Z' }]));
    expect(again.firing[0]!.idempotencyKey).toBe(first.firing[0]!.idempotencyKey);
    expect(later.firing[0]!.idempotencyKey).not.toBe(first.firing[0]!.idempotencyKey);
    expect(alertIdempotencyKey('grafana', 'f1', first.firing[0]!.startsAt)).not.toBe(first.firing[0]!.idempotencyKey);
  });

  it('unknown fields, top-level and per alert, are accepted (both formats grow)', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' }]);
    const grown = { ...body, something_new: { nested: [1, 2] }, alerts: [{ ...body.alerts[0]!, newField: true }] };
    expect(requests('alertmanager', grown).firing).toHaveLength(1);
  });

  it('an alert without a fingerprint gets one derived from its labels, stable whatever their order', () => {
    const body = alertmanagerNotification([{ fingerprint: 'x', startsAt: '2026-11-25T10:00:00Z', labels: { env: 'prod' } }]);
    const strip = (labels: Record<string, string>) => ({ ...body, alerts: [{ ...body.alerts[0]!, fingerprint: undefined, labels }] });
    const a = requests('alertmanager', strip({ alertname: 'A', env: 'prod' })).firing[0]!;
    const b = requests('alertmanager', strip({ env: 'prod', alertname: 'A' })).firing[0]!;
    const c = requests('alertmanager', strip({ env: 'dev', alertname: 'A' })).firing[0]!;
    expect(a.fingerprint).toMatch(/^l[0-9a-f]{16}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('an alert repeated inside one notification is taken once', () => {
    const body = alertmanagerNotification([
      { fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' },
      { fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' },
    ]);
    expect(requests('alertmanager', body).firing).toHaveLength(1);
  });

  it('a start in the future (a skewed clock) anchors the analysis at now, keeping the start as identity', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T13:00:00Z' }]);
    const [request] = requests('alertmanager', body).firing;
    expect(request!.occurredAt).toEqual(NOW);
    expect(request!.startsAt).toBe('2026-11-25T13:00:00.000Z');
  });

  it('an endless description is cut to the text limit', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z', summary: 'x'.repeat(10_000) }]);
    expect(requests('alertmanager', body).firing[0]!.text.length).toBeLessThanOrEqual(MAX_ALERT_TEXT_CHARS);
  });

  it('a long value of emoji is cut without splitting a surrogate pair (found by the parser fuzzer)', () => {
    // A lone surrogate left by the cut made the request metadata unstorable (22P05, a 500).
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z', summary: '😀'.repeat(10_000) }]);
    const [firing] = requests('alertmanager', body).firing;
    expect(findUnstorable({ text: firing!.text, metadata: firing!.metadata })).toEqual([]);
  });

  it('a configured mapping reads other label names', () => {
    const mapping = parseLabelMapping('env=stage;service=app_name');
    const body = alertmanagerNotification([
      { fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z', labels: { stage: 'prod', env: 'ignored', app_name: 'ledger', service: 'ignored' } },
    ]);
    expect(requests('alertmanager', body, mapping).firing[0]!.hints).toMatchObject({ env: 'prod', service: 'ledger' });
  });

  it('common labels fill what an alert does not say, and its own labels win', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z', labels: { env: 'prod' } }]);
    const grown = { ...body, commonLabels: { ...body.commonLabels, env: 'staging', project: 'payments' } };
    expect(requests('alertmanager', grown).firing[0]!.hints).toMatchObject({ env: 'prod', project: 'payments' });
  });
});

describe('Grafana notifications', () => {
  it('the documented example becomes one request with the description and the cleaned title', () => {
    const { firing } = requests('grafana', GRAFANA_FIRING_EXAMPLE);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({
      source: 'grafana',
      fingerprint: 'c6eadffa33fcdf37',
      startsAt: '2021-10-12T07:51:03.157Z',
      text: 'High memory usage. The system has high memory usage. (blue)',
    });
    expect(firing[0]!.metadata.alert.values).toEqual({ B: 44.23943737541908, C: 1 });
  });

  it('a Grafana alert and an Alertmanager alert with one fingerprint are different alerts', () => {
    const [grafana] = requests('grafana', GRAFANA_FIRING_EXAMPLE).firing;
    expect(grafana!.idempotencyKey).toBe(alertIdempotencyKey('grafana', 'c6eadffa33fcdf37', '2021-10-12T07:51:03.157Z'));
    expect(grafana!.idempotencyKey).not.toBe(alertIdempotencyKey('alertmanager', 'c6eadffa33fcdf37', '2021-10-12T07:51:03.157Z'));
  });

  it('a resolved Grafana notification gives nothing to analyse', () => {
    const body = {
      ...GRAFANA_FIRING_EXAMPLE,
      status: 'resolved',
      state: 'ok',
      alerts: [{ ...GRAFANA_FIRING_EXAMPLE.alerts[0]!, status: 'resolved', endsAt: '2021-10-12T10:01:03Z' }],
    };
    const { firing, resolved } = requests('grafana', body);
    expect(firing).toEqual([]);
    expect(resolved[0]).toMatchObject({ fingerprint: 'c6eadffa33fcdf37', endsAt: '2021-10-12T10:01:03.000Z' });
  });
});

describe("an alert's window", () => {
  const at = (iso: string) => new Date(iso);
  const one = (body: unknown, now: Date, source: AlertSource = 'alertmanager') => requests(source, body, DEFAULT_LABEL_MAPPING, now).firing[0]!;

  it('opens 30 minutes before startsAt, because errors begin before an alert fires, and runs to the delivery', () => {
    const body = alertmanagerNotification([{ fingerprint: 'w1', startsAt: '2019-03-04T08:00:00Z' }]);
    const request = one(body, at('2019-03-04T08:00:45Z'));
    expect(request.window).toEqual({ from: '2019-03-04T07:30:00.000Z', to: '2019-03-04T08:00:45.000Z' });
    expect(request.metadata.window).toEqual(request.window);
    expect(request.occurredAt.toISOString()).toBe('2019-03-04T08:00:00.000Z');
  });

  it('a late delivery still ends the window at the delivery, up to an hour after startsAt', () => {
    const body = alertmanagerNotification([{ fingerprint: 'w2', startsAt: '2019-03-04T08:00:00Z' }]);
    expect(one(body, at('2019-03-04T08:41:00Z')).window).toEqual({ from: '2019-03-04T07:30:00.000Z', to: '2019-03-04T08:41:00.000Z' });
  });

  it('a historical alert (startsAt long before delivery) gets a bounded span after startsAt, not the years since', () => {
    const body = alertmanagerNotification([{ fingerprint: 'w3', startsAt: '2021-06-01T02:00:00Z' }]);
    expect(one(body, at('2024-02-29T12:00:00Z')).window).toEqual({ from: '2021-06-01T01:30:00.000Z', to: '2021-06-01T03:00:00.000Z' });
  });

  it('a startsAt in the future (a skewed clock) anchors the window at the delivery', () => {
    const body = alertmanagerNotification([{ fingerprint: 'w4', startsAt: '2030-01-01T00:00:00Z' }]);
    expect(one(body, at('2029-12-31T23:58:00Z')).window).toEqual({ from: '2029-12-31T23:28:00.000Z', to: '2029-12-31T23:58:00.000Z' });
  });

  it('lead and span are configurable', () => {
    const start = at('2020-02-02T20:00:00Z');
    expect(alertWindow(start, at('2020-02-03T00:00:00Z'), { leadMinutes: 15, spanMinutes: 120 })).toEqual({ from: '2020-02-02T19:45:00.000Z', to: '2020-02-02T22:00:00.000Z' });
    expect(DEFAULT_ALERT_WINDOW).toEqual({ leadMinutes: 30, spanMinutes: 60 });
  });

  it('Grafana alerts get the same window, read from their offset startsAt', () => {
    const request = one(GRAFANA_FIRING_EXAMPLE, at('2026-11-25T12:00:00Z'), 'grafana');
    expect(request.window).toEqual({ from: '2021-10-12T07:21:03.157Z', to: '2021-10-12T08:51:03.157Z' });
  });

  it('times, addresses and versions written in the annotations never move the window', () => {
    const body = alertmanagerNotification([
      { fingerprint: 'w5', startsAt: '2019-03-04T08:00:00Z', summary: 'errors since 10:00 yesterday from 10.0.4.17:7001 after v2.10.1 (last 6 hours)' },
    ]);
    const request = one(body, at('2019-03-04T08:02:00Z'));
    const window = { from: new Date(request.window.from), to: new Date(request.window.to) };
    const parameters = extractParameters({ text: request.text, at: request.occurredAt, window });
    expect(parameters.time_range).toEqual(request.window);
  });
});

describe('payloads that can never succeed', () => {
  const issues = (source: AlertSource, body: unknown) => {
    const parsed = parseAlertNotification(source, body);
    if (parsed.ok) throw new Error('expected the payload to be rejected');
    return parsed.issues;
  };

  it('a body that is not an object says so', () => {
    expect(issues('alertmanager', 'firing')).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
    expect(issues('grafana', [1, 2])).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
  });

  it('a body without alerts names the missing field', () => {
    expect(issues('alertmanager', { version: '4' })).toEqual([{ path: 'alerts', message: 'must be an array of alerts' }]);
  });

  it('an alert without startsAt or with an unknown status names the alert and the field', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' }]);
    const broken = { ...body, alerts: [{ ...body.alerts[0]!, startsAt: undefined, status: 'pending' }] };
    const found = issues('alertmanager', broken);
    expect(found).toContainEqual({ path: 'alerts.0.status', message: 'must be "firing" or "resolved"' });
    expect(found).toContainEqual({ path: 'alerts.0.startsAt', message: expect.stringMatching(/RFC 3339/) });
  });

  it('a startsAt that is not a time is rejected', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: 'yesterday' }]);
    expect(issues('alertmanager', body)[0]).toMatchObject({ path: 'alerts.0.startsAt' });
  });

  it('labels that are not an object are rejected', () => {
    const body = alertmanagerNotification([{ fingerprint: 'f1', startsAt: '2026-11-25T10:00:00Z' }]);
    const broken = { ...body, alerts: [{ ...body.alerts[0]!, labels: 'env=prod' }] };
    expect(issues('alertmanager', broken)[0]).toMatchObject({ path: 'alerts.0.labels' });
  });

  it('more alerts than a notification may carry are rejected', () => {
    const many = Array.from({ length: MAX_ALERTS_PER_NOTIFICATION + 1 }, (_, i) => ({ fingerprint: `f${i}`, startsAt: '2026-11-25T10:00:00Z' }));
    expect(issues('alertmanager', alertmanagerNotification(many))[0]).toMatchObject({ path: 'alerts' });
  });
});

describe('the label mapping setting', () => {
  it('without a setting the documented defaults apply', () => {
    expect(parseLabelMapping(undefined)).toEqual(DEFAULT_LABEL_MAPPING);
    expect(DEFAULT_LABEL_MAPPING).toEqual({
      project: ['project'],
      env: ['env', 'environment'],
      domain: ['domain'],
      service: ['service', 'job', 'app'],
    });
  });

  it('a parameter named replaces its defaults and leaves the others', () => {
    expect(parseLabelMapping(' project = team , tenant ; ')).toEqual({ ...DEFAULT_LABEL_MAPPING, project: ['team', 'tenant'] });
  });

  it('a malformed setting fails with a message naming the problem', () => {
    expect(() => parseLabelMapping('env')).toThrow(/must look like param=label1,label2/);
    expect(() => parseLabelMapping('region=zone')).toThrow(/unknown parameter "region"/);
    expect(() => parseLabelMapping('env=')).toThrow(/"env" needs at least one label name/);
    expect(() => parseLabelMapping('env=a;env=b')).toThrow(/given twice/);
    expect(() => parseLabelMapping('env=a b')).toThrow(/is not a label name/);
  });
});
