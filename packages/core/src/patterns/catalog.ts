/**
 * The reference catalog: common failure kinds with their typical causes and resolution
 * steps, seeded into `error_patterns` by `pattern_key`.
 *
 * Names. Each entry has two identifiers that never change once shipped:
 * - `pattern_key` (`db.pool_exhausted`): the unique key of the `error_patterns` row, dotted
 *   `<area>.<kind>`, lower case. Statistics (usage, success rate) hang off it.
 * - `error_pattern` (`DB_POOL_EXHAUSTED`): the readable name an analysis reports and that
 *   `analysis_memory.error_pattern` stores and groups by. One-to-one with `pattern_key`.
 * `error_type` is the coarse family (`TIMEOUT`, `DATABASE`, `PAYMENT`...) that
 * `GET /api/patterns?error_type=` filters on; several patterns share one.
 *
 * Precedence. The first entry whose matcher fires wins, so ORDER IS THE PRECEDENCE RULE:
 * 1. Faults named by the runtime itself (null dereference, out of memory, disk full): the
 *    exception is the cause, whatever business words surround it.
 * 2. Payment-domain failures: a "switch timeout" is a switch outage to the people who
 *    operate it, not a generic timeout.
 * 3. Specific resources and protection mechanisms (pool exhaustion, deadlock, lock wait,
 *    statement timeout, duplicate key, circuit breaker, rate limit, auth, TLS, DNS): they
 *    often mention "timeout" or "connection" as a symptom, so they precede those.
 * 4. Network and upstream symptoms (refused, reset, upstream/read/connect timeouts, 5xx).
 * 5. Generic catch-alls (validation, any other timeout).
 * `classify.test.ts` pins the contested pairs.
 *
 * Matchers run case-insensitively on masked text (variables are `<*>`), capped in length.
 * They use literal words and bounded gaps (`[^\n]{0,40}`) only: no nested quantifiers, so
 * the cost is linear in the input whatever it holds.
 */

/** One catalogued failure kind. */
export interface ReferencePattern {
  /** Unique key of the `error_patterns` row, `<area>.<kind>`. Never renamed. */
  pattern_key: string;
  /** Readable stable name reported by analyses, UPPER_SNAKE. Never renamed. */
  error_pattern: string;
  /** Coarse family, shared by several patterns. */
  error_type: string;
  /** Business domain the pattern belongs to (`transactions`), or null when it is generic. */
  domain: string | null;
  title: string;
  /** A representative template, variables as `<*>`. */
  template: string;
  /** Any of these firing on the masked text selects the pattern. */
  match: RegExp[];
  /**
   * Weaker matchers that apply only when the caller's domain equals `domain`
   * (a bare "declined" means a payment decline in the transactions domain, not elsewhere).
   */
  domain_match?: RegExp[];
  typical_causes: string[];
  resolution_steps: string[];
}

const PAYMENTS = 'transactions';

/*
 * Concept-level signals. One root cause is logged in many words by the many programs that
 * meet it; a pattern recognises the cause by the concepts a message combines, not by one
 * program's sentence. Each concept is a small alternation of the words that carry it.
 */
/** A certificate: "certificate", "cert", "x509", as words or parts of error constants (ERR_CERT_…). */
const CERT = String.raw`(?:certificate|cert(?:s)?(?![a-z])|x\.?509)`;
/** Its validity period is over (or not begun): expired, notAfter, NotTimeValid, DATE_INVALID… */
const CERT_VALIDITY = String.raw`(?:expir(?:ed|es|y|ation)|not yet valid|validity|not ?after|not ?time ?valid|date[ _]?invalid|out of date|lapsed|no longer valid)`;
/** What a peer owes a request: an answer. */
const ANSWER = String.raw`(?:response|reply|answer|ack(?:nowledge?ment)?)`;
/** The other side of a call. */
const PEER = String.raw`(?:server|upstream|backend|host|switch|peer|service|remote|target|origin|gateway)`;
const TIMED_OUT = String.raw`(?:timed? ?-?out|timeout)`;

/** Both concepts within `gap` characters, in either order. */
function near(a: string, b: string, gap = 60): RegExp {
  return new RegExp(`${a}[^\n]{0,${gap}}${b}|${b}[^\n]{0,${gap}}${a}`, 'i');
}

