import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Conversation memory: one row per chat conversation. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The project the conversation belongs to; scopes API keys. Null: not tied to a project. */
    project: text('project'),
    /** Free-form client metadata (chat channel, user id...), never interpreted. */
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversations_project_idx').on(t.project, t.createdAt.desc())],
);

/** The turns of a conversation, with the parameters each user turn resolved to. */
export const messages = pgTable(
  'messages',
  {
    /** Insertion order; breaks ties between messages stored in the same instant. */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role').$type<'user' | 'assistant' | 'system'>().notNull(),
    content: text('content').notNull(),
    /** The analysis request this turn asked (user) or answered (assistant). */
    requestId: uuid('request_id'),
    /** The parameters of this turn, once extracted; follow-ups inherit from them. */
    parameters: jsonb('parameters').$type<Record<string, unknown>>(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.createdAt, t.id),
    // retention: the oldest messages first
    index('messages_created_idx').on(t.createdAt),
    // One user turn and one assistant answer per request: a replayed persist writes nothing new.
    uniqueIndex('messages_request_role_key').on(t.requestId, t.role).where(sql`${t.requestId} is not null`),
    check('messages_role_check', sql`${t.role} in ('user', 'assistant', 'system')`),
  ],
);
