import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { messages } from '../schema/index.ts';
import type { Message } from './conversations.ts';

/** The latest user turn of a conversation (what a "similar" look-up ranks by), if any. */
export async function getLastUserMessage(db: Db, conversationId: string): Promise<Message | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.role, 'user')))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(1);
  return row;
}
