/**
 * A body refused without being read (413, 415, 400) over a real keep-alive socket: the client's
 * next request on the same agent must not die with the socket the server gave up on.
 */
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One request on `agent`, its whole body written at once (as clients do). */
function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, bodyBytes = 0): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: bodyBytes ? { ...headers, 'content-length': String(bodyBytes) } : headers });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    // Writing the rest of a refused body may fail once the server closed; the answer is what counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(bodyBytes ? Buffer.alloc(bodyBytes, 'x') : undefined);
  });
}

describe('a refused body on a keep-alive connection', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase({ max: 2 });
    ingress = createTestIngress(database.db);
    server = serve({ fetch: ingress.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    });
    await ingress.close();
    await database.drop();
  });

  const refusals: [string, string, string, Record<string, string>, number, number][] = [
    ['a body over the limit', 'POST', '/api/analyses', { 'content-type': 'application/json' }, 3 * 1024 * 1024, 413],
    ['a media type /api/logs does not read', 'POST', '/api/logs', { 'content-type': 'text/html' }, 3 * 1024 * 1024, 415],
    ['a bad query before the body', 'POST', `/api/logs?project=${'p'.repeat(300)}`, { 'content-type': 'application/x-ndjson' }, 3 * 1024 * 1024, 400],
  ];

  for (const [what, method, path, headers, bytes, status] of refusals) {
    it(`answers ${status} for ${what} with Connection: close, and the next request on the agent succeeds`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(agent, port, method, path, headers, bytes);
        expect(refused.status).toBe(status);
        expect(JSON.parse(refused.body)).toMatchObject({ error: { code: expect.any(String) } });
        expect(refused.connection).toBe('close');
        // At once, as a client's next request would go: on the socket, if it was kept.
        const next = await send(agent, port, 'GET', '/healthz', {});
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
      }
    }, 30_000);
  }

  it('keeps the connection of a body it read in full', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/analyses', agent, headers: { 'content-type': 'application/json' } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ text: 'x', nope: true }));
      });
      expect(answer.status).toBe(422);
      expect(answer.connection).toBe('keep-alive');
      expect((await send(agent, port, 'GET', '/healthz', {})).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
