import { Outcome, Parameters, SimilarAnalysis, type AnalysisOutcome } from '@loglore/core';
import { RequestCarry, type StepJobData } from '@loglore/queue';
import { z } from 'zod';

/**
 * What each step hands the next in its job's `carry` (see StepJobData): its small outputs, as
 * it stored them. A step reads the carry it was given through these schemas; one that is absent,
 * malformed or about another request is ignored and the step reads Postgres instead, so a carry
 * can only save reads, never change an outcome.
 */
export const ExtractCarry = z.object({ request: RequestCarry });
export const SimilarCarry = ExtractCarry.extend({ parameters: Parameters });
export const AnalyzeCarry = SimilarCarry.extend({ similar: z.array(SimilarAnalysis) });
/** The `verification` event's `cached` and `outcome`, which persist concludes from. */
export const PersistCarry = SimilarCarry.extend({ verification: z.object({ cached: z.boolean().optional(), outcome: z.unknown() }) });

/** The count persist leaves to pattern-stats: only when persist wrote the memory row it is computed from. */
export const UsageCarry = z.object({
  usage: z.object({
    definition: z
      .object({ pattern_key: z.string(), error_type: z.string(), domain: z.string().nullable(), title: z.string().nullable(), template: z.string().nullable() })
      .nullable(),
    occurred_at: z.iso.datetime(),
    project: z.string().nullable(),
    known_outcome: Outcome.nullable(),
  }),
});
export type UsageCarry = z.infer<typeof UsageCarry>;
export type UsageDefinition = NonNullable<UsageCarry['usage']['definition']>;

/** The carry of a job, when it is whole and about this job's request; else null (read Postgres). */
export function readCarry<T extends z.ZodType>(schema: T, data: StepJobData): z.infer<T> | null {
  if (!data.carry) return null;
  const parsed = schema.safeParse(data.carry);
  if (!parsed.success) return null;
  const request = (parsed.data as { request?: { id?: unknown } }).request;
  if (request && request.id !== data.request_id) return null;
  return parsed.data;
}

/**
 * The pattern an analysis counts towards, from its memory row (pattern key, error pattern,
 * parameters) and the verified outcome: the outcome's classification where it names the same
 * pattern. Shared by persist (which wrote the row) and pattern-stats (which read it).
 */
export function usageDefinition(
  memory: { patternKey: string | null; errorPattern: string | null; parameters: unknown },
  outcome: AnalysisOutcome,
): UsageDefinition | null {
  if (!memory.patternKey) return null;
  const classification = outcome.pattern_key === memory.patternKey ? outcome.classification : null;
  return {
    pattern_key: memory.patternKey,
    error_type: classification?.error_type ?? memory.errorPattern ?? 'UNCLASSIFIED',
    domain: classification?.domain ?? ((memory.parameters as { domain?: string | null }).domain ?? null),
    title: classification?.title ?? null,
    template: classification?.template ?? null,
  };
}
