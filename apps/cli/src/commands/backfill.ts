import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { MAX_INCIDENT_LINE_CHARS } from '@loglore/core';
import { createClient, UsageError, type Client, type HttpOptions } from '../http.ts';
import { openLines } from '../lines.ts';

export interface BackfillOptions extends HttpOptions {
  batch: number;
  restart?: boolean;
  maxBatches?: number;
  wait?: boolean;
}

/** What POST /api/backfill answers for one batch. */
interface BatchAnswer {
  backfill_id: string;
  accepted: number;
  created: number;
  duplicates: number;
  rejected: { line: number; error: string }[];
}

interface BackfillStatus {
  backfill_id: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  rejected: { line: number; error: string }[];
  rejected_count?: number;
}

/**
 * The progress file beside the input (`FILE.loglore-progress`): which backfill the file went
 * to and the last line the server acknowledged. Written after every acknowledged batch by
 * rename, so an interruption at any point leaves a readable file; a batch sent but not yet
 * recorded is simply sent again, and its incidents' idempotency keys make that harmless.
 */
interface ProgressState {
  version: 1;
  url: string;
  backfill_id: string;
  /** Identity of the input: its first bytes' hash (appending to it keeps the identity). */
  head_sha256: string;
  line: number;
  bytes: number;
  accepted: number;
  created: number;
  /** Rejected lines, at most MAX_REPORTED_REJECTIONS, one entry per line. */
  rejected: { line: number; error: string }[];
  finished: boolean;
}

/** Body bytes per request, under the API's limit for /api/backfill. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
/** Rejected lines kept in the progress file and printed; the server keeps them all. */
const MAX_REPORTED_REJECTIONS = 1_000;

export function progressPath(file: string): string {
  return `${file}.loglore-progress`;
}

function headHash(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return createHash('sha256').update(buffer.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

function readState(path: string): ProgressState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as ProgressState;
    if (state.version !== 1 || typeof state.backfill_id !== 'string' || typeof state.line !== 'number') throw new Error('unknown format');
    return state;
  } catch (error) {
    throw new UsageError(`the progress file ${path} is unreadable (${(error as Error).message}); pass --restart to start over`);
  }
}

function writeState(path: string, state: ProgressState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, path);
}

/**
 * `loglore backfill FILE`: historical incidents (NDJSON) in batches to POST /api/backfill,
 * with a progress bar, resumable: run it again after an interruption and it continues after
 * the last acknowledged line, under the same backfill id. Exit 0 when the whole file was
 * taken (bad lines are reported, not fatal), 1 when the server could not take it, 130 after
 * Ctrl-C (progress saved).
 */
