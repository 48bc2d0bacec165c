/**
 * The vocabulary of the quality suite: root causes, the several ways different software logs
 * each of them, the services that log them (each tagged with its own domain), partners, and
 * the background noise of an ordinary day. Nothing here names a cause in the text it must be
 * inferred from: a cause is an id in the ground truth, its log lines are what real software
 * prints (`HikariPool-1 - Connection is not available`, `x509: certificate has expired`).
 */
import type { Dice } from '../../packages/core/src/analysis/incidents.fixture.ts';
import type { LogLevel } from '../../packages/core/src/schemas.ts';

export const CAUSES = [
  'tls_expiry',
  'db_pool',
  'switch_timeout',
  'rate_limit',
  'dns_failure',
  'disk_full',
  'oom_kill',
  'token_expiry',
  'db_deadlock',
  'partner_5xx',
  'kafka_lag',
  'conn_refused',
] as const;
export type CauseId = (typeof CAUSES)[number];

export const DOMAINS = ['transactions', 'auth', 'accounts', 'notifications', 'infrastructure'] as const;
export type Domain = (typeof DOMAINS)[number];

export const PARTNERS = ['bkash', 'nagad', 'rocket', 'upay', 'visa', 'mastercard', 'tap', 'sslcommerz'] as const;

/**
 * Services and the domain their logs are tagged with. Partner connectors are
 * `<partner>-connector` (transactions) and are added per incident.
 */
export const SERVICES: Record<string, Domain> = {
  'transfer-api': 'transactions',
  'payments-api': 'transactions',
  'ledger-svc': 'transactions',
  'wallet-api': 'transactions',
  'payout-service': 'transactions',
  'settlement-worker': 'transactions',
  'npsb-connector': 'transactions',
  'card-auth-service': 'transactions',
  'ledger-consumer': 'transactions',
  'auth-service': 'auth',
  'token-service': 'auth',
  'sso-gateway': 'auth',
  'accounts-service': 'accounts',
  'kyc-service': 'accounts',
  'profile-api': 'accounts',
  'notification-service': 'notifications',
  'sms-gateway': 'notifications',
  'audit-consumer': 'infrastructure',
  pgbouncer: 'infrastructure',
  'db-proxy': 'infrastructure',
};

export function serviceDomain(service: string): Domain {
  return SERVICES[service] ?? (service.endsWith('-connector') ? 'transactions' : 'infrastructure');
}

/** What stays fixed for one incident (the failing dependency) while each line varies. */
export interface IncidentContext {
  partner: string;
  /** Host name of the failing dependency. */
  host: string;
  ip: string;
  port: number;
  db: string;
  table: string;
  topic: string;
  group: string;
}

export interface LineContext extends IncidentContext {
  d: Dice;
  at: Date;
  service: string;
}

export interface Template {
  render: (c: LineContext) => string;
  /** An HTTP status or error code the line carries, for questions that name it. */
  code?: string;
  /** The line names the incident's partner (so a question may name it). */
  partner?: boolean;
}

