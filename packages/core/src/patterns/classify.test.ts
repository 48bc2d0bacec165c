import { describe, expect, it } from 'vitest';
import { maskVariables } from '../mining/index.ts';
import { REFERENCE_PATTERNS } from './catalog.ts';
import { classifyName, classifyTemplate, derivePattern, normalizeTemplate, referencePattern } from './classify.ts';

/** Real-world shaped messages per catalog entry; classified as the miner would see them (masked). */
const SAMPLES: Record<string, string[]> = {
  'code.null_reference': [
    'java.lang.NullPointerException: Cannot invoke "Account.getBalance()" because "acct" is null',
    "TypeError: Cannot read properties of undefined (reading 'amount')",
    "AttributeError: 'NoneType' object has no attribute 'id'",
    'panic: runtime error: invalid memory address or nil pointer dereference',
  ],
  'resource.out_of_memory': [
    'java.lang.OutOfMemoryError: Java heap space',
    'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    'Container payments-7f9c was OOMKilled (exit code 137)',
    'fork: Cannot allocate memory',
  ],
  'resource.disk_full': ['write /var/lib/postgresql/data/pg_wal/0001: No space left on device', 'ENOSPC: no space left on device, write', 'Disk quota exceeded for volume data-3'],
  'payment.duplicate_transaction': ['Duplicate transaction TXN-88213 rejected', 'Payment 77a1 already processed, ignoring retry', 'Idempotency-Key 9f3e reuse with different payload'],
  'payment.insufficient_funds': [
    'Transfer 4411 declined: insufficient funds (account=ACC-9, requested=500.00 BDT)',
    'Debit failed for wallet 12: not enough balance',
    'ISO8583 response 51 NSF for stan 001234',
  ],
  'payment.switch_unavailable': [
    'NPSB switch unavailable: no response from 10.2.3.4:7000 within 30000ms',
    'Fund transfer 991 failed: NPSB is down',
    'Unable to connect to NPSB gateway npsb-gw-2.bank.local:9443',
    'Response 91: Issuer or switch inoperative',
  ],
  'payment.settlement_mismatch': [
    'Settlement batch 2026-11-24 reconciliation mismatch: expected 1200 got 1197',
    'Reconciliation discrepancy of 3 items for merchant 77',
    'Ledger out of balance by 150.00 BDT for day 2026-11-24',
  ],
  'payment.declined': ['Payment 8812 declined by issuer: do not honor', 'Card authorization declined (code 05)', 'Transaction 1223 declined: card blocked'],
  'queue.consumer_lag': [
    'Kafka consumer group payments-cg is lagging 120000 messages behind on partition 3',
    'Consumer lag for subscription ledger-sub exceeds 50000',
    'worker settlement-batch fell behind: 3 hours of messages queued',
  ],
  'db.pool_exhausted': [
    'HikariPool-1 - Connection is not available, request timed out after 30000ms.',
    'Failed to process transfer 77: connection pool exhausted (active=50, idle=0, waiting=112)',
    'Timeout waiting for connection from pool',
    'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30',
    'Cannot acquire connection from the pool: pool exhausted',
  ],
  'db.too_many_connections': ['FATAL: sorry, too many clients already', 'FATAL: remaining connection slots are reserved for non-replication superuser connections', "ERROR 1040 (08004): Too many connections"],
  'resource.thread_pool_exhausted': ['java.util.concurrent.RejectedExecutionException: Task 42 rejected from pool-3', 'Worker pool saturated: 64/64 busy, task queue full'],
  'db.deadlock': ['ERROR: deadlock detected', 'Deadlock found when trying to get lock; try restarting transaction'],
  'db.lock_wait_timeout': ['Lock wait timeout exceeded; try restarting transaction', 'ERROR: canceling statement due to lock timeout', 'could not obtain lock on row in relation "accounts"'],
  'db.statement_timeout': ['ERROR: canceling statement due to statement timeout', 'Query timed out after 30s: SELECT * FROM transfers', 'org.springframework.dao.QueryTimeoutException: query cancelled'],
  'db.duplicate_key': ['ERROR: duplicate key value violates unique constraint "users_email_key"', 'E11000 duplicate key error collection: app.users', "Duplicate entry 'a@b.c' for key 'email'"],
  'availability.circuit_open': ['CircuitBreaker ledger-client is OPEN and does not permit further calls', 'Hystrix command short-circuited and fallback failed', 'circuit breaker tripped for upstream risk-engine after 5 failures'],
  'rate_limit.exceeded': ['Request to api.partner.com failed: 429 Too Many Requests', 'Rate limit exceeded for client 77', 'Request throttled by upstream, retry after 2s', 'Daily quota exceeded for key abc'],
  'auth.token_expired': ['JWT expired at 2026-11-25T10:00:00Z. Current time: 2026-11-25T10:05:00Z', 'TokenExpiredError: jwt expired', 'Access token has expired for client mobile-app'],
  'auth.authentication_failed': ['Authentication failed for user bob: invalid credentials', 'FATAL: password authentication failed for user "app"', '401 Unauthorized from identity provider', "Access denied for user 'app'@'10.0.0.5' (using password: YES)"],
  'auth.forbidden': ['Access denied: user 12 is not authorized to perform transfers:approve', '403 Forbidden: missing scope payments.write', 'open /etc/app/key.pem: permission denied'],
  'tls.certificate_expired': [
    'x509: certificate has expired or is not yet valid: current time 2026-11-25T10:00:00Z is after 2026-11-24T23:59:59Z',
    'TLS handshake with ledger.internal:443 failed: certificate expired (notAfter=2026-11-24)',
    'Error: certificate has expired (CERT_HAS_EXPIRED)',
  ],
  'tls.handshake_failed': [
    'javax.net.ssl.SSLHandshakeException: PKIX path building failed: unable to find valid certification path to requested target',
    'x509: certificate signed by unknown authority',
    'Error: unable to verify the first certificate',
    'SSL routines:ssl3_get_record:wrong version number',
  ],
  'dns.resolution_failed': ['getaddrinfo ENOTFOUND ledger.internal', 'java.net.UnknownHostException: npsb-gw.bank.local', 'dial tcp: lookup db-primary on 10.96.0.10:53: no such host', 'Temporary failure in name resolution'],
  'net.connection_refused': ['connect ECONNREFUSED 10.0.0.12:5432', 'java.net.ConnectException: Connection refused (Connection refused)', 'dial tcp 10.0.0.5:6379: connect: connection refused'],
  'net.connection_reset': ['read ECONNRESET', 'Connection reset by peer', 'Error: socket hang up', 'write: broken pipe'],
  'timeout.upstream': [
    'upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1',
    '504 Gateway Timeout from ledger-service',
    'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    // A client that waited for an answer in vain: the same cause as the proxy's 504 (see causes.test.ts).
    'Timed out waiting for response from risk-engine after 5000ms',
  ],
  'timeout.read': ['java.net.SocketTimeoutException: Read timed out', 'ESOCKETTIMEDOUT', 'socket timeout reading from ledger:5432'],
  'timeout.connect': ['connect ETIMEDOUT 10.0.0.12:443', 'org.apache.http.conn.ConnectTimeoutException: Connect to ledger:443 timed out', 'dial tcp 10.0.0.8:443: i/o timeout while connecting'],
  'upstream.5xx': ['Upstream ledger-service responded 502 Bad Gateway', 'GET http://risk/score failed: 503 Service Unavailable', 'no healthy upstream', 'upstream connect error or disconnect/reset before headers'],
  'validation.failed': ['Validation failed for request 12: amount must be positive', 'Invalid request payload: field "currency" is required', 'Bad Request: malformed JSON at position 12'],
  'timeout.generic': ['Operation sync-accounts timed out after 60s', 'Job 7 exceeded timeout of 300s'],
};