export async function backfillCommand(file: string, options: BackfillOptions): Promise<number> {
  if (file === '-') throw new UsageError('backfill reads a file (its progress is kept beside it), not stdin');
  const source = openLines(file);
  const statePath = progressPath(file);
  const head = headHash(file);
  let state = options.restart ? undefined : readState(statePath);
  if (state) {
    if (state.head_sha256 !== head) {
      throw new UsageError(`${statePath} belongs to another version of ${file}; pass --restart to backfill it from the start`);
    }
    if (state.url !== options.url) {
      throw new UsageError(`${statePath} records a backfill sent to ${state.url}; pass --url ${state.url} to resume it, or --restart`);
    }
  }
  const client = createClient(options);
  if (state?.finished) {
    process.stdout.write(`${file} was already backfilled as ${state.backfill_id}\n`);
    return options.wait ? waitForBackfill(client, state.backfill_id) : 0;
  }
  const resumeAfter = state?.line ?? 0;
  if (state) process.stderr.write(`resuming backfill ${state.backfill_id} after line ${resumeAfter}\n`);

  const showBar = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'backfill |{bar}| {percentage}% | {incidents} incidents | {rate}/s | ETA {eta_formatted} | {rejected} rejected',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  if (showBar) bar.start(source.size ?? 0, state?.bytes ?? 0, { incidents: state?.accepted ?? 0, rate: 0, rejected: state?.rejected.length ?? 0 });

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSignal);

  const started = Date.now();
  let sentThisRun = 0;
  let batches = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  let batchFirst = resumeAfter + 1;
  let batchLast = resumeAfter;
  let batchEndBytes = state?.bytes ?? 0;
  // Lines the server would refuse unread are reported here and sent as blank lines, so one
  // oversized line cannot block the file behind the request size limit.
  let localRejected: { line: number; error: string }[] = [];

  const send = async (final: boolean) => {
    const answer = await client.send<BatchAnswer>('POST', '/api/backfill', batch.length ? `${batch.join('\n')}\n` : '', 'application/x-ndjson', {
      backfill_id: state?.backfill_id,
      first_line: batchFirst,
      final,
    });
    // A re-sent batch reports its bad lines again: one entry per line.
    const byLine = new Map([...(state?.rejected ?? []), ...localRejected, ...answer.rejected].map((r) => [r.line, r]));
    const rejected = [...byLine.values()].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_REJECTIONS);
    localRejected = [];
    state = {
      version: 1,
      url: options.url,
      backfill_id: answer.backfill_id,
      head_sha256: head,
      line: batchLast,
      bytes: batchEndBytes,
      accepted: (state?.accepted ?? 0) + answer.accepted,
      created: (state?.created ?? 0) + answer.created,
      rejected,
      finished: final,
    };
    writeState(statePath, state);
    sentThisRun += answer.accepted;
    batches++;
    if (showBar) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(batchEndBytes, { incidents: state.accepted, rate: Math.round(sentThisRun / seconds), rejected: rejected.length });
    }
    batch = [];
    batchBytes = 0;
    batchFirst = batchLast + 1;
  };

  let stoppedEarly = false;
  try {
    for await (const { number, text, bytes } of source.lines) {
      if (number <= resumeAfter) continue;
      // A full batch goes once the next line shows it is not the last one.
      if (batch.length >= options.batch || (batch.length > 0 && batchBytes + text.length > MAX_BATCH_BYTES)) {
        await send(false);
        if (interrupted || (options.maxBatches !== undefined && batches >= options.maxBatches)) {
          stoppedEarly = true;
          break;
        }
      }
      if (text.length > MAX_INCIDENT_LINE_CHARS) {
        localRejected.push({ line: number, error: `line is longer than ${MAX_INCIDENT_LINE_CHARS} characters` });
        batch.push('');
      } else {
        batch.push(text);
      }
      batchBytes += Math.min(text.length, MAX_INCIDENT_LINE_CHARS) + 1;
      batchLast = number;
      batchEndBytes = bytes;
    }
    if (!stoppedEarly) await send(true);
  } finally {
    process.off('SIGINT', onSignal);
    if (showBar) bar.stop();
  }

  const finalState = state as ProgressState | undefined;
  if (!finalState) return 1;
  for (const r of finalState.rejected) process.stderr.write(`line ${r.line}: ${r.error}\n`);
  // The server counts every rejected line once; oversized lines never reached it.
  const oversized = finalState.rejected.filter((r) => r.error.startsWith('line is longer than')).length;
  // The server's counts are exact (a batch sent twice is counted once there).
  const server = await client.json<BackfillStatus>('GET', `/api/backfill/${finalState.backfill_id}`).catch(() => undefined);
  const total = server?.total ?? finalState.accepted;
  const rejectedCount = server?.rejected_count === undefined ? finalState.rejected.length : server.rejected_count + oversized;
  const summary = `backfill ${finalState.backfill_id}: ${total} incidents accepted (${finalState.created} new), ${rejectedCount} line${rejectedCount === 1 ? '' : 's'} rejected`;
  if (stoppedEarly) {
    process.stdout.write(`${summary}; stopped after line ${finalState.line}, run the same command again to continue\n`);
    return interrupted ? 130 : 0;
  }
  process.stdout.write(`${summary}\n`);
  return options.wait ? waitForBackfill(client, finalState.backfill_id) : 0;
}

/** Polls the backfill's status with a second bar until every incident is analysed. */
async function waitForBackfill(client: Client, id: string): Promise<number> {
  const showBar = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'analysed |{bar}| {value}/{total} | {failed} failed | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let status = await client.json<BackfillStatus>('GET', `/api/backfill/${id}`);
  if (showBar) bar.start(status.total, status.done + status.failed, { failed: status.failed });
  try {
    while (status.status !== 'completed') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await client.json<BackfillStatus>('GET', `/api/backfill/${id}`);
      if (showBar) bar.update(status.done + status.failed, { failed: status.failed });
    }
  } finally {
    if (showBar) bar.stop();
  }
  process.stdout.write(`backfill ${id}: ${status.done} analysed, ${status.failed} failed\n`);
  return status.failed > 0 ? 1 : 0;
}
