/** Redaction of secrets and personal data before logs are stored, queued or sent to a model. */
export {
  opensPrivateKey,
  privateKeyContinuation,
  redactText,
  redactionMarker,
  REDACTION_KINDS,
  type RedactionKind,
  type RedactOptions,
} from './text.ts';
export { logEventRedactor, redactValue, redactLogEvent } from './value.ts';
export { isSensitiveKey } from './keys.ts';