describe('the reference catalog', () => {
  it('has unique pattern keys and unique readable names', () => {
    const keys = REFERENCE_PATTERNS.map((p) => p.pattern_key);
    const names = REFERENCE_PATTERNS.map((p) => p.error_pattern);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(names).size).toBe(names.length);
    for (const p of REFERENCE_PATTERNS) {
      expect(p.pattern_key).toMatch(/^[a-z0-9_]+\.[a-z0-9_]+$/);
      expect(p.error_pattern).toMatch(/^[A-Z0-9_]+$/);
      expect(p.typical_causes.length).toBeGreaterThan(0);
      expect(p.resolution_steps.length).toBeGreaterThan(0);
    }
  });

  it('covers every kind the issue lists, payments in the transactions domain', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(REFERENCE_PATTERNS.map((p) => p.pattern_key).sort());
    const payments = REFERENCE_PATTERNS.filter((p) => p.pattern_key.startsWith('payment.'));
    expect(payments.map((p) => p.domain)).toEqual(payments.map(() => 'transactions'));
  });

  it.each(REFERENCE_PATTERNS.map((p) => [p.pattern_key, p.template] as const))('%s: its representative template classifies as itself', (key, template) => {
    const c = classifyTemplate(template);
    expect(c.pattern_key).toBe(key);
    expect(c.known).toBe(true);
  });

  it.each(Object.entries(SAMPLES).flatMap(([key, msgs]) => msgs.map((m) => [key, m] as const)))('%s: "%s" classifies into it once masked', (key, message) => {
    const c = classifyTemplate(maskVariables(message), { example: message });
    expect(c.pattern_key).toBe(key);
    expect(c.error_pattern).toBe(referencePattern(key)?.error_pattern);
  });
});

