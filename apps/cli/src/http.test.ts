import { describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from './http.ts';
import { renderPatterns, renderStep } from './render.ts';

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(stream(chunks))) events.push(event);
  return events;
}

describe('server-sent events', () => {
  it('events split anywhere across chunks, with CRLF and heartbeats, arrive whole and in order', async () => {
    const text = ': heartbeat\r\n\r\nid: 1\r\nevent: params\r\ndata: {"seq":1}\r\n\r\nid: 2\nevent: completed\ndata: {"seq":\ndata: 2}\n\n';
    const chunked: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunked.push(text.slice(i, i + 7));
    const expected = [
      { id: '1', event: 'params', data: '{"seq":1}' },
      { id: '2', event: 'completed', data: '{"seq":\n2}' },
    ];
    expect(await collect(chunked)).toEqual(expected);
    expect(await collect([text])).toEqual(expected);
  });

  it('an event cut off by the end of the stream is not delivered', async () => {
    expect(await collect(['id: 1\ndata: {"seq":1}\n\nid: 2\ndata: {"se'])).toEqual([{ id: '1', event: 'message', data: '{"seq":1}' }]);
  });
});

describe('readable output', () => {
  it('a params step shows the scope, the window and what else was found', () => {
    const lines = renderStep('params', {
      parameters: {
        project: 'payments',
        env: 'prod',
        domain: null,
        time_range: { from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:30:00.000Z' },
        trace_ids: ['4bf92f35'],
      },
    });
    expect(lines[0]).toBe('✔ parameters    project=payments env=prod domain=-  2026-11-25 10:00Z → 2026-11-25 11:30Z');
    expect(lines[1]).toBe('    trace ids: 4bf92f35');
  });

  it('a failed step says why and where', () => {
    expect(renderStep('failed', { step: 'analyze', reason: 'no logs in the window' })).toEqual(['✖ failed        no logs in the window (in analyze)']);
  });

  it('patterns print as an aligned table with their success rate', () => {
    const table = renderPatterns([
      { pattern_key: 'db.pool_exhausted', error_type: 'DB_POOL_EXHAUSTED', domain: 'transactions', usage_count: 12, success_count: 3, failure_count: 1, success_rate: 0.75, first_seen: '2026-01-01T00:00:00Z', last_seen: null, template: 'Connection is not available' },
      { pattern_key: 'derived.1a2b', error_type: 'TIMEOUT', domain: null, usage_count: 1, success_count: 0, failure_count: 0, success_rate: 0 },
    ]).split('\n');
    expect(table[0]).toMatch(/^PATTERN +TYPE +DOMAIN +USES +SUCCESS +FIRST SEEN +LAST SEEN +TEMPLATE$/);
    expect(table[2]).toMatch(/^db\.pool_exhausted +DB_POOL_EXHAUSTED +transactions +12 +75% of 4 +2026-01-01 00:00Z +- +Connection is not available$/);
    expect(table[3]).toMatch(/^derived\.1a2b +TIMEOUT +- +1 +- /);
    expect(renderPatterns([])).toBe('no error patterns yet');
  });
});
