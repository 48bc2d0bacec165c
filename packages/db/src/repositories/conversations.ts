import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { analysisRequests, conversations, messages } from '../schema/index.ts';

export type Conversation = typeof conversations.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type NewMessage = Pick<typeof messages.$inferInsert, 'conversationId' | 'role' | 'content'> &
  Partial<Pick<typeof messages.$inferInsert, 'requestId' | 'parameters' | 'metadata' | 'createdAt'>>;

export async function createConversation(
  db: Db,
  input: { project?: string | null; metadata?: Record<string, unknown> } = {},
): Promise<Conversation> {
  const [row] = await db
    .insert(conversations)
    .values({ project: input.project ?? null, metadata: input.metadata ?? {} })
    .returning();
  return row!;
}

export async function getConversation(db: Db, id: string): Promise<Conversation | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

/**
 * Stores one turn. A turn tied to a request is stored once per role: storing the same
 * request's answer again (a retried job) returns the row already there.
 */
export async function storeMessage(db: Db, input: NewMessage): Promise<Message> {
  const values = { ...input, metadata: input.metadata ?? {} };
  const [inserted] = await db
    .insert(messages)
    .values(values)
    .onConflictDoNothing({ target: [messages.requestId, messages.role], where: sql`${messages.requestId} is not null` })
    .returning();
  if (inserted) {
    await db.update(conversations).set({ updatedAt: sql`now()` }).where(eq(conversations.id, input.conversationId));
    return inserted;
  }
  const [existing] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.requestId, input.requestId!), eq(messages.role, input.role)));
  return existing!;
}

/**
 * The last `limit` turns, oldest first. Turns stored in the same instant keep their
 * insertion order (the identity column breaks ties), so the order never flips between reads.
 */
export async function getRecentMessages(db: Db, conversationId: string, limit = 10): Promise<Message[]> {
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit);
  return rows.reverse();
}

/** Attaches the extracted parameters to the user turn of a request (follow-ups read them). */
export async function setMessageParameters(db: Db, requestId: string, parameters: Record<string, unknown>): Promise<void> {
  await db
    .update(messages)
    .set({ parameters })
    .where(and(eq(messages.requestId, requestId), eq(messages.role, 'user')));
}

/**
 * The parameters of the latest turn of a conversation that has any, among the turns of
 * `project` only (a turn's project is its request's, else the conversation's; null: turns
 * without a project), optionally only among turns stored before a given request's turn (so a
 * replayed extraction sees the same past). A conversation may hold turns asked for several
 * projects by a key granted them; a follow-up in one inherits nothing from another's.
 */
export async function getLastParameters(
  db: Db,
  conversationId: string,
  scope: { project: string | null; beforeRequestId?: string | undefined },
): Promise<Record<string, unknown> | null> {
  const before = scope.beforeRequestId
    ? sql`and ${messages.id} < coalesce((select min(m2.id) from ${messages} m2 where m2.request_id = ${scope.beforeRequestId}), 9223372036854775807)`
    : sql``;
  const turnProject = sql`(case when ${analysisRequests.id} is null then ${conversations.project} else ${analysisRequests.project} end)`;
  const sameProject = scope.project === null ? sql`${turnProject} is null` : sql`${turnProject} = ${scope.project}`;
  const [row] = await db
    .select({ parameters: messages.parameters })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .leftJoin(analysisRequests, eq(analysisRequests.id, messages.requestId))
    .where(sql`${messages.conversationId} = ${conversationId} and ${messages.parameters} is not null ${before} and ${sameProject}`)
    .orderBy(desc(messages.id))
    .limit(1);
  return row?.parameters ?? null;
}
