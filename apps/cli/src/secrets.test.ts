/**
 * No secret is stored (issue 10): a corpus of secrets and personal data, of every kind the
 * redactor knows, is sent through every door of the ingress, the workers run every analysis
 * to its end, and then a dump of the test database (every row of every table, as text) and
 * of Redis (every key of the test prefix: BullMQ job data, events, cached analyses) is
 * searched for each secret value. A finding names the secret and where it was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './testing.ts';
import { dumpTables, type TestDatabase } from '@loglore/db/testing';
import { dumpPrefixKeys } from '@loglore/queue';
import type { TestIngress } from '../../ingress/src/testing.ts';

const AT = '2026-11-25T10:30:00Z';
const ts = (minute: number, second = 0) => `2026-11-25T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}Z`;

/** A PEM private key whose every body line is distinctive, so any stored line is found. */
const PEM_LINES = [
  'MIIEowIBAAKCAQEAlogloreSecretPemLineOne0000000000000000000000000000',
  'lOgLoReSecretPemLineTwo+/1111111111111111111111111111111111111111',
  'LOGLORESECRETPEMLINETHREE222222222222222222222222222222222222222=',
];
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', ...PEM_LINES, '-----END RSA PRIVATE KEY-----'].join('\n');

/** Each secret value the dump must not contain, by kind (as the redactor names them). */
const SECRETS = {
  aws_access_key: 'AKIAZ7Q3X5LOGLORE9WJ',
  github_token: `ghp_${'Lg7'.repeat(12)}`,
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsb2dsb3JlLXNlY3JldHMifQ.c2lnbmF0dXJlLWxvZ2xvcmUtc2VjcmV0',
  bearer_token: 'lgBearer7f3a9c2e1d5b',
  url_password: 'Hunter2LoglorePw',
  password: 'Sw0rdfishLg42',
  api_token_value: 'plainTokenValue9z8y',
  card: '5555555555554444',
  email: 'ann.secret@loglore-bank.example',
  phone: '+44 20 7946 0958',
  pem_line_1: PEM_LINES[0]!,
  pem_line_2: PEM_LINES[1]!,
  pem_line_3: PEM_LINES[2]!,
} as const;

/** One sentence carrying every secret but the PEM key, the way a log line or a question would. */
const LEAKY =
  `login failed for ${SECRETS.email} (card ${SECRETS.card}, phone ${SECRETS.phone}) with key ${SECRETS.aws_access_key}, ` +
  `git token ${SECRETS.github_token}, session ${SECRETS.jwt}, Authorization: Bearer ${SECRETS.bearer_token}, ` +
  `db postgres://ledger:${SECRETS.url_password}@db.internal:5432/ledger password=${SECRETS.password} api_token=${SECRETS.api_token_value}`;

