import { TemplateMiner } from '@loglore/core';
import { openLines } from '../lines.ts';

/**
 * `loglore mine [FILE]`: template mining over a file or stdin, locally. One NDJSON object
 * per input line, `{line, template_id, template}`, written as the line is read (the
 * template as it stands then; a template that later generalises keeps its id).
 */
export async function mineCommand(file: string | undefined): Promise<number> {
  const source = openLines(file);
  const miner = new TemplateMiner();
  for await (const { number, text } of source.lines) {
    if (!text.trim()) continue;
    const mined = miner.add(text);
    const ok = process.stdout.write(`${JSON.stringify({ line: number, template_id: mined.id, template: mined.template })}\n`);
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return 0;
}
