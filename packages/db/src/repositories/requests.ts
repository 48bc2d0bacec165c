import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { analysisRequests, messages } from '../schema/index.ts';

/**
 * Takes back a request that was stored but could not be enqueued (Redis down), so nothing is
 * left half-accepted: the request row, its events (cascade) and the user turn that asked it.
 * Only a request still `queued` is withdrawn; one a worker already picked up stays.
 * Returns whether a request was removed.
 */
export async function withdrawAnalysisRequest(db: Db, requestId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(analysisRequests)
      .where(and(eq(analysisRequests.id, requestId), eq(analysisRequests.status, 'queued')))
      .returning({ id: analysisRequests.id });
    if (removed.length === 0) return false;
    // messages.request_id has no foreign key (a turn outlives its request), hence explicit.
    await tx.delete(messages).where(and(eq(messages.requestId, requestId), eq(messages.role, 'user')));
    return true;
  });
}