describe('no secret reaches Postgres or Redis, whatever door it comes through', () => {
  let stack: TestStack;
  let database: TestDatabase;
  let ingress: TestIngress;
  const requestIds: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    ({ database, ingress } = stack);
  });
  afterAll(async () => {
    await stack.close();
  });

  const send = async (path: string, body: string, type = 'application/json') => {
    const res = await ingress.app.request(path, { method: 'POST', headers: { 'content-type': type }, body });
    const text = await res.text();
    expect({ path, status: res.status < 300 ? 'ok' : `${res.status} ${text}` }).toEqual({ path, status: 'ok' });
    return JSON.parse(text) as Record<string, unknown>;
  };
  const post = (path: string, body: unknown) => send(path, JSON.stringify(body));

  async function finished(requestId: string): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const body = (await (await ingress.app.request(`/api/analyses/${requestId}`)).json()) as { status: string };
      if (body.status === 'completed' || body.status === 'failed') return body.status;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`analysis ${requestId} did not finish`);
  }

  it('through logs, questions, messages, metadata, webhooks, feedback and backfill', async () => {
    const scope = { project: 'bank', env: 'prod', domain: 'transactions', service: 'auth-gateway' };
    // NDJSON logs: secrets in messages and attributes, and a key split across events.
    const ndjson = [
      { ts: ts(1), level: 'error', msg: LEAKY, ...scope, attrs: { headers: { authorization: `Bearer ${SECRETS.bearer_token}` }, user: SECRETS.email } },
      { ts: ts(2), level: 'error', msg: `loading key ${PEM}`, ...scope },
      { ts: ts(3), level: 'error', msg: '-----BEGIN RSA PRIVATE KEY-----', ...scope },
      ...PEM_LINES.map((line, i) => ({ ts: ts(3, i + 1), level: 'error', msg: line, ...scope })),
      { ts: ts(3, 9), level: 'error', msg: '-----END RSA PRIVATE KEY-----', ...scope },
      { ts: ts(4), level: 'error', msg: `config ${JSON.stringify({ api_token: SECRETS.api_token_value, password: SECRETS.password })}`, ...scope },
    ];
    await send('/api/logs', ndjson.map((e) => JSON.stringify(e)).join('\n'), 'application/x-ndjson');
    // Plain-text and logfmt lines, with a multi-line key.
    const text = [
      `${ts(5)} ERROR auth-gateway ${LEAKY}`,
      `${ts(6)} ERROR auth-gateway loaded key`,
      PEM,
      `${ts(7)} level=error msg="login failed" user=${SECRETS.email} password=${SECRETS.password} token=${SECRETS.github_token} card=${SECRETS.card}`,
      `time=${ts(8)} level=error msg="upstream auth" authorization="Bearer ${SECRETS.bearer_token}" db=postgres://ledger:${SECRETS.url_password}@db:5432/x`,
    ].join('\n');
    await send(`/api/logs?project=bank&env=prod&domain=transactions&service=auth-gateway`, text, 'text/plain');

    // A question, a conversation with secret metadata, and a message.
    requestIds.push((await post('/api/analyses', { text: `auth failing in prod since 10:00? ${LEAKY}`, ...scope, service: undefined, occurred_at: AT })).request_id as string);
    const conversation = await post('/api/conversations', {
      project: 'bank',
      metadata: { aws: SECRETS.aws_access_key, api_token: SECRETS.api_token_value, owner: SECRETS.email, deploy_key: PEM, nested: { jwt: SECRETS.jwt, list: [SECRETS.card] } },
    });
    const conversationId = conversation.conversation_id as string;
    requestIds.push(
      (await post(`/api/conversations/${conversationId}/messages`, { content: `why do logins fail since 10:00? ${LEAKY}`, env: 'prod', domain: 'transactions', occurred_at: AT })).request_id as string,
    );

    // Both webhooks, secrets in labels and annotations.
    const alert = (name: string) => ({
      status: 'firing',
      labels: { alertname: name, project: 'bank', env: 'prod', domain: 'transactions', service: 'auth-gateway', api_token: SECRETS.api_token_value, owner: SECRETS.email },
      annotations: { summary: `auth errors: ${LEAKY}`, description: `key ${PEM}`, runbook_url: `https://ops:${SECRETS.url_password}@wiki/auth` },
      startsAt: '2026-11-25T10:10:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus/graph?token=${SECRETS.github_token}`,
      fingerprint: `fp-${name}`,
    });
    for (const [source, name] of [['alertmanager', 'AuthErrorsAm'], ['grafana', 'AuthErrorsGf']] as const) {
      const accepted = await post(`/api/alerts/${source}`, { version: source === 'grafana' ? '1' : '4', status: 'firing', receiver: 'loglore', alerts: [alert(name)], commonLabels: { team_secret: SECRETS.password }, commonAnnotations: { contact: SECRETS.phone } });
      requestIds.push(...(accepted.request_ids as string[]));
    }

    // A backfill: text, resolution and logs, a key across its log lines, and a rejected line quoting secrets.
    const incident = {
      occurred_at: '2026-11-20T09:00:00Z',
      text: `logins failed: ${LEAKY}`,
      project: 'bank',
      env: 'prod',
      domain: 'transactions',
      error_pattern: 'AUTH_FAILURES',
      resolution: `rotated ${SECRETS.aws_access_key} and emailed ${SECRETS.email}`,
      resolved: true,
      logs: [
        { ts: '2026-11-20T09:00:01Z', level: 'error', msg: LEAKY, attrs: { password: SECRETS.password } },
        `2026-11-20T09:00:02Z ERROR ${LEAKY}`,
        '2026-11-20T09:00:03Z ERROR -----BEGIN RSA PRIVATE KEY-----',
        ...PEM_LINES,
        '-----END RSA PRIVATE KEY-----',
      ],
    };
    const backfill = await send('/api/backfill', [JSON.stringify(incident), `{"text": "${LEAKY.replace(/"/g, '')}" broken`].join('\n'), 'application/x-ndjson');
    expect(backfill).toMatchObject({ accepted: 1, rejected: [{ line: 2 }] });
    const status = (await (await ingress.app.request(`/api/backfill/${backfill.backfill_id as string}`)).json()) as { total: number };
    expect(status.total).toBe(1);

    // Every analysis runs to its end; feedback on the first completed one carries secrets too.
    const statuses = await Promise.all(requestIds.map(finished));
    expect(statuses.filter((s) => s === 'completed').length).toBeGreaterThan(0);
    const completedId = requestIds[statuses.indexOf('completed')]!;
    await post(`/api/analyses/${completedId}/feedback`, { outcome: 'resolved', resolution: `revoked ${SECRETS.github_token}, new key ${PEM}; ${LEAKY}` });
    // The backfilled incident and its pattern statistics settle too.
    await new Promise((r) => setTimeout(r, 500));

    const postgres = await dumpTables(database.db);
    const redis = await dumpPrefixKeys(stack.workerDeps.redis, ingress.prefix);
    // The dumps hold what was sent (redacted), so a clean result is not a vacuous one.
    expect(postgres).toContain('[REDACTED:');
    expect(postgres).toContain('auth-gateway');
    expect(redis).toContain(completedId);

    const leaks: string[] = [];
    for (const [kind, value] of Object.entries(SECRETS)) {
      for (const [store, dump] of [['postgres', postgres], ['redis', redis]] as const) {
        for (const line of dump.split('\n')) {
          if (line.includes(value)) leaks.push(`${kind} in ${store}: ${line.slice(0, 160)}…`);
        }
      }
    }
    expect(leaks).toEqual([]);
  }, 60_000);
});
