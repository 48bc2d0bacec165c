import { extractParameters, Parameters } from '@loglore/core';
import { createClient, UsageError, type HttpOptions } from '../http.ts';
import { loadExtractorConfig } from '../services.ts';

export interface ExtractOptions extends Partial<HttpOptions> {
  at?: string;
  conversation?: string;
}

/**
 * `loglore extract TEXT`: the parameters the rules extract from TEXT, as JSON, computed
 * locally. With --conversation the conversation's last parameters (read over HTTP) are the
 * previous turn, so follow-ups ("and in staging?") resolve as the pipeline would.
 */
export async function extractCommand(text: string, options: ExtractOptions): Promise<number> {
  let at = new Date();
  if (options.at !== undefined) {
    at = new Date(options.at);
    if (!/^\d{4}-\d\d-\d\d/.test(options.at) || Number.isNaN(at.getTime())) {
      throw new UsageError(`--at must be an ISO-8601 time such as 2026-11-25T10:00:00Z, not "${options.at}"`);
    }
  }
  let previous: Parameters | undefined;
  if (options.conversation !== undefined) {
    if (!options.url) throw new UsageError('--conversation needs --url');
    const client = createClient({ url: options.url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    const conversation = await client.json<{ messages?: { parameters?: unknown }[] }>('GET', `/api/conversations/${encodeURIComponent(options.conversation)}`);
    for (const message of [...(conversation.messages ?? [])].reverse()) {
      const parsed = Parameters.safeParse(message.parameters);
      if (parsed.success) {
        previous = parsed.data;
        break;
      }
    }
  }
  const config = loadExtractorConfig(process.env.LOGLORE_EXTRACTOR_CONFIG?.trim() || undefined);
  const parameters = extractParameters({ text, at, ...(previous ? { previous } : {}) }, config);
  process.stdout.write(`${JSON.stringify(parameters, null, 2)}\n`);
  return 0;
}
