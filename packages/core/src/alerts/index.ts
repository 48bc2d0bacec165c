/** Alertmanager and Grafana webhooks → analysis requests; Grafana's HMAC signature. */
export {
  AlertmanagerWebhook,
  AlertStatus,
  GrafanaAlert,
  GrafanaWebhook,
  MAX_ALERTS_PER_NOTIFICATION,
  MAX_FINGERPRINT_CHARS,
  WebhookAlert,
  parseAlertNotification,
  type AlertIssue,
  type AlertNotification,
  type AlertSource,
} from './schemas.ts';
export { DEFAULT_LABEL_MAPPING, HINT_PARAMS, parseLabelMapping, pickLabel, type HintParam, type LabelMapping } from './mapping.ts';
export {
  ALERT_ATTACH_WINDOW_MS,
  DEFAULT_ALERT_WINDOW,
  MAX_ALERT_TEXT_CHARS,
  alertIdempotencyKey,
  alertWindow,
  alertsToRequests,
  type AlertWindow,
  type AlertWindowOptions,
  type AlertHints,
  type AlertMetadata,
  type AlertRequest,
  type AlertRequests,
  type ResolvedAlert,
} from './requests.ts';
export {
  GRAFANA_SIGNATURE_HEADERS,
  GRAFANA_SIGNATURE_MAX_SKEW_MS,
  GRAFANA_TIMESTAMP_HEADERS,
  signGrafanaPayload,
  verifyGrafanaSignature,
  type SignatureCheck,
} from './signature.ts';
