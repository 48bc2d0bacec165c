/** Backfills of historical incidents: NDJSON lines validated, redacted and keyed for idempotency. */
export {
  IncidentLine,
  MAX_INCIDENT_LINE_CHARS,
  MAX_INCIDENT_LOGS,
  MAX_INCIDENT_TEXT_CHARS,
  incidentIdempotencyKey,
  parseIncidentBody,
  parseIncidentLine,
  type BackfillIncident,
  type KnownIncidentOutcome,
  type LineRejection,
} from './incident.ts';
