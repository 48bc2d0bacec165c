/**
 * Historical incidents for backfills: one NDJSON line each,
 * `{occurred_at, text, project, env, domain, trace_ids?, error_pattern?, resolution?, resolved?, logs?}`.
 * Pure: a line is validated, its logs normalised and every free text redacted here; the
 * HTTP layer stores what comes out.
 */
import { createHash } from 'node:crypto';
import { stableStringify } from '../stable.ts';
import { z } from 'zod';
import { parseLogLine } from '../logs/parse.ts';
import { normaliseLogObject } from '../logs/object.ts';
import { redactText } from '../redact/text.ts';
import { logEventRedactor } from '../redact/value.ts';
import type { LogEvent, Outcome } from '../schemas.ts';
import { findUnstorable, INSTANT_RANGE_MESSAGE, instantInRange, storableText } from '../storable.ts';

/** An incident line longer than this is rejected unread (its logs included). */
export const MAX_INCIDENT_LINE_CHARS = 1024 * 1024;
/** Log events one incident may carry. */
export const MAX_INCIDENT_LOGS = 1_000;
/** Longest incident text; a longer one is rejected (a backfill file is the operator's to fix). */
export const MAX_INCIDENT_TEXT_CHARS = 8_000;

const Scope = z.string().trim().min(1, 'must not be empty').max(256, 'is longer than 256 characters').nullable();

/**
 * One incident line. Unknown fields are ignored, so exports from other tools load as they
 * are. `project`, `env` and `domain` must be present (null when unknown).
 */
export const IncidentLine = z.looseObject({
  occurred_at: z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 time with an offset, e.g. 2026-11-25T10:00:00Z' })
    .refine(instantInRange, INSTANT_RANGE_MESSAGE),
  text: z.string().trim().min(1, 'must not be empty').max(MAX_INCIDENT_TEXT_CHARS, `is longer than ${MAX_INCIDENT_TEXT_CHARS} characters`),
  project: Scope,
  env: Scope,
  domain: Scope,
  trace_ids: z.array(z.string().trim().min(1).max(256)).max(100, 'holds more than 100 trace ids').optional(),
  /** The error pattern the incident was known by (e.g. `DB_POOL_EXHAUSTED`). */
  error_pattern: z.string().trim().min(1).max(200).nullish(),
  resolution: z.string().trim().min(1).max(MAX_INCIDENT_TEXT_CHARS).nullish(),
  /** Whether the resolution worked: true → outcome `resolved`, false → `not_resolved`. */
  resolved: z.boolean().nullish(),
  /** Log events of the incident: JSON objects (any common field names) or raw log lines. */
  logs: z
    .array(z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'each log event must be an object or a log line' }))
    .max(MAX_INCIDENT_LOGS, `holds more than ${MAX_INCIDENT_LOGS} log events`)
    .optional(),
});
export type IncidentLine = z.infer<typeof IncidentLine>;

/** What the caller already knows of an incident; persist keeps it over the analyser's view. */
export interface KnownIncidentOutcome {
  error_pattern: string | null;
  resolution: string | null;
  outcome: Outcome | null;
}

/** A validated incident, redacted, ready to store. */
export interface BackfillIncident {
  /** 1-based line number in the file (or body) it came from. */
  line: number;
  /** Stable across re-sends: a hash of the line's content, not of its position. */
  idempotencyKey: string;
  occurredAt: Date;
  text: string;
  project: string | null;
  env: string | null;
  domain: string | null;
  /** For `analysis_requests.metadata`: `{hints: {trace_ids}, known}`. */
  metadata: {
    hints: { services: string[]; trace_ids: string[] };
    known: KnownIncidentOutcome;
  };
  logs: LogEvent[];
}

export interface LineRejection {
  line: number;
  error: string;
}


/**
 * The idempotency key of an incident: a hash of its content with keys sorted, so a resumed
 * or re-sent backfill (whatever the whitespace or key order) answers the same request, and
 * two distinct incidents never share one.
 */
