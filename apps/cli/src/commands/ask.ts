import ora from 'ora';
import { createClient, UsageError, type HttpOptions } from '../http.ts';
import { renderStep } from '../render.ts';

export interface AskOptions extends HttpOptions {
  project?: string;
  env?: string;
  domain?: string;
  conversation?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL = new Set(['completed', 'failed']);

/**
 * `loglore ask TEXT`: enqueues an analysis (a turn of a conversation with --conversation),
 * then prints each step as its event arrives. Exit 1 when the analysis fails.
 */
export async function askCommand(text: string, options: AskOptions): Promise<number> {
  if (!text.trim()) throw new UsageError('TEXT must not be empty');
  if (options.conversation !== undefined && !UUID.test(options.conversation)) {
    throw new UsageError(`--conversation must be a conversation id (a UUID), not "${options.conversation}"`);
  }
  const client = createClient(options);
  const hints = { project: options.project, env: options.env, domain: options.domain };
  const accepted = options.conversation
    ? await client.json<{ request_id: string }>('POST', `/api/conversations/${options.conversation}/messages`, { content: text, ...hints })
    : await client.json<{ request_id: string }>('POST', '/api/analyses', { text, source: 'api', ...hints });

  const spinner = ora({ text: 'waiting for the first step…', stream: process.stderr, isEnabled: !options.json && process.stderr.isTTY === true });
  if (!options.json) process.stderr.write(`analysis ${accepted.request_id} queued\n`);
  spinner.start();
  let final: string | undefined;
  try {
    for await (const event of client.events(`/api/analyses/${accepted.request_id}/events`)) {
      let payload: Record<string, unknown> = {};
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(event.data) as Record<string, unknown>;
        payload = (parsed.payload as Record<string, unknown>) ?? {};
      } catch {
        // a line that is not JSON is printed as it came
      }
      const step = (parsed?.step as string | undefined) ?? event.event;
      spinner.stop();
      if (options.json) process.stdout.write(`${parsed ? JSON.stringify(parsed) : event.data}\n`);
      else process.stdout.write(`${renderStep(step, payload).join('\n')}\n`);
      if (TERMINAL.has(step)) {
        final = step;
        break;
      }
      spinner.start('waiting for the next step…');
    }
  } finally {
    spinner.stop();
  }
  return final === 'completed' ? 0 : 1;
}
