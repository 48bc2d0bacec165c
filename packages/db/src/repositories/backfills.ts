import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import { queryRows, type Db } from '../client.ts';
import { analysisRequests, backfillItems, backfillRejections, backfills } from '../schema/index.ts';
import { storeLogEvents } from './logs.ts';
import { addNewTemplates, mergeTemplates, type NewTemplates } from './templates.ts';

export type Backfill = typeof backfills.$inferSelect;

/** The analysis request of one backfilled incident. */
export interface BackfillRequest {
  text: string;
  project: string | null;
  env: string | null;
  domain: string | null;
  occurredAt: Date;
  /** Stable per incident: a re-sent incident answers the request stored the first time. */
  idempotencyKey: string;
  /** BullMQ priority its jobs run at (backfills below live traffic). */
  priority: number;
  metadata: Record<string, unknown>;
}

/** One incident of a batch: its request and its log events. */
export interface BackfillEntry {
  line: number;
  request: BackfillRequest;
  logs: readonly LogEvent[];
}

/** The request that answers one incident of a batch. */
export interface BackfillItem {
  line: number;
  requestId: string;
  /** False when the incident was already known (a re-sent batch, a resumed file). */
  created: boolean;
  status: string;
  /** The request's enqueue generation, for its job id. */
  enqueueCount: number;
}

export interface BackfillProgress {
  backfill: Backfill;
  /** Incidents accepted (distinct requests). */
  total: number;
  /** Requests completed / failed: counted from their statuses, so they never drift. */
  done: number;
  failed: number;
  rejectedCount: number;
}

// Rows travel as one JSON parameter (jsonb_to_recordset): a few times faster than a
// multi-row VALUES list with a bind parameter per cell, and free of the 65,535-parameter limit.
const REQUEST_BATCH = 5_000;

/**
 * A new backfill owned by the projects of the key creating it (null: a key of every project).
 * The owner never changes: a later batch is appended only by a key granted all of them.
 */
export async function createBackfill(db: Db, ownerProjects: readonly string[] | null): Promise<Backfill> {
  const [row] = await db
    .insert(backfills)
    .values({ ownerProjects: ownerProjects === null ? null : [...new Set(ownerProjects)].sort() })
    .returning();
  return row!;
}

export async function getBackfill(db: Db, id: string): Promise<Backfill | undefined> {
  const [row] = await db.select().from(backfills).where(eq(backfills.id, id));
  return row;
}

/**
 * Stores one batch of a backfill in one transaction (creating the backfill when no id is
 * given, so a failed first batch leaves nothing behind): a request per incident (multi-row
 * inserts; an idempotency key already known answers the earlier request and stores
 * nothing new, so a re-sent batch never duplicates), the log events of the incidents new
 * to the database, the links from the backfill to its requests, and the rejected lines.
 * `final` marks the backfill fully received. Enqueueing is the caller's: every returned
 * item still `queued` should be (re-)enqueued under its generation, which is a no-op for a
 * job that is still pending.
 */