/** The catalog, in precedence order (see the module comment). */
export const REFERENCE_PATTERNS: readonly ReferencePattern[] = Object.freeze([
  // ── 1. Faults named by the runtime ──────────────────────────────────────────────────
  {
    pattern_key: 'code.null_reference',
    error_pattern: 'NULL_REFERENCE',
    error_type: 'CODE',
    domain: null,
    title: 'Null or undefined dereference',
    template: "TypeError: Cannot read properties of undefined (reading '<*>')",
    match: [
      /nullpointerexception|\bnpe\b/i,
      /cannot (?:read|set) propert(?:y|ies) of (?:undefined|null)/i,
      /undefined is not an object/i,
      /null reference|object reference not set to an instance/i,
      /nonetype'? object (?:has no attribute|is not subscriptable)/i,
      /nil pointer dereference|invalid memory address or nil pointer/i,
      /attempt to (?:index|call) a nil value/i,
    ],
    typical_causes: [
      'A code path reads a field of a value that is absent (missing row, optional field, failed lookup)',
      'A recent deployment changed a payload or API contract and the consumer was not updated',
      'Configuration or feature flag missing in this environment',
    ],
    resolution_steps: [
      'Find the first failing stack frame and the input that reached it (use the trace ids)',
      'Roll back the release that introduced it if it started with a deployment',
      'Guard the access and validate the input at the boundary; add a regression test',
    ],
  },
  {
    pattern_key: 'resource.out_of_memory',
    error_pattern: 'OUT_OF_MEMORY',
    error_type: 'RESOURCE',
    domain: null,
    title: 'Out of memory',
    template: 'java.lang.OutOfMemoryError: Java heap space',
    match: [
      /out ?of ?memory|outofmemoryerror/i,
      /\boom(?:killed|[- ]killer| killed)?\b/i,
      /cannot allocate memory|\benomem\b|memoryerror\b/i,
      /memory limit (?:exceeded|reached)|heap (?:space|limit)[^\n]{0,20}(?:exhausted|reached|exceeded)/i,
      /gc overhead limit exceeded|allocation failed[^\n]{0,40}heap/i,
    ],
    typical_causes: [
      'Memory leak (caches or collections that grow without bound)',
      'Container memory limit or heap size too small for the current load',
      'A single oversized request or result set loaded into memory',
    ],
    resolution_steps: [
      'Check memory graphs and restarts (OOMKilled) for the affected pods or hosts',
      'Restart or scale out to restore service, then raise the limit only if usage is legitimate',
      'Take a heap profile to find the growing allocation; bound caches and stream large results',
    ],
  },
  {
    pattern_key: 'resource.disk_full',
    error_pattern: 'DISK_FULL',
    error_type: 'RESOURCE',
    domain: null,
    title: 'Disk full',
    template: 'write <*> failed: No space left on device',
    match: [
      /no space left on device|\benospc\b/i,
      /(?:disk|volume|filesystem|file system|partition|storage)(?: is)? (?:quota )?(?:full|out of space)/i,
      /(?:insufficient|not enough) (?:disk|storage) space|out of disk space|disk quota exceeded/i,
    ],
    typical_causes: [
      'Logs, temporary files or database WAL growing without rotation',
      'Volume sized too small for the data growth',
      'A runaway job writing large files',
    ],
    resolution_steps: [
      'Find what fills the volume (du on the mount) and free space: rotate logs, delete temp files',
      'Expand the volume if the growth is legitimate',
      'Add retention or rotation and a disk-usage alert before it reaches 100%',
    ],
  },

  // ── 2. Payment domain ───────────────────────────────────────────────────────────────
  {
    pattern_key: 'payment.duplicate_transaction',
    error_pattern: 'DUPLICATE_TRANSACTION',
    error_type: 'PAYMENT',
    domain: PAYMENTS,
    title: 'Duplicate transaction',
    template: 'Duplicate transaction <*> rejected: reference already processed',
    match: [
      /duplicate (?:transaction|txn|payment|transfer|request reference|reference)/i,
      /(?:transaction|txn|payment|transfer|reference)[^\n]{0,40}already (?:processed|exists|submitted|completed)/i,
      /idempotency[ _-]?key[^\n]{0,40}(?:reuse|conflict|already|mismatch)/i,
    ],
    typical_causes: [
      'Client retried after a timeout without an idempotency key',
      'Double submission from the UI or a replayed message from the queue',
      'Reference generator collision',
    ],
    resolution_steps: [
      'Confirm the original transaction succeeded and the duplicate was rejected (no double debit)',
      'Make retries idempotent: reuse the same idempotency key or reference',
      'Check the consumer for redelivered messages and deduplicate on the reference',
    ],
  },
  {
    pattern_key: 'payment.insufficient_funds',
    error_pattern: 'INSUFFICIENT_FUNDS',
    error_type: 'PAYMENT',
    domain: PAYMENTS,
    title: 'Insufficient funds',
    template: 'Transfer <*> declined: insufficient funds (account=<*>, requested=<*> BDT)',
    match: [/insufficient (?:funds|balance)|not enough (?:funds|balance)|\bnsf\b/i, /balance (?:too low|is insufficient)/i],
    domain_match: [/low balance/i],
    typical_causes: [
      'Balances not credited after a failed or delayed deposit, salary or settlement run',
      'Holds or reservations not released, or the wrong account debited',
      'Customers genuinely lacking funds (normal at a steady rate; only a spike is an incident)',
    ],
    resolution_steps: [
      'Compare the rate with the usual baseline: a steady rate is business as usual',
      'For a spike, check recent credits and settlement jobs for the affected accounts',
      'Check for stuck holds or reservations and release them',
    ],
  },
  {
    pattern_key: 'payment.switch_unavailable',
    error_pattern: 'PAYMENT_SWITCH_UNAVAILABLE',
    error_type: 'PAYMENT',
    domain: PAYMENTS,
    title: 'Payment switch or card scheme unavailable',
    template: 'NPSB switch unavailable: no response from <*> within <*>',
    match: [
      /\b(?:npsb|visa|mastercard|unionpay|amex|beftn|rtgs|card (?:network|scheme)|(?:payment|card|financial) (?:switch|scheme|network|gateway))\b[^\n]{0,40}(?:(?<!service )unavailable|is down|went down|\bdown\b|unreachable|not reachable|not available|offline|inoperative|connection refused)/i,
      /(?:unable to|cannot|can't|could not|failed to) (?:connect|reach)[^\n]{0,30}\b(?:npsb|visa|mastercard|unionpay|card network|payment switch)\b/i,
      /issuer or switch (?:is )?inoperative|\b(?:issuer|acquirer) (?:is )?(?:unavailable|inoperative|not available|unreachable)/i,
    ],
    // "503 Service Unavailable" is an HTTP answer from a partner's API (UPSTREAM_5XX), not a
    // switch that is down. A switch that answers too late is an upstream timeout (UPSTREAM_TIMEOUT), one cause with a
    // proxy's 504 and a client's "response not received"; this pattern is a switch that is down.
    domain_match: [/\b(?:switch|scheme)\b[^\n]{0,40}(?:unavailable|is down|\bdown\b|unreachable|offline)/i],
    typical_causes: [
      'Outage or maintenance at the switch or scheme',
      'Network link or VPN to the switch down',
      'Expired certificates or keys on the switch connection',
    ],
    resolution_steps: [
      "Check the switch operator's status page or NOC and any announced maintenance",
      'Verify the link: connectivity, VPN tunnel, certificates to the switch endpoint',
      'Enable store-and-forward or route to the fallback switch; tell customers transfers are delayed',
      'Reconcile the transactions that timed out once the switch is back',
    ],
  },
  {
    pattern_key: 'payment.settlement_mismatch',
    error_pattern: 'SETTLEMENT_MISMATCH',
    error_type: 'PAYMENT',
    domain: PAYMENTS,
    title: 'Settlement or reconciliation mismatch',
    template: 'Settlement batch <*> reconciliation mismatch: expected <*> got <*>',
    match: [
      /\b(?:settlement|reconciliation|recon)\b[^\n]{0,40}(?:mismatch|discrepanc|out of balance|unbalanced|does not match|doesn't match|differ)/i,
      /(?:mismatch|discrepanc)[^\n]{0,40}(?:settlement|reconciliation|ledger)/i,
      /ledger[^\n]{0,30}(?:mismatch|imbalance|out of balance|unbalanced)/i,
    ],
    typical_causes: [
      'Transactions in flight at cut-off (timing differences)',
      'Transactions reversed or timed out on one side only',
      'Duplicate or missing entries in the settlement file',
    ],
    resolution_steps: [
      'List the unmatched items and their statuses on both sides',
      'Resolve timed-out transactions with the switch (status inquiry) and post reversals',
      'Re-run reconciliation after the corrections; escalate remaining breaks to finance',
    ],
  },
  {
    pattern_key: 'payment.declined',
    error_pattern: 'TRANSACTION_DECLINED',
    error_type: 'PAYMENT',
    domain: PAYMENTS,
    title: 'Card or transaction declined',
    template: 'Payment <*> declined by issuer: do not honor',
    match: [
      /(?:card|payment|transaction|txn|authori[sz]ation|charge|transfer|purchase)[^\n]{0,40}declined/i,
      /declined by (?:the )?(?:issuer|bank|acquirer|scheme|processor)/i,
      /do not honou?r|(?:card|account) (?:is )?(?:blocked|restricted|frozen)/i,
    ],
    domain_match: [/\bdeclined\b/i],
    typical_causes: [
      'Issuer declines (risk rules, blocked or expired cards, limits)',
      'A spike: wrong data sent to the issuer (expiry, CVV, currency) after a change',
      'Fraud rules tightened at the issuer or acquirer',
    ],
    resolution_steps: [
      'Break declines down by response code and issuer',
      'Compare the rate with the baseline; a spike after a release points at request data',
      'Contact the acquirer or issuer if one issuer dominates',
    ],
  },

  // ── 3. Specific resources and protection mechanisms ─────────────────────────────────
  {
    pattern_key: 'db.pool_exhausted',
    error_pattern: 'DB_POOL_EXHAUSTED',
    error_type: 'DATABASE',
    domain: null,
    title: 'Database connection pool exhausted',
    template: '<*> - Connection is not available, request timed out after <*>',
    match: [
      /(?:connection|conn|db|database|jdbc|datasource|sql|hikari\w*)[ _-]?pool[^\n]{0,40}(?:exhausted|depleted|is full|full|no (?:available|idle|free)|limit reached|timed? ?out|timeout)/i,
      /connection is not available[^\n]{0,40}(?:timed? ?out|timeout)/i,
      /(?:unable to|cannot|could not|failed to|timed? ?out|timeout) (?:while )?(?:acquir\w*|obtain\w*|get\w*|borrow\w*|check\w* out|wait\w* for)[^\n]{0,20}connection[^\n]{0,20}(?:from|in) (?:the )?pool/i,
      /(?:no|zero) (?:available|idle|free) connections? (?:in|from) (?:the )?pool/i,
      /pool exhausted|queuepool limit|(?:connection|db|database) pool limit/i,
      // "Timeout acquiring a connection. The pool is probably full": a connection, then its pool full.
      /\bconnections?\b[^\n]{0,60}\bpool\b[^\n]{0,20}\b(?:is (?:probably |likely |now )?full|exhausted|depleted)/i,
    ],
    typical_causes: [
      'Slow queries or long transactions holding connections',
      'Connection leak: connections not returned to the pool on an error path',
      'Pool size too small for the current concurrency, or more instances sharing a small database limit',
    ],
    resolution_steps: [
      'Check active vs idle connections and the longest-running queries and transactions',
      'Kill or fix the slow queries; look for a leak (connections never returned) in recent changes',
      'Restart the affected instances to release leaked connections if needed',
      'Tune pool size and timeouts against the database max_connections',
    ],
  },
  {
    pattern_key: 'db.too_many_connections',
    error_pattern: 'DB_TOO_MANY_CONNECTIONS',
    error_type: 'DATABASE',
    domain: null,
    title: 'Database refuses new connections (limit reached)',
    template: 'FATAL: sorry, too many clients already',
    match: [/too many (?:clients|connections)|remaining connection slots are reserved|max_connections/i],
    typical_causes: [
      'More application instances or pools than the database connection limit allows',
      'Connection leak in one client exhausting the server limit',
    ],
    resolution_steps: [
      'List connections per client on the database and find the heavy user',
      'Put a pooler (PgBouncer) in front or reduce per-instance pool sizes',
      'Raise max_connections only with the memory to back it',
    ],
  },
  {
    pattern_key: 'resource.thread_pool_exhausted',
    error_pattern: 'THREAD_POOL_EXHAUSTED',
    error_type: 'RESOURCE',
    domain: null,
    title: 'Worker or thread pool saturated',
    template: 'RejectedExecutionException: Task <*> rejected from <*>',
    match: [
      /rejectedexecutionexception/i,
      /(?:thread|worker|executor) ?pool[^\n]{0,40}(?:exhausted|saturated|full|rejected)/i,
      /(?:task|work) queue (?:is )?full/i,
    ],
    typical_causes: ['Downstream calls blocking worker threads', 'Load above capacity', 'Pool or queue sized too small'],
    resolution_steps: [
      'Find what the busy threads wait on (thread dump)',
      'Add timeouts to blocking downstream calls; scale out',
      'Size the pool and queue for the expected load and shed load explicitly',
    ],
  },
  {
    pattern_key: 'db.deadlock',
    error_pattern: 'DB_DEADLOCK',
    error_type: 'DATABASE',
    domain: null,
    title: 'Database deadlock',
    template: 'ERROR: deadlock detected',
    match: [/deadlock/i],
    typical_causes: [
      'Two transactions locking the same rows in opposite orders',
      'Long transactions that touch many rows concurrently',
      'Missing index turning row locks into wider locks',
    ],
    resolution_steps: [
      'Find the two statements in the database deadlock report',
      'Lock rows in a consistent order and keep transactions short',
      'Retry the transaction on deadlock errors; add the missing index',
    ],
  },
  {
    pattern_key: 'db.lock_wait_timeout',
    error_pattern: 'DB_LOCK_WAIT_TIMEOUT',
    error_type: 'DATABASE',
    domain: null,
    title: 'Lock wait timeout',
    template: 'Lock wait timeout exceeded; try restarting transaction',
    match: [
      /lock wait timeout|lock_timeout|lock timeout/i,
      /lock (?:acquisition |request )?(?:timed? ?out|wait exceeded)/i,
      /(?:could not|unable to|failed to) (?:obtain|acquire) (?:a |the )?(?:row |table |advisory )?lock/i,
      /lockacquisitionexception|pessimisticlockexception/i,
    ],
    typical_causes: [
      'A long-running transaction holding row or table locks',
      'Migrations or batch jobs locking hot tables',
      'Hot rows updated by many concurrent transactions',
    ],
    resolution_steps: [
      'Find the blocking session (pg_locks / information_schema.innodb_trx) and what it runs',
      'End the blocker if safe; move batch jobs or migrations off peak',
      'Shorten transactions and reduce contention on hot rows',
    ],
  },
  {
    pattern_key: 'db.statement_timeout',
    error_pattern: 'DB_QUERY_TIMEOUT',
    error_type: 'DATABASE',
    domain: null,
    title: 'Database query timeout',
    template: 'ERROR: canceling statement due to statement timeout',
    match: [
      /statement timeout|statement_timeout|querytimeoutexception/i,
      /query (?:timed? ?out|timeout|execution was interrupted|exceeded[^\n]{0,20}time)/i,
      /(?:sql|db|database|query) (?:command |operation )?(?:timed? ?out|timeout)/i,
    ],
    typical_causes: [
      'Slow query plan (missing index, stale statistics, plan regression)',
      'Database under load or waiting on I/O',
      'Much larger data set than the query was written for',
    ],
    resolution_steps: [
      'Find the slow statement and EXPLAIN ANALYZE it',
      'Add the missing index or update statistics; paginate large reads',
      'Check database CPU, I/O and locks at the time',
    ],
  },
  {
    pattern_key: 'db.duplicate_key',
    error_pattern: 'DB_DUPLICATE_KEY',
    error_type: 'DATABASE',
    domain: null,
    title: 'Duplicate key / unique constraint violation',
    template: 'ERROR: duplicate key value violates unique constraint "<*>"',
    match: [
      /duplicate (?:key|entry)|e11000/i,
      /unique (?:constraint|violation|index|key constraint)|uniqueviolation|unique_violation/i,
      /integrityerror[^\n]{0,40}unique/i,
    ],
    typical_causes: [
      'Retried insert without idempotency (the first attempt succeeded)',
      'Concurrent writers creating the same entity',
      'Sequence or id generator out of sync after a data import',
    ],
    resolution_steps: [
      'Check whether the row already exists and the operation can be treated as done',
      'Use upsert (ON CONFLICT) or an idempotency key for retried writes',
      'Reset the sequence if ids collide after an import',
    ],
  },
  {
    pattern_key: 'availability.circuit_open',
    error_pattern: 'CIRCUIT_BREAKER_OPEN',
    error_type: 'AVAILABILITY',
    domain: null,
    title: 'Circuit breaker open',
    template: 'CircuitBreaker <*> is OPEN and does not permit further calls',
    match: [
      /circuit[ _-]?breaker[^\n]{0,40}(?:open|tripped|half[ _-]open)/i,
      /circuit (?:is )?(?:open|tripped)|breaker (?:is )?open/i,
      /callnotpermittedexception|brokencircuitexception|short-circuited/i,
    ],
    typical_causes: [
      'The protected dependency is failing or slow (the breaker is the symptom)',
      'Thresholds too sensitive for normal error rates',
    ],
    resolution_steps: [
      'Look at the errors that tripped the breaker just before it opened (the real cause)',
      'Restore the dependency; the breaker closes by itself after the wait',
      'Tune thresholds if it trips on normal noise',
    ],
  },
  {
    pattern_key: 'rate_limit.exceeded',
    error_pattern: 'RATE_LIMITED',
    error_type: 'RATE_LIMIT',
    domain: null,
    title: 'Rate limited (429)',
    template: 'Request to <*> failed: 429 Too Many Requests',
    match: [
      /rate[ _-]?limit|ratelimit|too many requests|throttl/i,
      /(?:quota|request limit|api limit|usage limit) (?:exceeded|reached)/i,
    ],
    typical_causes: [
      'Traffic burst or retry storm above the allowed rate',
      'Quota lowered by the provider, or shared by more clients',
      'Missing backoff on retries',
    ],
    resolution_steps: [
      'Identify the caller exceeding the limit and its request rate',
      'Add exponential backoff with jitter and honour Retry-After',
      'Request a higher quota or spread load over time',
    ],
  },
  {
    pattern_key: 'auth.token_expired',
    error_pattern: 'AUTH_TOKEN_EXPIRED',
    error_type: 'AUTHENTICATION',
    domain: null,
    title: 'Expired token or session',
    template: 'JWT expired at <*>. Current time: <*>',
    match: [
      /(?:token|jwt|session|credential|access key|api key|bearer)s?[^\n]{0,20}(?:has |is )?expired/i,
      /expired (?:token|jwt|session|credential|access token)|tokenexpirederror|expiredjwtexception/i,
    ],
    typical_causes: [
      'Token refresh not performed or failing',
      'Clock skew between the issuer and the verifier',
      'Rotated or expired service credentials',
    ],
    resolution_steps: [
      'Check the token refresh path and its errors',
      'Check NTP on the hosts involved (clock skew)',
      'Rotate or renew the service credential and redeploy the secret',
    ],
  },
  {
    pattern_key: 'auth.authentication_failed',
    error_pattern: 'AUTHENTICATION_FAILED',
    error_type: 'AUTHENTICATION',
    domain: null,
    title: 'Authentication failed (401)',
    template: 'Authentication failed for user <*>: invalid credentials',
    match: [
      /\bunauthori[sz]ed\b|unauthenticated/i,
      /authentication (?:failed|failure|error|required)|auth failed|login failed|bad credentials/i,
      /invalid (?:credentials|password|api[ _-]?key|access key|token|signature|client secret|username or password)/i,
      /password authentication failed|access denied for user/i,
    ],
    typical_causes: [
      'Wrong or rotated credentials in the caller configuration',
      'Secret not propagated to a new deployment or environment',
      'Signature or key mismatch between issuer and verifier',
    ],
    resolution_steps: [
      'Identify the failing caller and which credential it uses',
      'Check the secret against the current one and redeploy it',
      'Check the identity provider for lockouts or key rotation',
    ],
  },
  {
    pattern_key: 'auth.forbidden',
    error_pattern: 'AUTHORIZATION_DENIED',
    error_type: 'AUTHORIZATION',
    domain: null,
    title: 'Authorization denied (403)',
    template: 'Access denied: user <*> is not authorized to perform <*>',
    match: [
      /\bforbidden\b|permission denied|access (?:is )?denied|accessdeniedexception/i,
      /not (?:authorized|authorised|permitted|allowed) to/i,
      /insufficient (?:permissions|privileges|scope|rights)|missing (?:permission|scope|role)/i,
    ],
    typical_causes: [
      'Role or policy change removed a permission',
      'Caller uses a credential with the wrong scope',
      'File or resource ownership changed',
    ],
    resolution_steps: [
      'Identify the principal, resource and action denied',
      'Compare with recent IAM, RBAC or policy changes',
      'Grant the minimal missing permission or fix the caller to use the right identity',
    ],
  },
  {
    pattern_key: 'tls.certificate_expired',
    error_pattern: 'TLS_CERT_EXPIRED',
    error_type: 'TLS',
    domain: null,
    title: 'TLS certificate expired',
    template: '<*> certificate has expired or is not yet valid: current time <*> is after <*>',
    // A certificate and the end of its validity, in any words and order; or the PKIX/CertPath
    // validator failing without naming another reason (its failure on a built path is, in
    // practice, the validity check: "PKIX path validation failed: … validity check failed").
    match: [
      near(CERT, CERT_VALIDITY),
      /(?:pkix|cert ?path) (?:path )?validat(?:ion|or)[^\n]{0,20}(?:failed|error|exception)(?![^\n]{0,120}(?:revoked|algorithm|trust anchor|untrusted|unknown|signature))/i,
    ],
    typical_causes: [
      'Certificate not renewed before its notAfter date (renewal job failing)',
      'Renewed certificate not deployed or not reloaded by the server',
      'Clock skew making a valid certificate look expired',
    ],
    resolution_steps: [
      'Check the certificate dates of the endpoint (openssl s_client -connect host:port)',
      'Renew and deploy the certificate, then reload the server or proxy',
      'Fix the renewal automation and add an expiry alert',
    ],
  },
  {
    pattern_key: 'tls.handshake_failed',
    error_pattern: 'TLS_HANDSHAKE_FAILED',
    error_type: 'TLS',
    domain: null,
    title: 'TLS handshake or certificate verification failed',
    template: 'SSLHandshakeException: PKIX path building failed: unable to find valid certification path',
    match: [
      /certificate (?:verify|verification|validation) failed|unable to verify[^\n]{0,30}certificate/i,
      /self[ _-]signed certificate|unknown (?:certificate )?authority|certification path|pkix path/i,
      /sslhandshakeexception|(?:ssl|tls) handshake (?:failed|failure|error)|handshake_failure|bad certificate/i,
      /unable_to_verify_leaf_signature|depth_zero_self_signed_cert|err_tls|ssl_error|wrong version number/i,
      /certificate[^\n]{0,40}(?:hostname|altnames|does not match|not valid for)|certificate (?:is )?(?:only )?valid for[^\n]{0,80}\bnot\b/i,
    ],
    typical_causes: [
      'Missing intermediate certificate or untrusted CA on the client',
      'Hostname not in the certificate subject alternative names',
      'Protocol or cipher mismatch between client and server',
    ],
    resolution_steps: [
      'Inspect the presented chain (openssl s_client -showcerts)',
      'Install the intermediate or CA certificate in the trust store',
      'Align TLS versions and ciphers; fix the hostname or certificate SANs',
    ],
  },
  {
    pattern_key: 'dns.resolution_failed',
    error_pattern: 'DNS_RESOLUTION_FAILED',
    error_type: 'DNS',
    domain: null,
    title: 'DNS resolution failed',
    template: 'getaddrinfo ENOTFOUND <*>',
    match: [
      /\benotfound\b|\beai_again\b|getaddrinfo|unknownhostexception|nxdomain|servfail/i,
      /(?:could not|couldn't|unable to|failed to) resolve (?:host|hostname|address|name|dns)/i,
      /name or service not known|no such host|temporary failure in name resolution|name resolution failed/i,
      /dns[^\n]{0,30}(?:fail|error|timed? ?out|timeout|lookup)/i,
    ],
    typical_causes: [
      'Wrong hostname in configuration (typo, environment suffix)',
      'DNS server or resolver outage, or CoreDNS overloaded',
      'Record deleted or not yet propagated',
    ],
    resolution_steps: [
      'Resolve the name from an affected host (dig / nslookup)',
      'Check resolver health and recent DNS record changes',
      'Fix the hostname in configuration or restore the record',
    ],
  },

  {
    pattern_key: 'queue.consumer_lag',
    error_pattern: 'CONSUMER_LAG',
    error_type: 'QUEUE',
    domain: null,
    title: 'Message consumer falling behind its topic or queue',
    template: 'Consumer group <*> lag <*> on topic <*> exceeds threshold',
    // The cause: a consumer reads slower than producers write. Brokers and monitors say "lag"
    // (records-lag, consumer lag, offset lag), clients say they fell behind, and Kafka's own
    // client says the poll loop stalled (max.poll.interval.ms).
    match: [
      /\bconsumer\b[^\n]{0,60}\blag(?:ging)?\b|\blag(?:ging)?\b[^\n]{0,60}\b(?:partition|topic|offset|consumer|queue)\b/i,
      /records?[-_ ]lag|\blag\b[^\n]{0,30}\b(?:exceeds?|above|over)\b[^\n]{0,15}threshold/i,
      /(?:consumer|subscriber|subscription|worker)\b[^\n]{0,40}\b(?:fell|falling|fallen|is) behind\b|\bbehind (?:the )?(?:producer|log end|head|latest offset)/i,
      /poll(?:\(\))? (?:timeout|interval) has expired|max\.poll\.interval\.ms/i,
    ],
    typical_causes: [
      'Consumers slower than producers: a slow downstream write or call in the processing loop',
      'Too few consumer instances or partitions for the load',
      'A poison message retried forever, or a rebalance storm',
    ],
    resolution_steps: [
      'Check consumer throughput against the producer rate and which partitions lag',
      'Find what the processing loop waits on (slow writes, calls) and fix or batch it',
      'Scale consumers (up to the partition count); skip or dead-letter a poison message',
    ],
  },

  // ── 4. Network and upstream symptoms ────────────────────────────────────────────────
  {
    pattern_key: 'net.connection_refused',
    error_pattern: 'CONNECTION_REFUSED',
    error_type: 'CONNECTION',
    domain: null,
    title: 'Connection refused',
    template: 'connect ECONNREFUSED <*>',
    match: [/connection refused|\beconnrefused\b|actively refused|connectexception: connection refused/i],
    typical_causes: [
      'Target service down, crashing or restarting',
      'Wrong host or port in configuration',
      'Service not listening on the expected interface',
    ],
    resolution_steps: [
      'Check the target service health and restarts',
      'Verify host and port in configuration and service discovery',
      'Check that the process listens on the expected address',
    ],
  },
  {
    pattern_key: 'net.connection_reset',
    error_pattern: 'CONNECTION_RESET',
    error_type: 'CONNECTION',
    domain: null,
    title: 'Connection reset or closed by peer',
    template: 'read ECONNRESET',
    match: [
      /connection reset|\beconnreset\b|reset by peer|broken pipe|\bepipe\b|socket hang up/i,
      /(?:server|remote|peer|upstream) (?:unexpectedly )?closed (?:the )?connection|connection (?:was )?(?:closed|aborted) (?:unexpectedly|by (?:the )?(?:peer|remote|server))/i,
    ],
    typical_causes: [
      'Idle connections closed by a load balancer or NAT before the client reused them',
      'Peer crashing or restarting during requests',
      'Proxy or server timeouts shorter than the client keep-alive',
    ],
    resolution_steps: [
      'Compare keep-alive and idle timeouts between client, load balancer and server',
      'Check the peer for restarts at the same time',
      'Retry idempotent requests on reset',
    ],
  },
  {
    pattern_key: 'timeout.upstream',
    error_pattern: 'UPSTREAM_TIMEOUT',
    error_type: 'TIMEOUT',
    domain: null,
    title: 'Upstream timeout (504): the called service never answered',
    template: 'upstream timed out (<*> Connection timed out) while reading response header from upstream',
    // The cause is one: a called service (upstream, backend, switch, host) did not answer in
    // time. Proxies say "gateway timeout", clients "no response", "response not received",
    // "did not respond", "timed out waiting for a reply", RPC "deadline exceeded". Socket-level
    // read timeouts named by the runtime stay READ_TIMEOUT; named payment networks stay
    // PAYMENT_SWITCH_UNAVAILABLE (they come first).
    match: [
      new RegExp(String.raw`upstream (?:request )?${TIMED_OUT}|gateway ${TIMED_OUT}|upstream[^\n]{0,40}${TIMED_OUT}`, 'i'),
      /deadline[ _]exceeded|context deadline exceeded/i,
      // A named peer or payment network that timed out: "switch timeout", "Visa network timeout".
      // ("switch to the fallback after a timeout" is the verb, not the peer.)
      new RegExp(String.raw`\b(?:${PEER}|npsb|visa|mastercard|unionpay|amex|beftn|rtgs|card (?:network|scheme))\b(?! (?:to|over|back)\b)[^\n]{0,30}${TIMED_OUT}`, 'i'),
      new RegExp(String.raw`\bno ${ANSWER}s?\b(?! (?:body|content|data|payload|headers?)\b)|${ANSWER}s? (?:was |were )?not received|\bnot received (?:within|after|in time|before)`, 'i'),
      /(?:did ?n[o']?t|does ?n[o']?t|failed to|never|unable to|could ?n[o']?t) (?:respond|reply|answer)|\bnot (?:responding|answering)\b|\bunresponsive\b/i,
      new RegExp(String.raw`${TIMED_OUT} (?:while )?(?:waiting|awaiting) (?:for )?(?:an? |the )?(?:${ANSWER}|${PEER})|(?:awaiting|waiting for) (?:an? |the )?${ANSWER}[^\n]{0,60}${TIMED_OUT}|${ANSWER} ${TIMED_OUT}`, 'i'),
    ],
    typical_causes: [
      'The upstream service is slow (load, slow queries, GC pauses)',
      'Proxy timeout shorter than the upstream processing time',
      'Upstream saturated: requests queue until they time out',
    ],
    resolution_steps: [
      'Check the upstream latency and saturation at the time',
      'Find what the slow requests wait on (traces)',
      'Align proxy and client timeouts with the real latency budget; scale the upstream',
    ],
  },
  {
    pattern_key: 'timeout.read',
    error_pattern: 'READ_TIMEOUT',
    error_type: 'TIMEOUT',
    domain: null,
    title: 'Read or response timeout',
    template: 'java.net.SocketTimeoutException: Read timed out',
    match: [
      /read (?:timed? ?out|timeout)|readtimeout|sockettimeoutexception|esockettimedout/i,
      /socket (?:timed? ?out|timeout)/i,
      /timed out (?:while )?reading/i,
    ],
    typical_causes: [
      'The remote service accepted the connection but answered too slowly',
      'Large responses over a slow link',
      'Timeout set below the service latency',
    ],
    resolution_steps: [
      'Check the remote service latency and errors at the time',
      'Trace a slow request end to end',
      'Adjust the read timeout to the latency budget and add retries with backoff for idempotent calls',
    ],
  },
  {
    pattern_key: 'timeout.connect',
    error_pattern: 'CONNECT_TIMEOUT',
    error_type: 'TIMEOUT',
    domain: null,
    title: 'Connect timeout',
    template: 'connect ETIMEDOUT <*>',
    match: [
      /connect(?:ion)?[ _-]?(?:timed? ?out|timeout)|connecttimeout|\betimedout\b/i,
      /(?:timed? ?out|timeout) (?:while )?(?:connecting|establishing)/i,
    ],
    typical_causes: [
      'Target host unreachable (firewall, security group, routing)',
      'Target overloaded and not accepting connections (backlog full)',
      'Wrong address resolving to a black hole',
    ],
    resolution_steps: [
      'Test connectivity from an affected host (nc -vz host port)',
      'Check firewall, security group and network changes',
      'Check the target accept queue and load',
    ],
  },
  {
    pattern_key: 'upstream.5xx',
    error_pattern: 'UPSTREAM_5XX',
    error_type: 'UPSTREAM',
    domain: null,
    title: 'Upstream server error (5xx / bad gateway)',
    template: 'Upstream <*> responded 502 Bad Gateway',
    match: [
      /bad gateway|service (?:temporarily )?unavailable|internal server error/i,
      /upstream[^\n]{0,40}(?:error|failed|failure|unavailable|prematurely closed|unhealthy|5xx)|no (?:healthy )?upstream/i,
      /\b5\d\d (?:bad gateway|service unavailable|internal server error|gateway timeout)|\b5xx\b/i,
    ],
    typical_causes: [
      'The upstream service failing (deploy, crash, dependency down)',
      'No healthy instances behind the load balancer',
      'Proxy misconfiguration after a change',
    ],
    resolution_steps: [
      'Check the upstream service logs and health at the same time',
      'Check recent deployments of the upstream and roll back if they coincide',
      'Check load balancer targets and health checks',
    ],
  },

  // ── 5. Generic catch-alls ───────────────────────────────────────────────────────────
  {
    pattern_key: 'validation.failed',
    error_pattern: 'VALIDATION_ERROR',
    error_type: 'VALIDATION',
    domain: null,
    title: 'Request validation failed',
    template: 'Validation failed for request <*>: amount must be positive',
    match: [
      /validation (?:failed|error|exception)|validationerror|validationexception|constraintviolationexception|methodargumentnotvalid/i,
      /invalid (?:request|input|payload|parameter|argument|field|format|value|json|body|amount|account number|iban|currency)/i,
      /(?:missing|required) (?:field|parameter|property|header|argument)|\bis (?:required|missing)\b/i,
      /malformed (?:request|json|payload|input|body)|unprocessable entity|bad request|schema validation/i,
    ],
    typical_causes: [
      'Client sending data in a format the service no longer accepts (contract change)',
      'A bug in a client building requests',
      'Abusive or fuzzing traffic',
    ],
    resolution_steps: [
      'Group the failures by field and client',
      'Compare with recent API contract changes on both sides',
      'Fix the client or accept the old format during a migration period',
    ],
  },
  {
    pattern_key: 'timeout.generic',
    error_pattern: 'TIMEOUT',
    error_type: 'TIMEOUT',
    domain: null,
    title: 'Operation timed out',
    template: 'Operation <*> timed out after <*>',
    match: [/timed? ?out|timeout|time limit exceeded/i],
    typical_causes: ['A dependency answering too slowly', 'Resource saturation (CPU, I/O, locks)', 'Timeout too tight for the work'],
    resolution_steps: [
      'Find which call times out and what it waits on (traces)',
      'Check the dependency latency and saturation at the time',
      'Tune the timeout to the latency budget and add backoff on retries',
    ],
  },
] satisfies ReferencePattern[]);

/** HTTP status codes that name a catalogued pattern when they appear in a message ("returned 503"). */
export const STATUS_PATTERN_KEYS: Readonly<Record<number, string>> = Object.freeze({
  400: 'validation.failed',
  401: 'auth.authentication_failed',
  403: 'auth.forbidden',
  408: 'timeout.generic',
  422: 'validation.failed',
  429: 'rate_limit.exceeded',
  500: 'upstream.5xx',
  501: 'upstream.5xx',
  502: 'upstream.5xx',
  503: 'upstream.5xx',
  504: 'timeout.upstream',
});
