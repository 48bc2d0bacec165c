import { describe, expect, it } from 'vitest';
import { maskVariables } from '../mining/index.ts';
import { classifyTemplate } from './classify.ts';

/**
 * One root cause that software logs in several ways is one pattern. Two sets per cause:
 * - `seen`: the phrasings named in issue 9, which the rules were written against;
 * - `heldOut`: phrasings of real clients, servers and libraries (OpenSSL, Go, Java, .NET,
 *   Python, curl, browsers, nginx, Envoy, gRPC, ISO 8583 switches) written down BEFORE the
 *   rules were changed and never used to write them. A miss here is reported, not patched
 *   with its string.
 * Each message is classified as the analyser sees it: masked, with the raw message as example.
 */
const classify = (message: string, domain: string | null = null) => classifyTemplate(maskVariables(message), { example: message, domain }).pattern_key;

/** Share of the after-the-rules phrasings that must classify right (set from the first measurement). */
const FRESH_FLOOR = 0.6;

const TLS_EXPIRED = {
  key: 'tls.certificate_expired',
  seen: ['certificate has expired', 'PKIX path validation failed', 'x509: certificate has expired or is not yet valid', 'SSL handshake failed: certificate expired'],
  heldOut: [
    'javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed',
    'Get "https://ledger.internal/v1/balance": remote error: tls: expired certificate',
    'SSL_connect returned=1 errno=0 state=error: certificate verify failed (certificate has expired)',
    'curl: (60) SSL certificate problem: certificate has expired',
    'java.security.cert.CertificateExpiredException: NotAfter: Tue Nov 24 23:59:59 UTC 2026',
    'SSL routines:ssl3_read_bytes:sslv3 alert certificate expired',
    'SEC_ERROR_EXPIRED_CERTIFICATE while connecting to partner.example.com',
    'net::ERR_CERT_DATE_INVALID loading https://portal.bank.local',
    'The remote certificate is invalid because of errors in the certificate chain: NotTimeValid',
    'TLS alert received from peer: certificate_expired (45)',
    'Server certificate of kafka-1:9093 expired on 2026-11-24, handshake aborted',
    'certificate validity period ended 2026-11-24T23:59:59Z for CN=npsb-gw.bank.local',
    'SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)',
    'mTLS client cert for ledger-svc is past its notAfter date',
    'sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: timestamp check failed',
    'X509_V_ERR_CERT_HAS_EXPIRED verifying peer 10.2.0.7',
  ],
  // Written after the rules, never used to change them: measured once, misses kept as they are.
  fresh: [
    'Handshake failed: peer certificate is no longer valid',
    'The certificate chain has an expired certificate',
    'OpenSSL: error:14094415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired',
    'server presented a certificate that expired 3 days ago',
    'Client certificate outdated for device 8812',
    'javax.net.ssl.SSLHandshakeException: NotAfter: Mon Nov 23 2026',
    'ERR_CERT_EXPIRED',
    'certificate for smtp.bank.local expires in -2 days',
    "TLS: peer's X.509 cert is not valid after 2026-11-24",
    'SSL certificate for api.partner.com expired',
  ],
  // Other TLS causes and other expiries are not this one.
  others: [
    ['PKIX path building failed: unable to find valid certification path to requested target', 'tls.handshake_failed'],
    ['x509: certificate signed by unknown authority', 'tls.handshake_failed'],
    ['certificate verify failed: self signed certificate in certificate chain', 'tls.handshake_failed'],
    ['x509: certificate is valid for a.example.com, not b.example.com', 'tls.handshake_failed'],
    ['TokenExpiredError: jwt expired', 'auth.token_expired'],
  ] as Array<[string, string]>,
};

const NO_ANSWER = {
  key: 'timeout.upstream',
  seen: ['gateway timeout', 'response not received', 'upstream request timeout', 'no response from switch within 30s', '504 Gateway Time-out'],
  heldOut: [
    'no response received from issuer host within 25000 ms',
    'awaiting response from core banking timed out after 30s',
    'backend did not respond in time',
    "504 Gateway Timeout: the server didn't respond in time",
    'Timeout waiting for reply from switch (stan=001234)',
    'request to acquirer host timed out: no reply',
    'grpc: DEADLINE_EXCEEDED calling ledger.Transfer',
    'ISO8583 0200 sent, 0210 not received within 30s',
    'The request timed out waiting for the server to respond',
    'Gateway timed out waiting for upstream service payments-api',
    'service risk-engine did not answer within 10000ms',
    'HTTP 504 from api-gateway for POST /transfers',
    'upstream server failed to respond before the proxy timeout',
    'no reply from host 10.2.3.4 after 3 attempts',
  ],
  fresh: [
    'Upstream service ledger timed out after 3000ms',
    'call to fraud-check exceeded its 2s deadline',
    'no ACK from host within timeout',
    'switch did not reply to 0800 echo',
    'GatewayTimeoutException: upstream did not respond',
    'Request to partner timed out waiting for response headers',
    '502/504 from ALB: target failed to respond',
    'Error 524: A timeout occurred',
    'Response wait time exceeded for STAN 004411',
    "The operation has timed out while awaiting the backend's answer",
  ],
  others: [
    ['connect ETIMEDOUT 10.0.0.12:443', 'timeout.connect'],
    ['Lock wait timeout exceeded; try restarting transaction', 'db.lock_wait_timeout'],
    ['java.net.SocketTimeoutException: Read timed out', 'timeout.read'],
    ['NPSB switch unavailable: no response from 10.2.3.4:7000 within 30000ms', 'payment.switch_unavailable'],
  ] as Array<[string, string]>,
};

describe.each([
  ['a TLS certificate expiry', TLS_EXPIRED],
  ['a dependency that never answered (gateway or switch timeout)', NO_ANSWER],
])('%s is one pattern however it is logged', (_cause, c) => {
  it.each(c.seen)('the phrasing the issue names: "%s"', (message) => {
    expect(classify(message)).toBe(c.key);
  });

  it('held-out phrasings (not used to write the rules) classify into it', () => {
    const missed = c.heldOut.filter((m) => classify(m) !== c.key).map((m) => `${m} → ${classify(m)}`);
    expect(missed).toEqual([]);
  });

  it('phrasings written after the rules (never tuned on) mostly classify into it', () => {
    const hits = c.fresh.filter((m) => classify(m) === c.key).length;
    // Measured once when written: see the report of issue 9. The floor guards against regressions.
    expect(hits / c.fresh.length).toBeGreaterThanOrEqual(FRESH_FLOOR);
  });

  it('in the transactions domain too', () => {
    const missed = [...c.seen, ...c.heldOut].filter((m) => classify(m, 'transactions') !== c.key);
    expect(missed).toEqual([]);
  });

  it.each(c.others)('other causes stay apart: "%s" is %s', (message, key) => {
    expect(classify(message)).toBe(key);
  });

  it('classification is deterministic and pure: the same input always gives the same pattern', () => {
    for (const m of c.heldOut) expect(classify(m)).toBe(classify(m));
  });
});
