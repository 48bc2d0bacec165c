// Runs the real `loglore mine` command over one system's lines (piped through stdin, so the
// data never lands in the repository) and reads back the grouping it printed.
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CommandGrouping {
  /** The template id printed for each input line, in input order. */
  ids: string[];
  wallMs: number;
}

/**
 * Spawns `node apps/cli/bin/loglore.js mine [--stream]` with `lines` on stdin. A line the
 * command did not print (it skips blank ones) gets an id of its own, so it counts as wrong
 * unless it is alone in its event.
 */
export function runMineCommand(repoRoot: string, lines: readonly string[], stream: boolean): Promise<CommandGrouping> {
  const bin = path.join(repoRoot, 'apps/cli/bin/loglore.js');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'mine', ...(stream ? ['--stream'] : [])], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`loglore mine exited ${code}: ${err.slice(0, 500)}`));
      const ids = lines.map((_, i) => `missing-${i}`);
      for (const row of Buffer.concat(out).toString('utf8').split('\n')) {
        if (!row) continue;
        const parsed = JSON.parse(row) as { line: number; template_id: string };
        ids[parsed.line - 1] = parsed.template_id;
      }
      resolve({ ids, wallMs: performance.now() - started });
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}
