import { createClient, type HttpOptions } from '../http.ts';
import { renderPatterns } from '../render.ts';

export interface PatternsOptions extends HttpOptions {
  domain?: string;
  errorType?: string;
  limit?: number;
  long?: boolean;
  json?: boolean;
}

/** `loglore patterns`: the error patterns with their statistics (GET /api/patterns). */
export async function patternsCommand(options: PatternsOptions): Promise<number> {
  const client = createClient(options);
  const { patterns } = await client.json<{ patterns: Record<string, unknown>[] }>('GET', '/api/patterns', undefined, {
    domain: options.domain,
    error_type: options.errorType,
    limit: options.limit,
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ patterns })}\n`);
    return 0;
  }
  process.stdout.write(`${renderPatterns(patterns)}\n`);
  if (options.long) {
    for (const p of patterns) {
      const causes = Array.isArray(p.typical_causes) ? p.typical_causes : [];
      const steps = Array.isArray(p.resolution_steps) ? p.resolution_steps : [];
      if (!causes.length && !steps.length) continue;
      process.stdout.write(`\n${String(p.pattern_key)}\n`);
      if (causes.length) process.stdout.write(`  typical causes:\n${causes.map((c) => `    - ${String(c)}\n`).join('')}`);
      if (steps.length) process.stdout.write(`  resolution steps:\n${steps.map((s, i) => `    ${i + 1}. ${String(s)}\n`).join('')}`);
    }
  }
  return 0;
}
