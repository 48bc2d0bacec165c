import { z } from 'zod';

/** How loglore reaches an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp...). */
export const LlmConfig = z.object({
  /** Base URL ending in `/v1`; unset means the SDK's default (api.openai.com). */
  baseURL: z.url().optional(),
  /** Unset for local servers that ignore it. */
  apiKey: z.string().min(1).optional(),
  model: z.string().min(1),
  /** Bound on one whole call, retries and back-off included. */
  timeoutMs: z.int().positive().default(20_000),
  /** SDK retries on connection errors, 408, 409, 429 and 5xx; kept small because BullMQ owns retries. */
  maxRetries: z.int().min(0).max(5).default(1),
});
export type LlmConfig = z.infer<typeof LlmConfig>;

const intFromEnv = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
};

/**
 * Reads the model configuration from the environment. The model is enabled when `LLM_MODEL`
 * is set and `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set; otherwise this returns null and the
 * deterministic analyser is used. `LLM_TIMEOUT_MS` (default 20000) and `LLM_MAX_RETRIES`
 * (default 1) tune the calls. A malformed value throws at start-up rather than being ignored.
 *
 * @example
 * const config = llmConfigFromEnv(process.env);
 * const llm = config ? createLlmClient(config, logger) : null;
 */
export function llmConfigFromEnv(env: NodeJS.ProcessEnv): LlmConfig | null {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const model = value('LLM_MODEL');
  const baseURL = value('OPENAI_BASE_URL');
  const apiKey = value('OPENAI_API_KEY');
  if (model === undefined || (baseURL === undefined && apiKey === undefined)) return null;
  const parsed = LlmConfig.safeParse({
    model,
    baseURL,
    apiKey,
    timeoutMs: intFromEnv(value('LLM_TIMEOUT_MS')),
    maxRetries: intFromEnv(value('LLM_MAX_RETRIES')),
  });
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid model configuration (LLM_MODEL, OPENAI_BASE_URL, LLM_TIMEOUT_MS, LLM_MAX_RETRIES): ${fields}`);
  }
  return parsed.data;
}
