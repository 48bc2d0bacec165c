/**
 * Grafana's optional webhook signature (grafana/alerting http/hmac.go): hex HMAC-SHA256 of
 * the raw body with the shared secret, or of `<unix seconds>:<body>` when a timestamp header
 * is configured. Pure: the caller passes the raw body, the headers and the clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Header names Grafana's contact point uses by default for the signature (the UI and docs
 * say `X-Grafana-Alerting-Signature`, grafana/alerting's code `X-Grafana-Alert-Signature`).
 */
export const GRAFANA_SIGNATURE_HEADERS = ['x-grafana-alerting-signature', 'x-grafana-alert-signature'] as const;
/** The timestamp header has no default in Grafana; these are the names loglore reads. */
export const GRAFANA_TIMESTAMP_HEADERS = ['x-grafana-alerting-signature-timestamp', 'x-grafana-alerting-timestamp'] as const;
/** A signed timestamp further than this from now (either way) is a replay or a broken clock. */
export const GRAFANA_SIGNATURE_MAX_SKEW_MS = 5 * 60_000;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The signature Grafana would send for `body` (and `timestamp`, when given). */
export function signGrafanaPayload(secret: string, body: string | Uint8Array, timestamp?: string): string {
  const hmac = createHmac('sha256', secret);
  if (timestamp !== undefined) hmac.update(`${timestamp}:`);
  hmac.update(body);
  return hmac.digest('hex');
}

/**
 * Checks a Grafana webhook's signature in constant time. `header` reads a request header
 * case-insensitively (undefined when absent).
 *
 * @example
 * const check = verifyGrafanaSignature({ secret, body: rawBody, header: (n) => c.req.header(n), now: new Date() });
 * if (!check.ok) return 401;
 */
export function verifyGrafanaSignature(input: {
  secret: string;
  body: string | Uint8Array;
  header: (name: string) => string | undefined;
  now: Date;
  maxSkewMs?: number;
}): SignatureCheck {
  const first = (names: readonly string[]) => {
    for (const name of names) {
      const value = input.header(name)?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const given = first(GRAFANA_SIGNATURE_HEADERS);
  if (!given) return { ok: false, reason: 'the X-Grafana-Alerting-Signature header is missing' };
  const timestamp = first(GRAFANA_TIMESTAMP_HEADERS);
  if (timestamp !== undefined) {
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'the signature timestamp is not a number of Unix seconds' };
    const skew = Math.abs(input.now.getTime() - Number(timestamp) * 1000);
    if (skew > (input.maxSkewMs ?? GRAFANA_SIGNATURE_MAX_SKEW_MS)) {
      return { ok: false, reason: 'the signature timestamp is too old or in the future' };
    }
  }
  const hex = given.toLowerCase().replace(/^sha256=/, '');
  if (!/^[0-9a-f]{64}$/.test(hex)) return { ok: false, reason: 'the signature is not a hex HMAC-SHA256' };
  const expected = Buffer.from(signGrafanaPayload(input.secret, input.body, timestamp), 'hex');
  const actual = Buffer.from(hex, 'hex');
  if (!timingSafeEqual(expected, actual)) return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true };
}
