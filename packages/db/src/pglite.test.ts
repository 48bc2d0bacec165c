/**
 * The embedded database: PGlite opened the way `loglore start` opens it.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from './client.ts';

describe('embedded PGlite', () => {
  it('runs with a 16 MB buffer pool instead of the stock 128 MB (resident in its wasm heap from the start), with pg_trgm', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      expect(database.kind).toBe('pglite');
      const [buffers] = await queryRows<{ shared_buffers: string }>(database.db, sql`show shared_buffers`);
      expect(buffers?.shared_buffers).toBe('16MB');
      await database.db.execute(sql`create extension if not exists pg_trgm`);
      const [similar] = await queryRows<{ s: number }>(database.db, sql`select similarity('connection pool exhausted', 'connection pool exhausted!') as s`);
      expect(similar?.s).toBeGreaterThan(0.8);
    } finally {
      await database.close();
    }
  });
});
