/**
 * The CLI's client of loglore's HTTP API: JSON requests with the API's error shape turned
 * into readable messages, and Server-Sent Events with Last-Event-ID resumption.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

/** Options every HTTP-speaking command takes. */
export interface HttpOptions {
  url: string;
  apiKey?: string;
}

/** `http://127.0.0.1:${PORT:-3000}`: where `loglore start` listens by default. */
export function defaultUrl(env: Record<string, string | undefined> = process.env): string {
  const port = env.PORT?.trim() || '3000';
  return `http://127.0.0.1:${port}`;
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL such as http://127.0.0.1:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`must be http or https, not ${url.protocol}`);
  return url.toString().replace(/\/+$/, '');
}

/** Adds `--url` and `--api-key` to a command. */
export function withHttpOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'loglore HTTP API').default(defaultUrl(), 'http://127.0.0.1:${PORT:-3000}').argParser(parseUrl))
    .addOption(new Option('--api-key <key>', 'API key (Authorization: Bearer)').env('LOGLORE_API_KEY'));
}

/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The API answered with an error (`{error: {code, message, details?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function describeDetails(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const lines = details.slice(0, 10).map((d) => {
    const { path, message } = (d ?? {}) as { path?: string; message?: string };
    return `  ${path ? `${path}: ` : ''}${message ?? JSON.stringify(d)}`;
  });
  return lines.length ? `\n${lines.join('\n')}` : '';
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message) {
      return new ApiError(response.status, body.error.code ?? 'error', `${body.error.message} (HTTP ${response.status})${describeDetails(body.error.details)}`, body.error.details);
    }
  } catch {
    // not the API's error shape
  }
  return new ApiError(response.status, 'error', `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

export interface Client {
  readonly url: string;
  /** A JSON request; resolves the parsed answer, rejects with ApiError for 4xx/5xx. */
  json<T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined | null>): Promise<T>;
  /** A raw text body (NDJSON, plain text). */
  send<T>(method: string, path: string, body: string, contentType: string, query?: Record<string, string | number | boolean | undefined | null>): Promise<T>;
  /** The events of an SSE stream, reconnecting with Last-Event-ID when the connection drops. */
  events(path: string, options?: { signal?: AbortSignal; retries?: number }): AsyncGenerator<SseEvent>;
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Retries of a request that could not reach the server or got 503 (Retry-After honoured). */
const UNAVAILABLE_RETRIES = 3;

export function createClient(options: HttpOptions): Client {
  const base = options.url.replace(/\/+$/, '');
  const headers = (extra: Record<string, string>): Record<string, string> => ({
    ...extra,
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  });
  const address = (path: string, query?: Record<string, string | number | boolean | undefined | null>) => {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    return url;
  };

  async function request<T>(method: string, url: URL, body: string | undefined, contentType: string | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, { method, headers: headers(contentType ? { 'content-type': contentType } : {}), body });
      } catch (error) {
        if (attempt < UNAVAILABLE_RETRIES) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        throw new Error(`cannot reach loglore at ${base} (${causeOf(error)}); is it running? Start it with \`loglore start\`, or pass --url`);
      }
      if (response.status === 503 && attempt < UNAVAILABLE_RETRIES) {
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 1000 * 2 ** attempt);
        continue;
      }
      if (!response.ok) throw await toApiError(response);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }

  return {
    url: base,
    json: (method, path, body, query) => request(method, address(path, query), body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json'),
    send: (method, path, body, contentType, query) => request(method, address(path, query), body, contentType),
    async *events(path, eventOptions = {}) {
      let lastEventId: string | undefined;
      let failures = 0;
      const retries = eventOptions.retries ?? 5;
      for (;;) {
        let response: Response;
        try {
          response = await fetch(address(path), {
            headers: headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
            ...(eventOptions.signal ? { signal: eventOptions.signal } : {}),
          });
        } catch (error) {
          if (eventOptions.signal?.aborted) return;
          if (++failures > retries) throw new Error(`lost the event stream from ${base} (${causeOf(error)})`);
          await sleep(500 * failures);
          continue;
        }
        if (!response.ok) throw await toApiError(response);
        if (!response.body) throw new Error('the event stream has no body');
        let lost: unknown;
        try {
          for await (const event of parseSse(response.body)) {
            failures = 0;
            if (event.id !== undefined) lastEventId = event.id;
            yield event;
          }
        } catch (error) {
          if (eventOptions.signal?.aborted) return;
          lost = error;
        } finally {
          // Also when the consumer stops early: the connection must not keep the process alive.
          await response.body.cancel().catch(() => {});
        }
        // The server closes the stream after the last event, and the consumer stops reading
        // there; a close before that (a restart, a proxy) resumes after the last event seen.
        if (++failures > retries) {
          throw new Error(lost ? `lost the event stream from ${base} (${causeOf(lost)})` : `the event stream from ${base} ended before the analysis did`);
        }
        await sleep(500 * failures);
      }
    },
  };
}

function causeOf(error: unknown): string {
  const e = error as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Server-Sent Events from a byte stream (WHATWG HTML §9.2): `id:`, `event:` and `data:`
 * fields, events separated by a blank line, comments (heartbeats) ignored.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A chunk ending in CR may be half of a CRLF: wait for the next one.
        if (newline === buffer.length - 1 && buffer.endsWith('\r')) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
