/**
 * @loglore/llm: the optional model behind summaries and parameter extraction. The only
 * package that imports `openai`. Everything here degrades to `null`, so callers always keep
 * their deterministic result.
 */
export { LlmConfig, llmConfigFromEnv } from './config.ts';
export { createLlmClient, type LlmClient, type LlmFailure, type LlmLogger } from './client.ts';
export { mergeModelParameters, type MergeOptions } from './merge.ts';
export {
  LlmSummary,
  ModelParameters,
  type EvidenceTemplate,
  type ExtractionInput,
  type SummaryInput,
} from './schemas.ts';
export {
  buildEvidence,
  type EvidenceDoc,
  type EvidenceDocTemplate,
  buildExtractionMessages,
  buildSummaryMessages,
  dataRule,
  EVIDENCE_TAG,
  EXTRACTION_SYSTEM_PROMPT,
  PROMPT_LIMITS,
  REQUEST_TAG,
  SUMMARY_SYSTEM_PROMPT,
} from './prompts.ts';
export { cleanText, dataBlock, stripControl, truncate } from './sanitize.ts';
