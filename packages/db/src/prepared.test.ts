/**
 * Prepared statements on Postgres (runPrepared): which plan a connection keeps for them, and
 * what state it goes back to the pool in. One connection per database, so pg_prepared_statements
 * and the settings read are those of the connection the statements ran on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows, runPrepared, type PreparedStatement } from './client.ts';
import { createAnalysisRequest, findSimilarAnalyses, findSimilarByEvidence, storeAnalysisResult } from './index.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

describe('prepared statements on Postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ max: 1 });
  });
  afterAll(async () => {
    await database.drop();
  });

  async function plans(name: string): Promise<{ generic: number; custom: number } | undefined> {
    const [row] = await queryRows<{ generic_plans: string; custom_plans: string }>(
      database.db,
      sql`select generic_plans, custom_plans from pg_prepared_statements where name = ${name}`,
    );
    return row && { generic: Number(row.generic_plans), custom: Number(row.custom_plans) };
  }

  async function planCacheMode(): Promise<string> {
    const [row] = await queryRows<{ plan_cache_mode: string }>(database.db, sql`show plan_cache_mode`);
    return row!.plan_cache_mode;
  }

  it('a statement with customPlans is planned for its values on every run, where Postgres would settle on a generic plan after five', async () => {
    const text = 'select $1::int + 1 as n';
    const generic: PreparedStatement = { name: 'test_prepared_generic', text };
    const custom: PreparedStatement = { name: 'test_prepared_custom', text, customPlans: true };
    for (let i = 0; i < 8; i++) {
      expect(await runPrepared(database.db, generic, [i])).toEqual([{ n: i + 1 }]);
      expect(await runPrepared(database.db, custom, [i])).toEqual([{ n: i + 1 }]);
    }
    expect(await plans(generic.name)).toEqual({ generic: 3, custom: 5 });
    expect(await plans(custom.name)).toEqual({ generic: 0, custom: 8 });
    // The setting was the statement's transaction's only.
    expect(await planCacheMode()).toBe('auto');
  });

  it('a failing statement with customPlans rolls its transaction back and leaves the connection serving, in the default mode', async () => {
    const divide: PreparedStatement = { name: 'test_prepared_divide', text: 'select 10 / $1::int as n', customPlans: true };
    await expect(runPrepared(database.db, divide, [0])).rejects.toThrow(/division by zero/);
    expect(await runPrepared(database.db, divide, [5])).toEqual([{ n: 2 }]);
    expect(await planCacheMode()).toBe('auto');
    const [row] = await queryRows<{ open: boolean }>(database.db, sql`select pg_current_xact_id_if_assigned() is not null or now() <> statement_timestamp() as open`);
    expect(row!.open).toBe(false);
  });

  it('the similar look-ups run as named statements, and findSimilarAnalyses is planned for its values on every run', async () => {
    const project = `prepared-${randomUUID()}`;
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'ledger-svc deadlock detected', project });
    await storeAnalysisResult(database.db, {
      requestId: request.id,
      project,
      source: 'api',
      queryText: 'ledger-svc deadlock detected on settlement',
      parameters: { project, env: 'prod' },
      errorPattern: 'DEADLOCK',
      patternKey: 'db.deadlock',
      templateKeys: ['tpl-deadlock'],
      services: ['ledger-svc'],
    });
    for (let i = 0; i < 7; i++) {
      const similar = await findSimilarAnalyses(database.db, { project, filter: { project }, text: 'deadlock in ledger-svc', errorPattern: 'DEADLOCK' });
      expect(similar.map((s) => s.request_id)).toEqual([request.id]);
      const recalled = await findSimilarByEvidence(database.db, { project, patternKey: 'db.deadlock', templateKeys: ['tpl-deadlock'], services: ['ledger-svc'], text: 'deadlock' });
      expect(recalled.map((s) => s.request_id)).toEqual([request.id]);
    }
    expect(await plans('loglore_find_similar')).toEqual({ generic: 0, custom: 7 });
    expect((await plans('loglore_find_similar_by_evidence'))?.custom).toBeGreaterThanOrEqual(5);
    await findSimilarAnalyses(database.db, { project: null, filter: {}, text: 'deadlock' });
    expect(await plans('loglore_find_similar_no_project')).toEqual({ generic: 0, custom: 1 });
  });
});
