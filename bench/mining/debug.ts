// Lists the grouping mistakes of the miner on one system (or all), for understanding kinds
// of failure rather than for tuning:
//   npx tsx bench/mining/debug.ts Mac
//   MINER_OPTIONS='{"similarity":0.7}' npx tsx bench/mining/debug.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateMiner } from '../../packages/core/src/mining/index.ts';
import { groupingAccuracy, loadSystems, loghubDir } from './dataset.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wanted = process.argv[2];
for (const { system, contents, eventIds } of loadSystems(loghubDir(repoRoot))) {
  if (wanted && system !== wanted) continue;
  const miner = new TemplateMiner(JSON.parse(process.env.MINER_OPTIONS ?? '{}'));
  const added = contents.map((line) => miner.add(line).id);
  const predicted = added.map((id) => miner.resolve(id)?.id ?? id);
  console.log(`${system} GA ${groupingAccuracy(predicted, eventIds).toFixed(3)}`);
  const byTruth = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < contents.length; i++) {
    const t = eventIds[i] as string;
    const p = predicted[i] as string;
    const m = byTruth.get(t) ?? new Map<string, number[]>();
    byTruth.set(t, m);
    m.set(p, [...(m.get(p) ?? []), i]);
  }
  const byPred = new Map<string, Set<string>>();
  for (let i = 0; i < contents.length; i++) {
    const s = byPred.get(predicted[i] as string) ?? new Set<string>();
    s.add(eventIds[i] as string);
    byPred.set(predicted[i] as string, s);
  }
  const templates = new Map(miner.templates().map((t) => [t.id, t.template]));
  for (const [t, m] of byTruth) {
    const split = m.size > 1;
    const merged = [...m.keys()].some((p) => (byPred.get(p)?.size ?? 0) > 1);
    if (!split && !merged) continue;
    const n = [...m.values()].reduce((a, b) => a + b.length, 0);
    console.log(`\n${t} (${n} lines)${split ? ' SPLIT' : ''}${merged ? ' MERGED' : ''}`);
    for (const [p, idx] of m) {
      const others = [...(byPred.get(p) ?? [])].filter((x) => x !== t);
      console.log(`  ${idx.length}x ${templates.get(p)}${others.length ? `  [with ${others.join(',')}]` : ''}`);
      console.log(`     e.g. ${contents[idx[0] as number]}`);
    }
  }
}