export async function storeBackfillBatch(
  db: Db,
  input: {
    backfillId?: string | undefined;
    /** The projects of the key sending it; stored as the owner when this batch creates the backfill. */
    ownerProjects: readonly string[] | null;
    entries: readonly BackfillEntry[];
    rejected: readonly { line: number; error: string }[];
    final: boolean;
  },
): Promise<{ backfillId: string; items: BackfillItem[]; rejected: { line: number; error: string }[] }> {
  // Fingerprints new to log_templates, merged once the batch has committed.
  const created: NewTemplates = new Map();
  const stored = await db.transaction(async (tx) => {
    const backfillId = input.backfillId ?? (await createBackfill(tx, input.ownerProjects)).id;
    const items: BackfillItem[] = [];
    const rejected = [...input.rejected];
    for (let i = 0; i < input.entries.length; i += REQUEST_BATCH) {
      const chunk = input.entries.slice(i, i + REQUEST_BATCH);
      const rows = chunk.map((e) => ({
        text: e.request.text,
        project: e.request.project,
        env: e.request.env,
        domain: e.request.domain,
        occurred_at: e.request.occurredAt.toISOString(),
        idempotency_key: e.request.idempotencyKey,
        priority: e.request.priority,
        metadata: e.request.metadata,
      }));
      const inserted = (
        await queryRows<{ id: string; key: string; status: string; enqueue_count: number }>(
          tx,
          sql`
            insert into ${analysisRequests} (source, text, project, env, domain, occurred_at, idempotency_key, priority, metadata)
            select 'backfill', text, project, env, domain, occurred_at, idempotency_key, priority, metadata
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(text text, project text, env text, domain text,
              occurred_at timestamptz, idempotency_key text, priority int, metadata jsonb)
            on conflict (idempotency_key) do nothing
            returning id, idempotency_key as key, status, enqueue_count`,
        )
      ).map((r) => ({ id: r.id, key: r.key, status: r.status, enqueueCount: Number(r.enqueue_count) }));
      const byKey = new Map<string, { id: string; status: string; enqueueCount: number; created: boolean; project?: string | null }>(
        inserted.map((r) => [r.key, { ...r, created: true }]),
      );
      const missing = [...new Set(chunk.map((e) => e.request.idempotencyKey).filter((k) => !byKey.has(k)))];
      if (missing.length > 0) {
        const existing = await tx
          .select({
            id: analysisRequests.id,
            key: analysisRequests.idempotencyKey,
            status: analysisRequests.status,
            enqueueCount: analysisRequests.enqueueCount,
            project: analysisRequests.project,
          })
          .from(analysisRequests)
          .where(inArray(analysisRequests.idempotencyKey, missing));
        for (const r of existing) byKey.set(r.key!, { id: r.id, status: r.status, enqueueCount: r.enqueueCount, created: false, project: r.project });
      }
      // Logs come with the request that is new; a known incident's were stored with it.
      const logs: LogEvent[] = [];
      const seen = new Set<string>();
      for (const entry of chunk) {
        const row = byKey.get(entry.request.idempotencyKey);
        if (!row) throw new Error(`backfill request ${entry.request.idempotencyKey} was neither inserted nor found`);
        // Idempotency keys are global: one held by another project's request is not this
        // incident's, and must neither link that request nor say anything about it.
        if (!row.created && row.project !== undefined && row.project !== entry.request.project) {
          rejected.push({ line: entry.line, error: 'this incident conflicts with an analysis outside its project' });
          continue;
        }
        // The same incident twice in one batch: the second is a duplicate of the first.
        const created = row.created && !seen.has(row.id);
        seen.add(row.id);
        items.push({ line: entry.line, requestId: row.id, created, status: row.status, enqueueCount: row.enqueueCount });
        if (created) logs.push(...entry.logs);
      }
      if (logs.length > 0) addNewTemplates(created, (await storeLogEvents(tx, logs)).created);
    }

    const links = new Map<string, number>();
    for (const item of items) if (!links.has(item.requestId)) links.set(item.requestId, item.line);
    if (links.size > 0) {
      const linkRows = [...links].map(([request_id, line]) => ({ request_id, line }));
      await tx.execute(sql`
        insert into ${backfillItems} (backfill_id, request_id, line)
        select ${backfillId}::uuid, request_id, line from jsonb_to_recordset(${JSON.stringify(linkRows)}::jsonb) as x(request_id uuid, line int)
        on conflict do nothing`);
    }
    rejected.sort((a, b) => a.line - b.line);
    if (rejected.length > 0) {
      await tx.execute(sql`
        insert into ${backfillRejections} (backfill_id, line, error)
        select ${backfillId}::uuid, line, error from jsonb_to_recordset(${JSON.stringify(rejected)}::jsonb) as x(line int, error text)
        on conflict do nothing`);
    }

    const linked = new Set(items.map((i) => i.line));
    const projects = [
      ...new Set(input.entries.filter((e) => linked.has(e.line)).map((e) => e.request.project).filter((p): p is string => Boolean(p))),
    ];
    await tx
      .update(backfills)
      .set({
        updatedAt: sql`now()`,
        ...(projects.length
          ? {
              projects: sql`array(select p from (select unnest(${backfills.projects}) as p
                union select jsonb_array_elements_text(${JSON.stringify(projects)}::jsonb)) u order by p)`,
            }
          : {}),
        ...(input.final ? { receivedAllAt: sql`coalesce(${backfills.receivedAllAt}, now())` } : {}),
      })
      .where(eq(backfills.id, backfillId));
    return { backfillId, items, rejected };
  });
  if (created.size > 0) await mergeTemplates(db, created);
  return stored;
}

/** How far a backfill got, counted from its requests' statuses. */
export async function getBackfillProgress(db: Db, id: string): Promise<BackfillProgress | undefined> {
  const backfill = await getBackfill(db, id);
  if (!backfill) return undefined;
  const [counts] = await queryRows<{ total: number; done: number; failed: number }>(
    db,
    sql`
      select count(*)::int as total,
        count(*) filter (where r.status = 'completed')::int as done,
        count(*) filter (where r.status = 'failed')::int as failed
      from ${backfillItems} i join ${analysisRequests} r on r.id = i.request_id
      where i.backfill_id = ${id}::uuid`,
  );
  const [rejected] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from ${backfillRejections} where backfill_id = ${id}::uuid`,
  );
  return {
    backfill,
    total: Number(counts?.total ?? 0),
    done: Number(counts?.done ?? 0),
    failed: Number(counts?.failed ?? 0),
    rejectedCount: Number(rejected?.n ?? 0),
  };
}

/** Rejected lines of a backfill in line order, at most `limit`. */
export async function listBackfillRejections(db: Db, id: string, limit = 1_000): Promise<{ line: number; error: string }[]> {
  return db
    .select({ line: backfillRejections.line, error: backfillRejections.error })
    .from(backfillRejections)
    .where(eq(backfillRejections.backfillId, id))
    .orderBy(asc(backfillRejections.line))
    .limit(limit);
}
