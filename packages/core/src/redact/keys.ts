/**
 * Which field names hold secrets. Used for JSON keys (the whole value is replaced) and for
 * `key=value` / `key: value` assignments in free text (the value is replaced).
 */

/** Names that are sensitive only as a whole (`pass`, `pin`), too short to match as suffixes. */
const EXACT = new Set(['pass', 'pwd', 'auth', 'pin', 'otp', 'totp', 'cvv', 'cvv2', 'cvc', 'cvc2', 'pan']);

/** A name ending in one of these is sensitive: `db_password`, `accessToken`, `X-Api-Key`, `Set-Cookie`. */
const SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'signingkey',
  'encryptionkey',
  'authorization',
  'credential',
  'credentials',
  'cookie',
  'sessionid',
  'sessionkey',
  'cardnumber',
  'cardno',
];

/** A name containing one of these anywhere is sensitive: `password_hash`, `new_password_confirm`. */
const CONTAINS = ['password', 'passwd', 'passphrase'];

const sensitiveCache = new Map<string, boolean>();

/**
 * Whether a field name denotes a secret. Case, `_`, `-` and `.` are ignored. Deliberately
 * not sensitive: `trace_id`, `request_id`, `transaction_id`, `idempotency_key`, `token_type`,
 * `max_tokens` (evidence, not secrets).
 */
export function isSensitiveKey(key: string): boolean {
  if (key.length > 128) return false;
  // Field names repeat from event to event; the answer for each is remembered.
  let answer = sensitiveCache.get(key);
  if (answer === undefined) {
    answer = sensitive(key);
    if (sensitiveCache.size >= 4096) sensitiveCache.clear();
    sensitiveCache.set(key, answer);
  }
  return answer;
}

function sensitive(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (EXACT.has(k)) return true;
  for (const s of SUFFIXES) if (k.endsWith(s)) return true;
  for (const c of CONTAINS) if (k.includes(c)) return true;
  return false;
}

const ID_NAMED = /(?:trace|span|request|transaction|txn|order|correlation|parent|session|message|event|payment)ids?$/i;

/**
 * Whether a field name denotes an identifier (`id`, `trace_id`, `dd.trace_id`, `traceId`,
 * `spanID`, `txn_ids`, `traceid`): its digit-string values are evidence (Datadog's decimal
 * trace ids, transaction ids), never card numbers, even when they pass Luhn.
 * `valid` and `paid` are not id names.
 */
export function isIdKey(key: string): boolean {
  return /(?:^|[^A-Za-z])[Ii][Dd]s?$/.test(key) || /[a-z0-9](?:Id|ID)s?$/.test(key) || ID_NAMED.test(key);
}
