/** What the ingress stores from a client's free-form fields is redacted (issue 10, secrets). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysisRequest, getAnalysisMemory, markRequestCompleted, storeAnalysisResult } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretLine\n-----END RSA PRIVATE KEY-----';
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('redaction at the ingress', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db);
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  it('conversation metadata is stored redacted: secret keys whole, secret-shaped values by kind', async () => {
    const metadata = { aws: 'AKIAZ7Q3X5LOGLORE9WJ', api_token: 'plainvalue', owner: 'ann@example.com', deploy_key: PEM, channel: 'slack', nested: [{ password: 'pw' }] };
    const created = await ingress.app.request('/api/conversations', json({ metadata }));
    const { conversation_id } = (await created.json()) as { conversation_id: string };
    const stored = (await (await ingress.app.request(`/api/conversations/${conversation_id}`)).json()) as { metadata: unknown };
    expect(stored.metadata).toEqual({
      aws: '[REDACTED:aws_access_key]',
      api_token: '[REDACTED:secret]',
      owner: '[REDACTED:email]',
      deploy_key: '[REDACTED:private_key]',
      channel: 'slack',
      nested: [{ password: '[REDACTED:secret]' }],
    });
  });

  it('a feedback resolution is stored redacted', async () => {
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'x' });
    await storeAnalysisResult(database.db, { requestId: request.id, source: 'api', queryText: 'x', parameters: {}, patternKey: null, errorPattern: null });
    await markRequestCompleted(database.db, request.id, { request_id: request.id });
    const res = await ingress.app.request(`/api/analyses/${request.id}/feedback`, json({ outcome: 'resolved', resolution: `rotated ghp_${'a1'.repeat(18)} for ann@example.com` }));
    expect(res.status).toBe(200);
    expect((await getAnalysisMemory(database.db, request.id))?.resolution).toBe('rotated [REDACTED:api_key] for [REDACTED:email]');
  });
});