describe('precedence between catalog entries', () => {
  const cases: [string, string][] = [
    ['connection pool exhausted, timed out after 30000ms waiting for a connection', 'db.pool_exhausted'],
    ['HikariPool-2 - Connection is not available, request timed out after 30001ms', 'db.pool_exhausted'],
    ['Lock wait timeout exceeded; try restarting transaction', 'db.lock_wait_timeout'],
    ['Deadlock found when trying to get lock; lock wait aborted', 'db.deadlock'],
    ['ERROR: canceling statement due to statement timeout', 'db.statement_timeout'],
    // A switch that answers too late is one cause with a gateway's 504 (issue 9): an upstream timeout.
    ['NPSB switch timeout after 30000ms for transfer 8812', 'timeout.upstream'],
    ['Visa network timeout for auth 8812', 'timeout.upstream'],
    // An HTTP reason phrase is the partner's API answering, not the network being down.
    ['mastercard API returned 503 Service Unavailable for payout 77', 'upstream.5xx'],
    ['NPSB connection refused by 10.0.0.9:7000', 'payment.switch_unavailable'],
    ['Transfer 12 declined: insufficient funds', 'payment.insufficient_funds'],
    ['Transfer 12 declined by issuer', 'payment.declined'],
    ['NullPointerException while handling timeout for transfer 9', 'code.null_reference'],
    ['OutOfMemoryError during settlement reconciliation of batch 7', 'resource.out_of_memory'],
    ['circuit breaker OPEN after 5 consecutive timeouts calling ledger', 'availability.circuit_open'],
    ["Access denied for user 'app'@'10.0.0.5'", 'auth.authentication_failed'],
    ['Access denied to bucket statements-2026', 'auth.forbidden'],
    ['JWT token expired at 10:00', 'auth.token_expired'],
    ['x509: certificate has expired or is not yet valid', 'tls.certificate_expired'],
    ['DNS lookup timed out for ledger.internal', 'dns.resolution_failed'],
    ['upstream timed out (110: Connection timed out) while connecting to upstream', 'timeout.upstream'],
    ['Connection timed out to 10.0.0.4:443', 'timeout.connect'],
    ['Invalid token signature for client 7', 'auth.authentication_failed'],
    ['Rate limit exceeded, upstream answered 503 Service Unavailable', 'rate_limit.exceeded'],
    ['duplicate key value violates unique constraint "transfers_reference_key"', 'db.duplicate_key'],
    ['Duplicate transaction reference 8812 already processed', 'payment.duplicate_transaction'],
  ];
  it.each(cases)('"%s" is %s', (message, key) => {
    expect(classifyTemplate(maskVariables(message)).pattern_key).toBe(key);
  });

  it('a bare "declined" is a payment decline only in the transactions domain', () => {
    expect(classifyTemplate('Request <*> declined').known).toBe(false);
    expect(classifyTemplate('Request <*> declined', { domain: 'transactions' }).pattern_key).toBe('payment.declined');
  });

  it('a switch outage without a named network needs the transactions domain', () => {
    expect(classifyTemplate('switch to fallback route after timeout').pattern_key).toBe('timeout.generic');
    expect(classifyTemplate('Core switch is down for region <*>', { domain: 'transactions' }).pattern_key).toBe('payment.switch_unavailable');
  });

  it('a status code hidden by masking is read from the example', () => {
    const template = 'Call to partner API <*> returned <*>';
    expect(classifyTemplate(template).known).toBe(false);
    expect(classifyTemplate(template, { example: 'Call to partner API /v1/quote returned 429' }).pattern_key).toBe('rate_limit.exceeded');
    expect(classifyTemplate(template, { example: 'Call to partner API /v1/quote returned 503' }).pattern_key).toBe('upstream.5xx');
    expect(classifyTemplate(template, { example: 'Call to partner API /v1/quote status=504' }).pattern_key).toBe('timeout.upstream');
  });

  it('a number that is not introduced as a status code is not one', () => {
    expect(classifyTemplate('Batch <*> finished', { example: 'Batch 503 finished' }).known).toBe(false);
  });
});

