import cliProgress from 'cli-progress';
import { createClient, type HttpOptions } from '../http.ts';
import { openLines } from '../lines.ts';

export interface LogsIngestOptions extends HttpOptions {
  project?: string;
  env?: string;
  domain?: string;
  service?: string;
  batch: number;
}

/** Bytes per request, well under the API's 16 MiB limit for /api/logs. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
// A line that continues the record before it (stack traces): a chunk never starts with one.
const CONTINUATION = /^(?:[ \t]|Caused by:|Suppressed:)/;

/**
 * `loglore logs ingest FILE|-`: NDJSON or plain-text log lines, sent in chunks to
 * POST /api/logs with a progress bar. Rejected lines are reported by their number in the
 * input. Exit 0 once every chunk was taken (bad lines do not fail the command).
 */
export async function logsIngestCommand(file: string, options: LogsIngestOptions): Promise<number> {
  const source = openLines(file);
  const client = createClient(options);
  const query = { project: options.project, env: options.env, domain: options.domain, service: options.service };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'logs |{bar}| {percentage}% | {events} events | {rate} lines/s | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const showBar = process.stderr.isTTY === true && source.size !== undefined;
  if (showBar) bar.start(source.size!, 0, { events: 0, rate: 0 });

  const started = Date.now();
  let ingested = 0;
  let linesSent = 0;
  const rejected: { line: number; error: string }[] = [];
  let chunk: string[] = [];
  let chunkBytes = 0;
  let chunkFirst = 1;
  let bytesRead = 0;

  const flush = async () => {
    if (chunk.length === 0) return;
    const answer = await client.send<{ ingested: number; rejected: { line: number; error: string }[] }>(
      'POST',
      '/api/logs',
      `${chunk.join('\n')}\n`,
      'text/plain',
      query,
    );
    ingested += answer.ingested;
    // The API numbers lines within the body; the user wants numbers in the input.
    for (const r of answer.rejected) rejected.push({ line: r.line + chunkFirst - 1, error: r.error });
    linesSent += chunk.length;
    chunk = [];
    chunkBytes = 0;
    if (showBar) bar.update(bytesRead, { events: ingested, rate: Math.round(linesSent / Math.max(0.001, (Date.now() - started) / 1000)) });
  };

  try {
    for await (const { number, text, bytes } of source.lines) {
      const full = chunk.length >= options.batch || chunkBytes + text.length > MAX_CHUNK_BYTES;
      // A record that never ends (every line indented) is cut anyway before the API's limit.
      if (full && (!CONTINUATION.test(text) || chunkBytes > 3 * MAX_CHUNK_BYTES)) {
        await flush();
      }
      if (chunk.length === 0) chunkFirst = number;
      chunk.push(text);
      chunkBytes += text.length + 1;
      bytesRead = bytes;
    }
    await flush();
  } finally {
    if (showBar) bar.stop();
  }
  for (const r of rejected.slice(0, 100)) process.stderr.write(`line ${r.line}: ${r.error}\n`);
  if (rejected.length > 100) process.stderr.write(`… and ${rejected.length - 100} more rejected lines\n`);
  process.stdout.write(`ingested ${ingested} events from ${source.name}${rejected.length ? `; ${rejected.length} lines rejected` : ''}\n`);
  return 0;
}
