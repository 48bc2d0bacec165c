import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import {
  appendAnalysisEvent,
  createAnalysisRequest,
  createConversation,
  getAnalysisRequest,
  getRecentMessages,
  markRequestRunning,
  storeMessage,
} from '../index.ts';
import { withdrawAnalysisRequest } from './requests.ts';
import { getLastUserMessage } from './messages.ts';

describe('request withdrawal and last user turn on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a withdrawn request leaves no request, event or user turn behind', async () => {
    const db = database.db;
    const conversation = await createConversation(db, { project: 'payments' });
    const kept = await storeMessage(db, { conversationId: conversation.id, role: 'user', content: 'earlier turn' });
    const { request } = await createAnalysisRequest(db, { source: 'chat', text: 'NPSB failing', conversationId: conversation.id });
    await storeMessage(db, { conversationId: conversation.id, role: 'user', content: 'NPSB failing', requestId: request.id });
    await appendAnalysisEvent(db, { requestId: request.id, conversationId: conversation.id, step: 'params', payload: {} });

    expect(await withdrawAnalysisRequest(db, request.id)).toBe(true);

    expect(await getAnalysisRequest(db, request.id)).toBeUndefined();
    const turns = await getRecentMessages(db, conversation.id, 10);
    expect(turns.map((m) => m.id)).toEqual([kept.id]);
  });

  it('a request a worker already started is not withdrawn', async () => {
    const db = database.db;
    const { request } = await createAnalysisRequest(db, { source: 'api', text: 'started' });
    await markRequestRunning(db, request.id);
    expect(await withdrawAnalysisRequest(db, request.id)).toBe(false);
    expect((await getAnalysisRequest(db, request.id))?.status).toBe('running');
  });

  it('the last user turn is the latest user message, not the assistant answer after it', async () => {
    const db = database.db;
    const conversation = await createConversation(db);
    expect(await getLastUserMessage(db, conversation.id)).toBeUndefined();
    await storeMessage(db, { conversationId: conversation.id, role: 'user', content: 'first question' });
    await storeMessage(db, { conversationId: conversation.id, role: 'user', content: 'follow-up' });
    await storeMessage(db, { conversationId: conversation.id, role: 'assistant', content: 'answer' });
    expect((await getLastUserMessage(db, conversation.id))?.content).toBe('follow-up');
  });
});
