import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProjectRetention } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

const KEYS = 'a-key=alpha;root-key=*';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("a project's retention over the API", () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: KEYS, LOGLORE_RETENTION_LOG_DAYS: '30', LOGLORE_RETENTION_ANALYSIS_DAYS: '365' } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await ingress.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('shows the defaults until the project sets its own, then what it set; null goes back to the default', async () => {
    expect(await call('a-key', 'GET', '/api/projects/alpha/retention')).toEqual({
      status: 200,
      body: {
        project: 'alpha',
        retention: { logs_days: 30, analyses_days: 365, events_days: 0, messages_days: 0 },
        overrides: {},
        defaults: { logs_days: 30, analyses_days: 365, events_days: 0, messages_days: 0 },
      },
    });
    const set = await call('a-key', 'PUT', '/api/projects/alpha/retention', { logs_days: 7, events_days: 14 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ retention: { logs_days: 7, analyses_days: 365, events_days: 14, messages_days: 0 }, overrides: { logs_days: 7, events_days: 14 } });
    expect(await getProjectRetention(database.db, 'alpha')).toEqual({ logs: 7, events: 14 });
    const cleared = await call('a-key', 'PUT', '/api/projects/alpha/retention', { logs_days: null });
    expect(cleared.body).toMatchObject({ retention: { logs_days: 30, events_days: 14 }, overrides: { events_days: 14 } });
  });

  it("a key may not read or set another project's retention, and bad days are 422", async () => {
    expect((await call('a-key', 'GET', '/api/projects/beta/retention')).status).toBe(403);
    expect((await call('a-key', 'PUT', '/api/projects/beta/retention', { logs_days: 1 })).status).toBe(403);
    expect(await getProjectRetention(database.db, 'beta')).toBeUndefined();
    expect((await call('root-key', 'PUT', '/api/projects/beta/retention', { logs_days: 1 })).status).toBe(200);
    expect((await call('root-key', 'PUT', '/api/projects/beta/retention', { logs_days: -1 })).status).toBe(422);
    expect((await call('root-key', 'PUT', '/api/projects/beta/retention', { logs_days: 1.5 })).status).toBe(422);
    expect((await call('root-key', 'PUT', '/api/projects/beta/retention', { log_days: 3 })).status).toBe(422);
  });
});