describe('derived patterns', () => {
  it('the same event with other ids, hosts and numbers gets one key', () => {
    const a = classifyTemplate(maskVariables('Reconciler worker 7 lost lease on partition 12 (host=recon-3, epoch=991)'));
    const b = classifyTemplate(maskVariables('Reconciler worker 21 lost lease on partition 4 (host=recon-9, epoch=17)'));
    const mined = classifyTemplate('Reconciler worker <*> lost lease on partition <*> (host=<*>, epoch=<*>)');
    expect(a.pattern_key).toBe(b.pattern_key);
    expect(mined.pattern_key).toBe(a.pattern_key);
    expect(a.error_pattern).toBe(b.error_pattern);
    expect(a.known).toBe(false);
    expect(a.error_type).toBe('UNCLASSIFIED');
    expect(a.pattern_key).toMatch(/^derived\.[0-9a-f]{8}$/);
    expect(a.error_pattern).toMatch(/^RECONCILER_WORKER_LOST_LEASE_[0-9A-F]{8}$/);
  });

  it('runs of variables collapse, so a variable spanning more tokens keeps the key', () => {
    expect(normalizeTemplate('stalled at <*> <*> <*> retrying')).toBe(normalizeTemplate('Stalled at <*> retrying.'));
    expect(derivePattern('stalled at <*> <*> retrying').pattern_key).toBe(derivePattern('stalled at 12:00:01 retrying').pattern_key);
  });

  it('different events get different keys', () => {
    const keys = new Set(
      ['Reconciler worker <*> lost lease on partition <*>', 'Search indexer shard <*> stalled: merge backlog <*>', 'Feature flag snapshot <*> is stale', 'Reconciler worker <*> gained lease on partition <*>'].map(
        (t) => classifyTemplate(t).pattern_key,
      ),
    );
    expect(keys.size).toBe(4);
  });

  it('the service is not part of the identity, the domain only labels it', () => {
    const a = classifyTemplate('Search indexer shard <*> stalled', { service: 'search', domain: 'catalog' });
    const b = classifyTemplate('Search indexer shard <*> stalled', { service: 'indexer', domain: null });
    expect(a.pattern_key).toBe(b.pattern_key);
    expect(a.domain).toBe('catalog');
    expect(b.domain).toBeNull();
  });

  it('a template of variables only still gets a stable name', () => {
    const c = classifyTemplate('<*> <*>');
    expect(c.error_pattern).toMatch(/^UNCLASSIFIED_[0-9A-F]{8}$/);
    expect(classifyTemplate('<*>').pattern_key).toBe(c.pattern_key);
  });

  it('hostile input is capped and classified without blowing up', () => {
    const long = `${'connection '.repeat(50_000)}${'a'.repeat(200_000)}`;
    const c = classifyTemplate(long, { example: `${'switch '.repeat(50_000)}` });
    expect(c.template.length).toBeLessThanOrEqual(1_000);
    expect(c.pattern_key).toMatch(/^derived\./);
    expect(classifyTemplate(`x${' timeout'.repeat(100_000)}`).pattern_key).toBe('timeout.generic');
  });
});

describe('a pattern named from outside', () => {
  it('is the catalogued pattern of that name or key', () => {
    expect(classifyName('DB_POOL_EXHAUSTED')).toMatchObject({ pattern_key: 'db.pool_exhausted', known: true });
    expect(classifyName('db.pool_exhausted').error_pattern).toBe('DB_POOL_EXHAUSTED');
  });

  it('is keyed by its name otherwise, the same for every spelling of it', () => {
    expect(classifyName('Ledger lag!', 'transactions')).toMatchObject({ pattern_key: 'named.ledger_lag', error_pattern: 'LEDGER_LAG', domain: 'transactions', known: false });
    expect(classifyName('  ledger LAG ').pattern_key).toBe('named.ledger_lag');
  });
});

