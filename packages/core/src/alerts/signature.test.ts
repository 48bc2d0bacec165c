import { describe, expect, it } from 'vitest';
import { signGrafanaPayload, verifyGrafanaSignature } from './signature.ts';

const SECRET = 's3cret';
const BODY = '{"version":"1","alerts":[]}';
const NOW = new Date('2026-11-25T12:00:00Z');
const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

function check(headers: Record<string, string>, body = BODY) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return verifyGrafanaSignature({ secret: SECRET, body, header: (name) => lower[name.toLowerCase()], now: NOW });
}

describe('Grafana webhook signatures', () => {
  it('a signature of the body with the secret is accepted, under either default header name', () => {
    const signature = signGrafanaPayload(SECRET, BODY);
    expect(check({ 'X-Grafana-Alerting-Signature': signature })).toEqual({ ok: true });
    expect(check({ 'X-Grafana-Alert-Signature': signature.toUpperCase() })).toEqual({ ok: true });
  });

  it('a signature with a timestamp covers "timestamp:body"', () => {
    const ts = seconds(NOW);
    const signature = signGrafanaPayload(SECRET, BODY, ts);
    expect(check({ 'X-Grafana-Alerting-Signature': signature, 'X-Grafana-Alerting-Signature-Timestamp': ts })).toEqual({ ok: true });
    // The body-only signature does not pass once a timestamp is sent, and vice versa.
    expect(check({ 'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, BODY), 'X-Grafana-Alerting-Signature-Timestamp': ts }).ok).toBe(false);
    expect(check({ 'X-Grafana-Alerting-Signature': signature }).ok).toBe(false);
  });

  it('a changed body, another secret or a missing header is refused with a reason', () => {
    const signature = signGrafanaPayload(SECRET, BODY);
    expect(check({ 'X-Grafana-Alerting-Signature': signature }, `${BODY} `)).toEqual({ ok: false, reason: 'the signature does not match the body' });
    expect(check({ 'X-Grafana-Alerting-Signature': signGrafanaPayload('other', BODY) }).ok).toBe(false);
    expect(check({})).toEqual({ ok: false, reason: expect.stringMatching(/missing/) });
    expect(check({ 'X-Grafana-Alerting-Signature': 'abc' })).toEqual({ ok: false, reason: expect.stringMatching(/not a hex/) });
  });

  it('a timestamp more than five minutes away from now is stale, even correctly signed', () => {
    const old = seconds(new Date(NOW.getTime() - 6 * 60_000));
    const future = seconds(new Date(NOW.getTime() + 6 * 60_000));
    const recent = seconds(new Date(NOW.getTime() - 4 * 60_000));
    const sign = (ts: string) => ({ 'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, BODY, ts), 'X-Grafana-Alerting-Timestamp': ts });
    expect(check(sign(old))).toEqual({ ok: false, reason: expect.stringMatching(/too old/) });
    expect(check(sign(future)).ok).toBe(false);
    expect(check(sign(recent))).toEqual({ ok: true });
    expect(check({ ...sign(recent), 'X-Grafana-Alerting-Timestamp': 'noon' }).ok).toBe(false);
  });
});
