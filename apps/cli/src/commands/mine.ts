import { TemplateMiner } from '@loglore/core';
import { openLines } from '../lines.ts';

export interface MineOptions {
  /** Print each line as it is read, with its template id as first assigned (ids may merge later). */
  stream?: boolean;
}

/** Said on stderr by `--stream`, and in its --help. */
export const STREAM_NOTE =
  'loglore mine --stream: each line is printed as it is read, with the template id it got then; ids may merge later ' +
  '(a template that generalises absorbs others), so lines of one final group can carry different ids. ' +
  'Without --stream the command reads everything first and prints the final grouping.';

/** Output is written in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** A growable array of unsigned 32-bit integers: 4 bytes a line, where an array of objects would take ~100. */
class U32List {
  private data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i] ?? 0;
  }
}

/**
 * Mines `lines` (blank ones skipped) and writes one NDJSON `{line, template_id, template}` per
 * line through `write`.
 *
 * Default (two passes): every line is learned first, keeping only its number and template id
 * (8 bytes a line; the miner's own state is bounded by the number of templates, not lines);
 * then each id is resolved once to the template that holds it at the end, and the lines are
 * written in order. So lines of one final group share one id, as `bench/mining` scores it.
 * `stream`: each line is written as it is read, with its id and template as they stand then.
 *
 * @example
 * await mineLines(lines, async (chunk) => void process.stdout.write(chunk));
 */
export async function mineLines(
  lines: AsyncIterable<{ number: number; text: string }>,
  write: (chunk: string) => Promise<void>,
  options: MineOptions = {},
): Promise<{ lines: number; templates: number }> {
  const miner = new TemplateMiner();
  let count = 0;
  if (options.stream) {
    for await (const { number, text } of lines) {
      if (!text.trim()) continue;
      const mined = miner.add(text);
      count++;
      await write(`${JSON.stringify({ line: number, template_id: mined.id, template: mined.template })}\n`);
    }
    return { lines: count, templates: miner.templates().length };
  }

  const numbers = new U32List();
  const idOfLine = new U32List();
  const idIndex = new Map<string, number>();
  const ids: string[] = [];
  for await (const { number, text } of lines) {
    if (!text.trim()) continue;
    const { id } = miner.add(text);
    let k = idIndex.get(id);
    if (k === undefined) {
      k = ids.length;
      ids.push(id);
      idIndex.set(id, k);
    }
    numbers.push(number);
    idOfLine.push(k);
  }
  // Each id resolved once: the rest of every output line is shared by its group.
  const tails = ids.map((id) => {
    const final = miner.resolve(id);
    return `,"template_id":${JSON.stringify(final?.id ?? id)},"template":${JSON.stringify(final?.template ?? '')}}\n`;
  });
  let chunk = '';
  for (let i = 0; i < numbers.length; i++) {
    chunk += `{"line":${numbers.at(i)}${tails[idOfLine.at(i)] ?? ''}`;
    if (chunk.length >= CHUNK_CHARS) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk) await write(chunk);
  return { lines: numbers.length, templates: miner.templates().length };
}

/** Writes to stdout, waiting for 'drain' when its buffer is full. */
async function writeStdout(chunk: string): Promise<void> {
  if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

/**
 * `loglore mine [FILE] [--stream]`: template mining over a file or stdin, locally. One NDJSON
 * object per non-blank input line, `{line, template_id, template}`: by default the final
 * grouping (see `mineLines`); with `--stream` as each line is read (a stderr note says ids
 * may merge later).
 */
export async function mineCommand(file: string | undefined, options: MineOptions = {}): Promise<number> {
  const source = openLines(file);
  if (options.stream) process.stderr.write(`${STREAM_NOTE}\n`);
  await mineLines(source.lines, writeStdout, options);
  return 0;
}
