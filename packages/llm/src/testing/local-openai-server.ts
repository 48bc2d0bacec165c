/**
 * A real OpenAI-compatible HTTP server for tests: `POST /v1/chat/completions` on 127.0.0.1
 * and a random port, answering from a script. The SDK runs unmodified against it, as it
 * would against Ollama, vLLM or llama.cpp.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. `content` becomes the assistant message content. */
export interface ScriptedReply {
  status?: number;
  /** Raw body; overrides `content`/`refusal`/`finish_reason`. */
  body?: unknown;
  content?: string | null;
  refusal?: string | null;
  finish_reason?: 'stop' | 'length' | 'content_filter';
  /** Wait this long before answering (the socket stays open). */
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  };
}

export interface LocalOpenAiServer {
  baseURL: string;
  received: ReceivedRequest[];
  /** Queues replies; when the queue is empty, `fallback` answers. */
  script(...replies: ScriptedReply[]): void;
  fallback: ScriptedReply;
  close(): Promise<void>;
}

function completionBody(reply: ScriptedReply, model: string): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.content ?? null, refusal: reply.refusal ?? null },
        finish_reason: reply.finish_reason ?? 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the server; `close()` it in `afterEach`/`afterAll` (it drops open sockets). */
export async function startLocalOpenAiServer(): Promise<LocalOpenAiServer> {
  const queue: ScriptedReply[] = [];
  const received: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(raw) as ReceivedRequest['body'];
    received.push({ method: req.method, url: req.url, headers: req.headers, body });
    const reply = queue.shift() ?? api.fallback;
    const send = () => {
      timers.delete(timer);
      if (res.destroyed) return;
      const status = reply.status ?? 200;
      const payload =
        reply.body !== undefined ? reply.body
        : status === 200 ? completionBody(reply, body.model ?? 'test-model')
        : { error: { message: `scripted ${status}`, type: 'server_error' } };
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(payload));
    };
    const timer = setTimeout(send, reply.delayMs ?? 0);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: LocalOpenAiServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    received,
    fallback: { status: 500 },
    script: (...replies) => void queue.push(...replies),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
