/**
 * Webhook bodies as the senders publish them, for tests (here and in apps/ingress).
 * Sources: /work/shared/notes/reliability-ecosystem.md §3.
 */

/**
 * A real Alertmanager notification (liamkelly15-maker/pythonwebhook testsuites/testcurl7.sh,
 * captured before v0.32, so without `notification_reason`; labels trimmed). It is resolved.
 */
export const ALERTMANAGER_RESOLVED_EXAMPLE = {
  receiver: 'web\\.hook',
  status: 'resolved',
  alerts: [
    {
      status: 'resolved',
      labels: { alertname: 'Deployment', namespace: 'eric-eo-cm-ci406', severity: 'Warning' },
      annotations: { summary: 'Kubernetes Deployment Replicas Mismatch' },
      startsAt: '2022-07-29T11:13:27.3Z',
      endsAt: '2022-07-29T11:17:27.3Z',
      generatorURL: '/metrics/viewer/graph?g0.expr=kube_deployment_spec_replicas...&g0.tab=1',
      fingerprint: 'fbab788ec4c1018b',
    },
  ],
  groupLabels: { alertname: 'Deployment' },
  commonLabels: { alertname: 'Deployment', severity: 'Warning' },
  commonAnnotations: { summary: 'Kubernetes Deployment Replicas Mismatch' },
  externalURL: 'http://localhost:9093',
  version: '4',
  groupKey: '{}:{alertname="Deployment"}',
  truncatedAlerts: 0,
};

/** The same notification while it was firing (as Alertmanager sends it: endsAt zeroed). */
export const ALERTMANAGER_FIRING_EXAMPLE = {
  ...ALERTMANAGER_RESOLVED_EXAMPLE,
  status: 'firing',
  alerts: [{ ...ALERTMANAGER_RESOLVED_EXAMPLE.alerts[0]!, status: 'firing', endsAt: '0001-01-01T00:00:00Z' }],
};

/**
 * Grafana's documented example (grafana/grafana docs webhook-notifier.md; one alert of two,
 * URLs and `message` shortened).
 */
export const GRAFANA_FIRING_EXAMPLE = {
  receiver: 'My Super Webhook',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      annotations: { description: 'The system has high memory usage', runbook_url: 'https://myrunbook.com/runbook/1234' },
      startsAt: '2021-10-12T09:51:03.157076+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
      fingerprint: 'c6eadffa33fcdf37',
      silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=...',
      dashboardURL: '',
      panelURL: '',
      values: { B: 44.23943737541908, C: 1 },
    },
  ],
  groupLabels: {},
  commonLabels: { team: 'blue' },
  commonAnnotations: {},
  externalURL: 'https://play.grafana.org/',
  version: '1',
  groupKey: '{}:{}',
  truncatedAlerts: 0,
  title: '[FIRING:2]  (blue)',
  state: 'alerting',
  message: '**Firing**\n\nLabels:\n - alertname = T2\n ...',
};

/**
 * A notification with several alerts and the labels loglore maps by default, as a
 * current Alertmanager (v0.34) sends it, with `notification_reason` and `routeLabels`.
 */
export function alertmanagerNotification(
  alerts: Array<{ fingerprint: string; startsAt: string; status?: 'firing' | 'resolved'; labels?: Record<string, string>; summary?: string }>,
) {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'loglore',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    notification_reason: 'first notification',
    routeLabels: { team: 'payments' },
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'HighErrorRate', severity: 'critical', ...(a.labels ?? {}) },
      annotations: {
        summary: a.summary ?? '5xx rate above 5% on NPSB transfers',
        description: 'More than 5% of requests failed over the last 5 minutes.',
      },
      startsAt: a.startsAt,
      endsAt: a.status === 'resolved' ? '2026-11-25T10:30:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
      fingerprint: a.fingerprint,
    })),
  };
}
