/**
 * The only place loglore talks to a model. Chat Completions with strict Structured Outputs,
 * because that is the API local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) implement.
 * Every failure becomes `null` plus a warning: the analysis never fails because the model did.
 */
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/core/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ZodError } from 'zod';
import { LlmConfig } from './config.ts';
import { buildExtractionMessages, buildSummaryMessages } from './prompts.ts';
import { cleanList, cleanText } from './sanitize.ts';
import { LlmSummary, ModelParameters, type ExtractionInput, type SummaryInput } from './schemas.ts';

/** The part of a pino logger this package needs. */
export interface LlmLogger {
  warn(obj: object, msg?: string): void;
}

/** Model-backed helpers, created once at start-up and passed around in `deps`. */
export interface LlmClient {
  /**
   * Summary and root-cause hypothesis written from the evidence. Returns null (never throws)
   * on any failure: timeout, abort, HTTP error, refusal, truncated output, invalid JSON, schema
   * mismatch; the caller keeps the deterministic summary. Cited trace ids and templates are
   * the model's claims: the caller verifies them against the evidence like any finding.
   */
  summarize(input: SummaryInput, signal?: AbortSignal): Promise<LlmSummary | null>;
  /**
   * Parameters proposed by the model for a request; null on any failure. Unvalidated beyond
   * their shape: pass them through `mergeModelParameters`.
   */
  extractParameters(input: ExtractionInput, signal?: AbortSignal): Promise<Partial<ModelParameters> | null>;
}

/** Why a call gave nothing; logged, never thrown. */
export type LlmFailure =
  | 'timeout'
  | 'aborted'
  | 'http_error'
  | 'connection_error'
  | 'refusal'
  | 'length'
  | 'content_filter'
  | 'invalid_json'
  | 'schema_mismatch'
  | 'empty'
  | 'unknown';

/** Local servers ignore the key, but the SDK refuses to start without one. */
const PLACEHOLDER_API_KEY = 'not-needed';

const OUTPUT_LIMITS = { summary: 4_000, hypothesis: 2_000, citations: 50, citation: 500 } as const;

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`model call exceeded ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

class CallerAborted extends Error {
  constructor() {
    super('aborted by the caller');
    this.name = 'CallerAborted';
  }
}

class ModelAnswerError extends Error {
  constructor(readonly reason: LlmFailure, message: string) {
    super(message);
    this.name = 'ModelAnswerError';
  }
}

/**
 * Runs `run` under one signal that fires at the deadline or when the caller aborts, and
 * rejects with DeadlineExceeded or CallerAborted as soon as it fires. The race matters: the
 * SDK's back-off sleep between retries does not listen to the signal, and the caller must
 * not wait for it.
 */
async function withDeadline<T>(run: (signal: AbortSignal) => Promise<T>, ms: number, outer?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  const forward = () => controller.abort(new CallerAborted());
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  try {
    return await new Promise<T>((resolve, reject) => {
      if (controller.signal.aborted) return reject(controller.signal.reason);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      run(controller.signal).then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

function classify(err: unknown): { reason: LlmFailure; status?: number } {
  if (err instanceof ModelAnswerError) return { reason: err.reason };
  if (err instanceof DeadlineExceeded || err instanceof APIConnectionTimeoutError) return { reason: 'timeout' };
  if (err instanceof CallerAborted) return { reason: 'aborted' };
  if (err instanceof APIUserAbortError) return { reason: 'aborted' };
  if (err instanceof LengthFinishReasonError) return { reason: 'length' };
  if (err instanceof ContentFilterFinishReasonError) return { reason: 'content_filter' };
  if (err instanceof APIError) {
    return err.status === undefined ? { reason: 'connection_error' } : { reason: 'http_error', status: err.status };
  }
  if (err instanceof SyntaxError) return { reason: 'invalid_json' };
  if (err instanceof ZodError) return { reason: 'schema_mismatch' };
  return { reason: 'unknown' };
}

function errorMessage(err: unknown): string {
  return cleanText(err instanceof Error ? err.message : String(err), 300);
}

/**
 * Builds the client. Throws only on an invalid configuration (a start-up error); the
 * returned functions never throw.
 *
 * @example
 * const llm = createLlmClient({ baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b', timeoutMs: 20_000, maxRetries: 1 }, logger);
 * const summary = await llm.summarize(input, job.signal); // null: keep the deterministic summary
 */
export function createLlmClient(config: LlmConfig, logger?: LlmLogger): LlmClient {
  const cfg = LlmConfig.parse(config);
  const openai = new OpenAI({
    apiKey: cfg.apiKey ?? PLACEHOLDER_API_KEY,
    // null, not undefined: the SDK would otherwise read OPENAI_BASE_URL itself.
    baseURL: cfg.baseURL ?? null,
    timeout: cfg.timeoutMs,
    maxRetries: cfg.maxRetries,
  });
  const summaryFormat = zodResponseFormat(LlmSummary, 'loglore_summary');
  const parametersFormat = zodResponseFormat(ModelParameters, 'loglore_parameters');

  async function complete<T>(
    op: string,
    messages: ChatCompletionMessageParam[],
    format: AutoParseableResponseFormat<T>,
    signal: AbortSignal | undefined,
  ): Promise<T | null> {
    const started = Date.now();
    try {
      const completion = await withDeadline(
        (s) => openai.chat.completions.parse({ model: cfg.model, messages, response_format: format }, { signal: s }),
        cfg.timeoutMs,
        signal,
      );
      const message = completion.choices[0]?.message;
      if (!message) throw new ModelAnswerError('empty', 'no choice in the completion');
      if (message.refusal) throw new ModelAnswerError('refusal', message.refusal);
      if (message.parsed === null || message.parsed === undefined) throw new ModelAnswerError('empty', 'no content');
      return message.parsed as T;
    } catch (err) {
      const { reason, status } = classify(err);
      logger?.warn(
        { op, model: cfg.model, reason, status, error: errorMessage(err), elapsed_ms: Date.now() - started },
        `model ${op} failed (${reason}); falling back to the deterministic result`,
      );
      return null;
    }
  }

  return {
    async summarize(input, signal) {
      const parsed = await complete('summarize', buildSummaryMessages(input), summaryFormat, signal);
      if (!parsed) return null;
      // The model is treated as any other untrusted writer (OWASP LLM05): its text is cleaned too.
      const summary = cleanText(parsed.summary, OUTPUT_LIMITS.summary).trim();
      if (summary === '') {
        logger?.warn({ op: 'summarize', model: cfg.model, reason: 'empty' }, 'model summarize returned an empty summary');
        return null;
      }
      const hypothesis = parsed.root_cause_hypothesis === null ? null : cleanText(parsed.root_cause_hypothesis, OUTPUT_LIMITS.hypothesis).trim();
      return {
        summary,
        root_cause_hypothesis: hypothesis === '' ? null : hypothesis,
        cited_trace_ids: cleanList(parsed.cited_trace_ids, OUTPUT_LIMITS.citations, OUTPUT_LIMITS.citation),
        cited_templates: cleanList(parsed.cited_templates, OUTPUT_LIMITS.citations, OUTPUT_LIMITS.citation),
        confidence: parsed.confidence,
      };
    },

    async extractParameters(input, signal) {
      return complete('extract-params', buildExtractionMessages(input), parametersFormat, signal);
    },
  };
}
