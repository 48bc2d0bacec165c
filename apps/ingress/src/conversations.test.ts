import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import {
  createAnalysisRequest,
  getAnalysisRequest,
  getRecentMessages,
  setMessageParameters,
  storeAnalysisResult,
  storeMessage,
} from '@loglore/db';
import { createTestIngress, type TestIngress } from './testing.ts';

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('conversation endpoints', () => {
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

  async function newConversation(body: unknown = { project: 'payments' }): Promise<string> {
    const res = await ingress.app.request('/api/conversations', json(body));
    expect(res.status).toBe(201);
    return ((await res.json()) as { conversation_id: string }).conversation_id;
  }

  it('a conversation is created with its project and metadata, and read back with no messages', async () => {
    const res = await ingress.app.request('/api/conversations', json({ project: 'payments', metadata: { channel: '#ops' } }));
    expect(res.status).toBe(201);
    const created = (await res.json()) as { conversation_id: string; created_at: string };
    expect(created.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.created_at))).toBe(false);

    const got = await ingress.app.request(`/api/conversations/${created.conversation_id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      conversation_id: created.conversation_id,
      project: 'payments',
      metadata: { channel: '#ops' },
      messages: [],
    });
  });

  it('a conversation can be created without a body or with an empty JSON one', async () => {
    expect((await ingress.app.request('/api/conversations', { method: 'POST' })).status).toBe(201);
    const empty = await ingress.app.request('/api/conversations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(201);
  });

  it('a posted message is stored with its request before the 202, and its first job is queued', async () => {
    const id = await newConversation();
    const res = await ingress.app.request(`/api/conversations/${id}/messages`, json({ content: 'NPSB transfers failing in prod since 10:00', env: 'prod' }));
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { request_id: string; conversation_id: string; status: string };
    expect(accepted).toMatchObject({ conversation_id: id, status: 'queued' });

    // Read straight after the answer: nothing here may depend on a worker.
    const request = await getAnalysisRequest(database.db, accepted.request_id);
    expect(request).toMatchObject({ source: 'chat', conversationId: id, project: 'payments', env: 'prod', domain: null, status: 'queued' });
    const turns = await getRecentMessages(database.db, id);
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ role: 'user', content: 'NPSB transfers failing in prod since 10:00', requestId: accepted.request_id });
    expect(await ingress.deps.pipeline.jobState('extract-params', { request_id: accepted.request_id, generation: 1 })).toBeDefined();
  });

  it('the text of a message is redacted before it is stored', async () => {
    const id = await newConversation();
    const res = await ingress.app.request(
      `/api/conversations/${id}/messages`,
      json({ content: 'login fails for token ghp_0123456789abcdefghijABCDEFGHIJ0123456789 and password=hunter2hunter2' }),
    );
    expect(res.status).toBe(202);
    const { request_id } = (await res.json()) as { request_id: string };
    const request = await getAnalysisRequest(database.db, request_id);
    expect(request?.text).not.toContain('hunter2hunter2');
    expect(request?.text).not.toContain('ghp_0123456789abcdefghij');
    const [turn] = await getRecentMessages(database.db, id);
    expect(turn?.content).toBe(request?.text);
  });

  it('a message may name another project than its conversation', async () => {
    const id = await newConversation();
    const res = await ingress.app.request(`/api/conversations/${id}/messages`, json({ content: 'and in cards?', project: 'cards' }));
    const { request_id } = (await res.json()) as { request_id: string };
    expect((await getAnalysisRequest(database.db, request_id))?.project).toBe('cards');
  });

  it('messages come back oldest first with role, content, parameters, request id and time', async () => {
    const id = await newConversation();
    for (const content of ['first question', 'second question']) {
      const res = await ingress.app.request(`/api/conversations/${id}/messages`, json({ content }));
      expect(res.status).toBe(202);
    }
    const [first] = await getRecentMessages(database.db, id);
    await setMessageParameters(database.db, first!.requestId!, { project: 'payments', env: 'prod' });
    await storeMessage(database.db, { conversationId: id, role: 'assistant', content: 'an answer', requestId: first!.requestId });

    const res = await ingress.app.request(`/api/conversations/${id}`);
    const body = (await res.json()) as { messages: { role: string; content: string; parameters: unknown; request_id: string | null; created_at: string }[] };
    expect(body.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'first question'],
      ['user', 'second question'],
      ['assistant', 'an answer'],
    ]);
    expect(body.messages[0]).toMatchObject({ parameters: { project: 'payments', env: 'prod' }, request_id: first!.requestId });
    expect(body.messages[1]?.parameters).toBeNull();
  });

  it("similar answers past analyses matching the conversation's last parameters, ranked by its last question", async () => {
    // Past analyses of the conversation's project, as the worker stores them (memory carries the request's project).
    const past = async (text: string, parameters: Record<string, unknown>, errorPattern: string) => {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text, project: 'payments' });
      await storeAnalysisResult(database.db, { requestId: request.id, project: 'payments', source: 'api', queryText: text, parameters, errorPattern, traceIds: ['t1'] });
      return request.id;
    };
    const npsb = await past('NPSB transfers failing with timeout', { project: 'payments', env: 'prod', domain: 'transactions' }, 'NPSB_TIMEOUT');
    await past('card authorisations declined', { project: 'payments', env: 'prod', domain: 'transactions' }, 'CARD_DECLINED');
    await past('NPSB transfers failing with timeout', { project: 'payments', env: 'staging', domain: 'transactions' }, 'NPSB_TIMEOUT');

    const id = await newConversation();
    const empty = await ingress.app.request(`/api/conversations/${id}/similar`);
    expect(await empty.json()).toEqual({ similar: [] });

    const res = await ingress.app.request(`/api/conversations/${id}/messages`, json({ content: 'NPSB transfers failing since 10:00' }));
    const { request_id } = (await res.json()) as { request_id: string };
    await setMessageParameters(database.db, request_id, { project: 'payments', env: 'prod', domain: 'transactions', time_range: null });

    const similar = await ingress.app.request(`/api/conversations/${id}/similar`);
    expect(similar.status).toBe(200);
    const body = (await similar.json()) as { similar: { request_id: string; error_pattern: string; score: number }[] };
    // staging is filtered out; the NPSB one ranks first.
    expect(body.similar).toHaveLength(2);
    expect(body.similar[0]).toMatchObject({ request_id: npsb, error_pattern: 'NPSB_TIMEOUT' });

    const limited = await ingress.app.request(`/api/conversations/${id}/similar?limit=1`);
    expect(((await limited.json()) as { similar: unknown[] }).similar).toHaveLength(1);
  });

  it('an unknown conversation is a 404 on every route', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [path, init] of [
      [`/api/conversations/${unknown}`, undefined],
      [`/api/conversations/${unknown}/messages`, json({ content: 'x' })],
      [`/api/conversations/${unknown}/similar`, undefined],
      [`/api/conversations/${unknown}/events`, undefined],
    ] as const) {
      const res = await ingress.app.request(path, init);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'conversation not found' } });
    }
  });
});
