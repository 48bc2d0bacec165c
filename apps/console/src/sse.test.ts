import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

interface SseModule {
  createSseParser(): (chunk: string) => { id?: string; event?: string; data?: string }[];
  followEvents(url: string, options: Record<string, unknown>): { close(): void };
}
// The browser module itself (plain JS; Node has fetch and TextDecoderStream too).
const sseModule = '../public/sse.js';
const { createSseParser, followEvents } = (await import(sseModule)) as SseModule;

const frame = (seq: number, step: string) => `id: ${seq}\nevent: ${step}\ndata: ${JSON.stringify({ seq, step })}\n\n`;

describe('the console SSE client', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('parses frames split anywhere, with CRLF, comments and multi-line data', () => {
    const parse = createSseParser();
    expect(parse('id: 1\r\nevent: params\r\nda')).toEqual([]);
    expect(parse('ta: {"a":\ndata: 1}\n\n: heartbeat\n\nid: 2\ndata: x\n\n')).toEqual([
      { id: '1', event: 'params', data: '{"a":\n1}' },
      { id: '2', data: 'x' },
    ]);
  });

  it('reconnects after a dropped connection with Last-Event-ID and neither loses nor repeats an event', async () => {
    const seen: (string | undefined)[] = [];
    server = createServer((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write(frame(1, 'params') + frame(2, 'similar'));
        // The connection drops mid-stream.
        setTimeout(() => res.destroy(), 50);
      } else {
        const after = Number(req.headers['last-event-id'] ?? 0);
        for (const [seq, step] of [[1, 'params'], [2, 'similar'], [3, 'analysis'], [4, 'completed']] as const) if (seq > after) res.write(frame(seq, step));
        // Keeps the stream open: the client stops by itself after the final event.
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const events: number[] = [];
    await new Promise<void>((resolve) => {
      followEvents(`http://127.0.0.1:${port}/events`, {
        onEvent: (data: { seq: number }) => events.push(data.seq),
        isFinal: (data: { step: string }) => data.step === 'completed',
        retryMs: 10,
        onState: (state: string) => state === 'done' && resolve(),
      });
    });
    expect(events).toEqual([1, 2, 3, 4]);
    expect(seen).toEqual([undefined, '2']);
  });

  it('stops on 204 (nothing left) and starts after a given Last-Event-ID', async () => {
    const seen: (string | undefined)[] = [];
    server = createServer((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      followEvents(`http://127.0.0.1:${port}/events`, { lastEventId: 6, onEvent: () => {}, onState: (s: string) => s === 'done' && resolve() });
    });
    expect(seen).toEqual(['6']);
  });
});
