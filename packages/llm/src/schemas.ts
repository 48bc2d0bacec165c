/**
 * Shapes exchanged with the model. The two output schemas are sent as strict Structured
 * Outputs, so they follow its rules: the root is an object, every property is required,
 * absent values are `.nullable()` (never `.optional()`), and string lengths are not used
 * (unsupported in strict mode; lengths are capped after parsing instead).
 */
import { z } from 'zod';
import type { KnownPattern, Parameters, SimilarAnalysis, TimeRange } from '@loglore/core';

/** What the model writes for an analysis: validated by zod before anyone reads it. */
export const LlmSummary = z.object({
  summary: z.string().describe('Two to five sentences for an on-call engineer: what fails, where, since when, how often.'),
  root_cause_hypothesis: z
    .string()
    .nullable()
    .describe('The most likely cause supported by the evidence, or null when the evidence shows no failure.'),
  cited_trace_ids: z.array(z.string()).describe('Trace ids copied verbatim from the evidence that show the failure.'),
  cited_templates: z.array(z.string()).describe('Templates copied verbatim from the evidence that the summary relies on.'),
  confidence: z.number().min(0).max(1).describe('How strongly the evidence supports the hypothesis, 0 to 1.'),
});
export type LlmSummary = z.infer<typeof LlmSummary>;

/**
 * Parameters as the model proposes them. Deliberately loose (plain strings and numbers):
 * `mergeModelParameters` validates each field and drops the bad ones, so one odd value
 * does not throw away the whole answer.
 */
export const ModelParameters = z.object({
  project: z.string().nullable().describe('Project named in the request, or null.'),
  env: z.string().nullable().describe('Environment named in the request (one of allowed_envs when given), or null.'),
  domain: z.string().nullable().describe('Business domain of the request (one of allowed_domains when given), or null.'),
  time_range: z
    .object({
      from: z.string().describe('ISO-8601 instant with offset.'),
      to: z.string().describe('ISO-8601 instant with offset.'),
    })
    .nullable()
    .describe('Window the request states, resolved against `at`; null when it states none.'),
  trace_ids: z.array(z.string()).describe('Trace ids written in the request, verbatim.'),
  request_ids: z.array(z.string()).describe('Request ids written in the request, verbatim.'),
  transaction_ids: z.array(z.string()).describe('Transaction ids written in the request, verbatim.'),
  services: z.array(z.string()).describe('Service or application names mentioned.'),
  http_status: z.array(z.number()).describe('HTTP status codes mentioned.'),
  error_codes: z.array(z.string()).describe('Error codes written in the request, verbatim.'),
  keywords: z.array(z.string()).describe('Other words that should match log messages.'),
});
export type ModelParameters = z.infer<typeof ModelParameters>;

/** One mined template of the evidence, ranked by the analysis (most significant first). */
export interface EvidenceTemplate {
  template: string;
  count: number;
  baseline_count: number;
  example?: string;
  services: string[];
  trace_ids: string[];
}

/** Everything the model may read to write a summary. All of it is treated as untrusted data. */
export interface SummaryInput {
  question: string;
  parameters: Parameters;
  evidence: {
    templates: EvidenceTemplate[];
    trace_ids: string[];
    time_range: TimeRange;
  };
  known_pattern?: KnownPattern | null;
  similar?: SimilarAnalysis[];
  /** Conversation context already built (and delimited) by the caller; embedded as data here. */
  context?: string;
}

/** Input of the model extractor. `at` anchors relative times ("since 10:00"). */
export interface ExtractionInput {
  text: string;
  at: string;
  /** Parameters of the conversation's previous turn, for follow-ups ("what about staging?"). */
  previous?: Parameters | null;
  /** Configured vocabularies, shown to the model so it picks canonical names. */
  vocabulary?: { envs?: string[]; domains?: string[] };
}
