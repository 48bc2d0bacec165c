// The benchmarks of bench/: every directory holding a run.ts, with the optional time
// estimates of its bench.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './results.ts';

export interface BenchInfo {
  name: string;
  script: string;
  quickSeconds: number | null;
  fullSeconds: number | null;
}

/** Every directory of bench/ holding a run.ts, by name. */
export function discoverBenches(benchDir = path.join(REPO_ROOT, 'bench')): BenchInfo[] {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(benchDir, d.name, 'run.ts')))
    .map((d) => {
      const metaPath = path.join(benchDir, d.name, 'bench.json');
      const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as { quick_seconds?: number; full_seconds?: number }) : {};
      return { name: d.name, script: path.join(benchDir, d.name, 'run.ts'), quickSeconds: meta.quick_seconds ?? null, fullSeconds: meta.full_seconds ?? null };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