export interface CauseSpec {
  /** A readable name for reports; it never appears in generated text. */
  name: string;
  level: LogLevel;
  /** Services that log this cause; `<partner>` is the incident's partner connector. */
  loggers: string[];
  templates: Template[];
  /** How an engineer wrote down what fixed it (feedback and backfilled incidents). */
  resolutions: ((c: IncidentContext, d: Dice) => string)[];
  /** Words a user would use for this failure next to a service name ("DB connection errors"). */
  phrases: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const txn = (d: Dice) => `TXN${d.int(10_000_000, 99_999_999)}`;
const req = (d: Dice) => `req-${d.hex(12)}`;

export const CAUSE_SPECS: Record<CauseId, CauseSpec> = {
  tls_expiry: {
    name: 'TLS certificate expiry',
    level: 'error',
    loggers: ['<partner>', 'payout-service', 'sms-gateway', 'sso-gateway'],
    templates: [
      { render: (c) => `x509: certificate has expired or is not yet valid: current time ${iso(c.at.getTime())} is after ${iso(c.at.getTime() - c.d.int(1, 40) * 3_600_000)}` },
      { render: (c) => `javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed (${c.host}:${c.port})`, partner: true },
      { render: (c) => `SSL routines:tls_process_server_certificate:certificate verify failed: certificate has expired (${c.host}:443, attempt ${c.d.int(1, 3)})`, partner: true },
      { render: (c) => `Error: certificate has expired at TLSSocket.onConnectSecure (node:_tls_wrap:${c.d.int(1500, 1700)}:34) code=CERT_HAS_EXPIRED host=${c.host}`, partner: true },
    ],
    resolutions: [
      (c) => `renewed the ${c.host} client certificate and restarted the connector`,
      (c) => `installed the partner's new intermediate CA for ${c.partner} and reloaded the trust store`,
      () => 'rotated the expired certificate via cert-manager and redeployed',
    ],
    phrases: ['TLS errors', 'SSL handshake failures', 'certificate errors'],
  },
  db_pool: {
    name: 'database connection-pool exhaustion',
    level: 'error',
    loggers: ['payments-api', 'ledger-svc', 'wallet-api', 'accounts-service', 'auth-service', 'kyc-service'],
    templates: [
      { render: (c) => `HikariPool-${c.d.int(1, 4)} - Connection is not available, request timed out after ${c.d.int(30_000, 30_090)}ms.` },
      { render: (c) => `sqlalchemy.exc.TimeoutError: QueuePool limit of size ${c.d.pick([10, 20, 30])} overflow ${c.d.pick([5, 10])} reached, connection timed out, timeout ${c.d.pick([30, 60])}.00` },
      { render: (c) => `KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call? (db=${c.db})` },
      { render: (c) => `failed to acquire connection from pool ${c.db}: pool exhausted (max=${c.d.pick([20, 50, 100])}, in_use=all, waiting=${c.d.int(3, 400)})` },
    ],
    resolutions: [
      (c) => `raised the ${c.db} pool size and fixed a connection leak in the batch job`,
      () => 'killed long-running idle-in-transaction sessions and added a statement timeout',
      () => 'rolled back the release that held connections across HTTP calls',
    ],
    phrases: ['DB connection errors', 'database connection timeouts', 'db pool errors'],
  },
  switch_timeout: {
    name: 'payment switch / gateway timeout',
    level: 'error',
    loggers: ['npsb-connector', 'transfer-api', 'card-auth-service', 'settlement-worker'],
    templates: [
      { render: (c) => `NPSB switch timeout: no response for STAN ${c.d.int(100000, 999999)} within ${c.d.pick([25, 30, 45])}000ms (switch ${c.ip}:${c.port})` },
      { render: (c) => `ISO8583 0200 to ${c.ip}:${c.port}: response not received within ${c.d.pick([20, 30])}s, RRN ${c.d.int(100000000000, 999999999999)}` },
      { render: (c) => `504 Gateway Timeout from switch gateway ${c.host} for transfer ${txn(c.d)}`, code: '504' },
      { render: (c) => `Switch did not answer authorisation request (MTI 0110 missing) after ${c.d.int(20_000, 40_000)}ms, reversing ${txn(c.d)}` },
    ],
    resolutions: [
      () => 'switch operator restarted the NPSB gateway node; failed transfers re-queued',
      (c) => `failed over to the secondary switch link ${c.ip} and raised a ticket with the switch`,
      () => 'increased the switch timeout and enabled stand-in processing until the switch recovered',
    ],
    phrases: ['switch timeouts', 'gateway timeouts'],
  },
  rate_limit: {
    name: 'partner rate limiting',
    level: 'error',
    loggers: ['<partner>', 'payout-service', 'sms-gateway'],
    templates: [
      { render: (c) => `${c.partner} API responded 429 Too Many Requests for POST /checkout/payment/create (retry-after ${c.d.int(5, 60)}s)`, code: '429', partner: true },
      { render: (c) => `Rate limit exceeded calling ${c.host}: ${c.d.int(1100, 2400)} requests in 60s, limit 1000; request ${req(c.d)} rejected`, partner: true },
      { render: (c) => `HTTP 429 from ${c.host}/v1/disburse; backing off ${c.d.int(200, 8000)}ms (attempt ${c.d.int(1, 5)}/5)`, code: '429', partner: true },
      { render: (c) => `throttled by ${c.partner}: quota exhausted for client ${c.d.hex(8)} (x-ratelimit-remaining: 0)`, partner: true },
    ],
    resolutions: [
      (c) => `asked ${c.partner} to raise our quota and added client-side token bucket`,
      () => 'spread the payout batch over 30 minutes instead of firing it at once',
      () => 'enabled retry with jittered backoff honouring Retry-After',
    ],
    phrases: ['rate limit errors', 'throttling'],
  },
  dns_failure: {
    name: 'DNS resolution failure',
    level: 'error',
    loggers: ['payments-api', 'notification-service', 'payout-service', 'kyc-service', '<partner>'],
    templates: [
      { render: (c) => `getaddrinfo ENOTFOUND ${c.host}`, partner: true },
      { render: (c) => `java.net.UnknownHostException: ${c.host}: Name or service not known`, partner: true },
      { render: (c) => `dial tcp: lookup ${c.host} on 10.96.0.10:53: no such host`, partner: true },
      { render: (c) => `Temporary failure in name resolution while connecting to ${c.host}:${c.port}`, partner: true },
    ],
    resolutions: [
      () => 'restarted CoreDNS pods and raised their memory limit',
      (c) => `restored the ${c.host} record that was dropped from the private zone`,
      () => 'fixed ndots in the pod dnsConfig so external names resolve first try',
    ],
    phrases: ['DNS errors', 'name resolution failures'],
  },
  disk_full: {
    name: 'disk full',
    level: 'error',
    loggers: ['ledger-svc', 'settlement-worker', 'kyc-service', 'notification-service', 'pgbouncer'],
    templates: [
      { render: (c) => `could not extend file "base/${c.d.int(16000, 17000)}/${c.d.int(2000, 99999)}": No space left on device` },
      { render: (c) => `ENOSPC: no space left on device, write '/var/lib/${c.service}/spool/${c.d.hex(6)}.tmp'` },
      { render: () => 'java.io.IOException: No space left on device at java.io.FileOutputStream.writeBytes(Native Method)' },
      { render: (c) => `write /data/${c.service}/segments/${c.d.int(1000, 99999)}.log: disk quota exceeded (usage 100%, volume ${c.db}-data)` },
    ],
    resolutions: [
      () => 'expanded the volume by 200 GiB and set up log rotation',
      () => 'deleted old WAL archives and fixed the archive_command cleanup',
      (c) => `moved ${c.db} spool files to object storage and added a disk usage alert at 80%`,
    ],
    phrases: ['disk errors', 'storage errors', 'disk space problems'],
  },
  oom_kill: {
    name: 'out-of-memory kill',
    level: 'error',
    loggers: ['payments-api', 'ledger-svc', 'kyc-service', 'notification-service', 'wallet-api'],
    templates: [
      { render: (c) => `java.lang.OutOfMemoryError: Java heap space (heap ${c.d.pick([512, 1024, 2048])}m, thread pool-${c.d.int(1, 9)}-thread-${c.d.int(1, 64)})` },
      { render: () => 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' },
      { render: (c) => `Memory cgroup out of memory: Killed process ${c.d.int(1000, 65000)} (${c.d.pick(['java', 'node', 'python3'])}) total-vm:${c.d.int(2_000_000, 9_000_000)}kB, anon-rss:${c.d.int(900_000, 4_000_000)}kB` },
      { render: (c) => `container ${c.service} in pod ${c.service}-${c.d.hex(5)}-${c.d.hex(5)} terminated: OOMKilled (exit code 137), restart ${c.d.int(1, 30)}`, code: '137' },
    ],
    resolutions: [
      () => 'raised the memory limit to 2Gi and capped the in-memory report cache',
      () => 'fixed an unbounded list in the statement export and redeployed',
      () => 'set -Xmx to 75% of the container limit',
    ],
    phrases: ['memory errors', 'OOM crashes', 'pods restarting'],
  },
  token_expiry: {
    name: 'auth token expiry',
    level: 'error',
    loggers: ['auth-service', 'token-service', 'payout-service', 'wallet-api', '<partner>'],
    templates: [
      { render: (c) => `io.jsonwebtoken.ExpiredJwtException: JWT expired at ${iso(c.at.getTime() - c.d.int(60, 7200) * 1000)}. Current time: ${iso(c.at.getTime())}` },
      { render: (c) => `401 Unauthorized from ${c.host}: {"error":"invalid_token","error_description":"The access token expired"}`, code: '401', partner: true },
      { render: (c) => `token refresh failed for client ${c.d.hex(8)}: access token expired ${c.d.int(5, 3600)}s ago and refresh grant was rejected` },
      { render: (c) => `jwt: token is expired by ${c.d.int(1, 59)}m${c.d.int(0, 59)}s (sub=${c.d.int(100000, 999999)})` },
    ],
    resolutions: [
      () => 'fixed the token refresher that stopped after the signing-key rotation',
      (c) => `re-issued the ${c.partner} client credentials and restarted the token cache`,
      () => 'synced NTP on the auth nodes (clock drift made fresh tokens look expired)',
    ],
    phrases: ['token errors', 'authentication failures'],
  },
  db_deadlock: {
    name: 'database deadlock',
    level: 'error',
    loggers: ['ledger-svc', 'payments-api', 'wallet-api', 'accounts-service', 'settlement-worker'],
    templates: [
      { render: (c) => `ERROR: deadlock detected DETAIL: Process ${c.d.int(1000, 60000)} waits for ShareLock on transaction ${c.d.int(1_000_000, 9_000_000)}; blocked by process ${c.d.int(1000, 60000)}. SQLSTATE 40P01`, code: '40P01' },
      { render: (c) => `Deadlock found when trying to get lock; try restarting transaction (errno 1213) on ${c.table}` },
      { render: (c) => `Transaction (Process ID ${c.d.int(50, 400)}) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.` },
      { render: (c) => `org.postgresql.util.PSQLException: ERROR: deadlock detected while updating ${c.table} id=${c.d.int(1, 9_999_999)}`, code: '40P01' },
    ],
    resolutions: [
      (c) => `made the settlement job lock ${c.table} rows in id order`,
      () => 'split the balance update out of the long transaction',
      () => 'rolled back the migration that added the trigger on ledger entries',
    ],
    phrases: ['DB lock errors', 'database errors'],
  },
  partner_5xx: {
    name: 'partner upstream 5xx',
    level: 'error',
    loggers: ['<partner>', 'payout-service', 'card-auth-service'],
    templates: [
      { render: (c) => `${c.partner} API returned 503 Service Unavailable for /payment/execute (${c.d.int(40, 9000)}ms)`, code: '503', partner: true },
      { render: (c) => `upstream ${c.host} responded 502 Bad Gateway to POST /v2/payouts`, code: '502', partner: true },
      { render: (c) => `Partner call failed: HTTP 500 Internal Server Error from ${c.partner} (merchant ${c.d.int(10000, 99999)})`, code: '500', partner: true },
      { render: (c) => `${c.partner} disbursement failed: status=503 body="upstream connect error or disconnect/reset before headers"`, code: '503', partner: true },
    ],
    resolutions: [
      (c) => `${c.partner} fixed an outage on their side; we replayed failed payouts`,
      (c) => `switched ${c.partner} traffic to their secondary endpoint until they recovered`,
      () => 'opened the circuit breaker and queued requests for retry',
    ],
    phrases: ['partner errors', 'upstream errors'],
  },
  kafka_lag: {
    name: 'Kafka consumer lag',
    level: 'warn',
    loggers: ['ledger-consumer', 'notification-service', 'settlement-worker', 'audit-consumer'],
    templates: [
      { render: (c) => `Consumer group ${c.group} lag ${c.d.int(20_000, 900_000)} on topic ${c.topic} partition ${c.d.int(0, 11)} exceeds threshold 10000` },
      { render: (c) => `[Consumer clientId=${c.group}-${c.d.int(1, 6)}, groupId=${c.group}] consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms` },
      { render: (c) => `records-lag-max ${c.d.int(20_000, 900_000)} for ${c.topic}-${c.d.int(0, 11)}; processing ${c.d.int(10, 300)} msg/s behind producer rate ${c.d.int(800, 4000)} msg/s` },
      { render: (c) => `consumer ${c.group} fell behind: committed offset ${c.d.int(1_000_000, 5_000_000)}, log end offset ${c.d.int(6_000_000, 9_000_000)} (${c.topic}/${c.d.int(0, 11)})` },
    ],
    resolutions: [
      () => 'scaled the consumer deployment to 12 replicas and raised partitions',
      () => 'fixed the slow ledger write that blocked the poll loop',
      (c) => `reset ${c.group} offsets after the poison message was skipped`,
    ],
    phrases: ['kafka consumer problems', 'consumer lag', 'queue backlog'],
  },
  conn_refused: {
    name: 'dependency connection refused',
    level: 'error',
    loggers: ['payments-api', 'auth-service', 'wallet-api', 'notification-service', 'ledger-svc'],
    templates: [
      { render: (c) => `Error: connect ECONNREFUSED ${c.ip}:${c.port}` },
      { render: (c) => `java.net.ConnectException: Connection refused (Connection refused) to ${c.ip}:${c.port}` },
      { render: (c) => `dial tcp ${c.ip}:${c.port}: connect: connection refused` },
      { render: (c) => `psycopg2.OperationalError: could not connect to server: Connection refused. Is the server running on host "${c.ip}" and accepting TCP/IP connections on port ${c.port}?` },
    ],
    resolutions: [
      (c) => `restarted the crashed dependency on ${c.ip} and fixed its liveness probe`,
      () => 'restored the security group rule removed by the network change',
      () => 'pointed clients at the new service address after the migration',
    ],
    phrases: ['connection errors', 'connection refused errors'],
  },
};

/** Cause-neutral ways a service that calls a failing dependency reports it (the symptom). */
export const SYMPTOM_TEMPLATES: ((d: Dice, path: string) => string)[] = [
  (d, path) => `POST ${path} failed with status 500 after ${d.int(40, 31_000)}ms (request ${req(d)})`,
  (d) => `transfer ${txn(d)} aborted: downstream call failed`,
  (d) => `Unhandled exception while processing request ${req(d)}: internal server error`,
  (d) => `transfer ${txn(d)} rolled back after ${d.int(40, 31_000)}ms: dependency error`,
];

/** Services an alert about a failing front end is labelled with (symptoms are measured there). */
export const FRONT_SERVICES = ['transfer-api', 'payments-api', 'wallet-api'];

export const AREAS: Record<Domain, string[]> = {
  transactions: ['transfers', 'payments', 'fund transfers', 'payouts', 'card payments', 'wallet top-ups', 'disbursements'],
  auth: ['logins', 'sign-ins', 'authentication', 'token refresh', 'OTP verification'],
  accounts: ['balance checks', 'account lookups', 'KYC checks', 'onboarding'],
  notifications: ['SMS notifications', 'push notifications', 'notification delivery'],
  infrastructure: ['the database', 'kafka consumers', 'the pods', 'k8s nodes'],
};

export const INFO_LINES: ((d: Dice, service: string) => string)[] = [
  (d) => `GET /api/v1/accounts/${d.int(1000, 99999)}/balance 200 ${d.int(2, 90)}ms`,
  (d) => `POST /api/v1/transfers 201 ${d.int(30, 400)}ms`,
  (d) => `Processed batch ${d.int(1, 99999)} with ${d.int(1, 500)} items in ${d.int(5, 900)}ms`,
  (d, s) => `Health check passed for ${s}-${d.int(1, 40)}`,
  (d) => `User ${d.int(1, 500000)} signed in from ${d.ip()}`,
  (d) => `Cache refreshed: ${d.int(100, 20000)} entries loaded`,
  (d) => `Transfer ${txn(d)} completed in ${d.int(40, 800)}ms`,
  (d) => `Consumed ${d.int(1, 900)} messages from txn-events in ${d.int(2, 300)}ms`,
  (d) => `SMS ${d.hex(10)} delivered via provider in ${d.int(200, 3000)}ms`,
  (d) => `Scheduled job reconcile-${d.int(1, 99)} finished`,
];

/** Unrelated warnings at a steady low rate, in the window and before it. */
export const STEADY_WARNINGS: ((d: Dice) => string)[] = [
  (d) => `Slow query on table accounts took ${d.int(1000, 5000)}ms`,
  (d) => `Retrying request to node-${d.int(1, 40)} (attempt ${d.int(2, 3)} of 3)`,
  () => 'Deprecated configuration key payments.legacyMode is set',
  (d) => `GC pause of ${d.int(210, 900)}ms exceeded the 200ms target`,
  (d) => `Certificate for internal-ca rotates in ${d.int(10, 60)} days`,
];

/** Unrelated errors, a few per window. */
export const SPORADIC_ERRORS: ((d: Dice) => string)[] = [
  (d) => `Validation failed for transfer request ${txn(d)}: amount must be positive`,
  (d) => `Report export ${d.int(1, 9999)} failed: template not found`,
  (d) => `Webhook delivery to merchant ${d.int(10000, 99999)} failed: 404 Not Found`,
];

export const PROJECTS = ['core-banking', 'wallet', 'remit', 'cards', 'lending', 'merchant', 'agent-banking', 'payroll', 'savings', 'microfinance', 'treasury', 'billpay', 'loyalty', 'insurance'];
export const TABLES = ['ledger_entries', 'accounts', 'balances', 'transfers', 'settlements'];
export const TOPICS = ['txn-events', 'ledger-postings', 'notifications-out', 'audit-trail'];