export function incidentIdempotencyKey(raw: unknown): string {
  return `backfill-${createHash('sha256').update(stableStringify(raw)).digest('hex').slice(0, 40)}`;
}

const MAX_ERROR_CHARS = 300;

/** Fields of an incident that are stored; the text of others (ignored) and of `logs` (cleaned by the log parser) is not checked. */
const STORED_FIELDS = new Set(['occurred_at', 'text', 'project', 'env', 'domain', 'trace_ids', 'error_pattern', 'resolution', 'resolved']);

function cut(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

function describeIssues(error: z.ZodError): string {
  return describe(error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}

function describe(issues: readonly { path: string; message: string }[]): string {
  return cut(
    issues
      .slice(0, 5)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; '),
  );
}

/**
 * One NDJSON line → an incident or the reason it cannot be one. Log events take the
 * incident's project, env and domain when they do not say theirs, and its time when they
 * carry none; one bad log event rejects the line (`logs.3: ...`), so nothing is half-loaded.
 */
export function parseIncidentLine(line: string, lineNumber: number): { ok: true; incident: BackfillIncident } | { ok: false; error: string } {
  if (line.length > MAX_INCIDENT_LINE_CHARS) return { ok: false, error: `line is longer than ${MAX_INCIDENT_LINE_CHARS} characters` };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `line is not valid JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'line must be a JSON object' };
  // Before any recursive walk (zod, hashing): too deep, or text Postgres cannot store.
  const unstorable = findUnstorable(raw, { checkText: (key) => STORED_FIELDS.has(key) });
  if (unstorable.length > 0) return { ok: false, error: describe(unstorable) };
  const parsed = IncidentLine.safeParse(raw);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  const v = parsed.data;
  const occurredAt = new Date(Date.parse(v.occurred_at));
  const defaults = { project: v.project, env: v.env, domain: v.domain, now: occurredAt };
  const logs: LogEvent[] = [];
  // A private key split across the incident's log lines is redacted whole.
  const redact = logEventRedactor();
  for (const [i, entry] of (v.logs ?? []).entries()) {
    const result = typeof entry === 'string' ? parseLogLine(entry, defaults) : normaliseLogObject(entry, defaults);
    if (!result.ok) return { ok: false, error: `logs.${i}: ${result.error}` };
    logs.push(redact(result.event));
  }
  return {
    ok: true,
    incident: {
      line: lineNumber,
      idempotencyKey: incidentIdempotencyKey(raw),
      occurredAt,
      text: redactText(v.text),
      project: v.project,
      env: v.env,
      domain: v.domain,
      metadata: {
        hints: { services: [], trace_ids: [...new Set(v.trace_ids ?? [])] },
        known: {
          error_pattern: v.error_pattern ?? null,
          resolution: v.resolution ? redactText(v.resolution) : null,
          outcome: v.resolved === true ? 'resolved' : v.resolved === false ? 'not_resolved' : null,
        },
      },
      logs,
    },
  };
}

/**
 * An NDJSON body of incidents → the good ones and the bad lines by number. `firstLine` is the
 * number of the body's first line in the whole file (a client sending a file in batches
 * passes it, so numbers point into the file). Blank lines are skipped, not reported.
 */
export function parseIncidentBody(body: string, firstLine = 1): { incidents: BackfillIncident[]; rejected: LineRejection[] } {
  const incidents: BackfillIncident[] = [];
  const rejected: LineRejection[] = [];
  let start = 0;
  let number = firstLine;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    let line = body.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim()) {
      const result = parseIncidentLine(line, number);
      if (result.ok) incidents.push(result.incident);
      // Errors quote the line (JSON.parse does): stored, so they are redacted and made storable.
      else rejected.push({ line: number, error: storableText(redactText(result.error)) });
    }
    start = end + 1;
    number++;
  }
  return { incidents, rejected };
}
