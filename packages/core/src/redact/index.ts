/** Redaction of secrets and personal data before logs are stored, queued or sent to a model. */
export { redactText, redactionMarker, REDACTION_KINDS, type RedactionKind, type RedactOptions } from './text.ts';
export { redactValue, redactLogEvent } from './value.ts';
export { isSensitiveKey } from './keys.ts';
