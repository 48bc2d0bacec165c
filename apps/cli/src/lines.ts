import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from './http.ts';

export interface LineSource {
  /** Lines with their 1-based number and the bytes read up to their end. */
  lines: AsyncIterable<{ number: number; text: string; bytes: number }>;
  /** Size in bytes when known (a file), for progress bars; undefined for stdin. */
  size: number | undefined;
  name: string;
}

/**
 * The lines of a file, or of stdin for `-` (or no file). A missing or unreadable file is a
 * usage error (exit 2) with its reason.
 */
export function openLines(file: string | undefined): LineSource {
  const stdin = file === undefined || file === '-';
  let size: number | undefined;
  if (!stdin) {
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  const input = stdin ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  async function* read() {
    const reader = createInterface({ input, crlfDelay: Infinity });
    let number = 0;
    let bytes = 0;
    for await (const text of reader) {
      number++;
      bytes += Buffer.byteLength(text, 'utf8') + 1;
      yield { number, text, bytes };
    }
  }
  return { lines: read(), size, name: stdin ? 'stdin' : file };
}
