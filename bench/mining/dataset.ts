// Reading the loghub-2k samples and scoring groupings. The data stays outside the repo
// (../shared/data/loghub-2k or LOGHUB_DIR); nothing here copies it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface LabelledLines {
  system: string;
  contents: string[];
  eventIds: string[];
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function loghubDir(repoRoot: string): string {
  return process.env.LOGHUB_DIR ?? path.resolve(repoRoot, '../shared/data/loghub-2k');
}

/** Every `<Sys>/<Sys>_2k.log_structured.csv` under dir, sorted by system name. */
export function loadSystems(dir: string): LabelledLines[] {
  if (!existsSync(dir)) throw new Error(`loghub-2k not found at ${dir} (set LOGHUB_DIR)`);
  const out: LabelledLines[] = [];
  for (const system of readdirSync(dir).sort()) {
    const file = path.join(dir, system, `${system}_2k.log_structured.csv`);
    if (!existsSync(file)) continue;
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    if (!header) continue;
    const content = header.indexOf('Content');
    const eventId = header.indexOf('EventId');
    if (content < 0 || eventId < 0) throw new Error(`${file}: no Content or EventId column`);
    const data = rows.filter((r) => r.length === header.length);
    out.push({ system, contents: data.map((r) => r[content] ?? ''), eventIds: data.map((r) => r[eventId] ?? '') });
  }
  return out;
}

/**
 * Grouping accuracy: a line is correct when the set of lines in its predicted group equals
 * the set of lines in its true group. Two groups are equal sets exactly when every line of
 * the predicted group has the same true label and the two groups have the same size.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  const predSize = new Map<string, number>();
  const trueSize = new Map<string, number>();
  const predLabel = new Map<string, string | null>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] as string;
    const t = truth[i] as string;
    predSize.set(p, (predSize.get(p) ?? 0) + 1);
    trueSize.set(t, (trueSize.get(t) ?? 0) + 1);
    const seen = predLabel.get(p);
    if (seen === undefined) predLabel.set(p, t);
    else if (seen !== t) predLabel.set(p, null);
  }
  let correct = 0;
  for (const [p, size] of predSize) {
    const t = predLabel.get(p);
    if (t != null && trueSize.get(t) === size) correct += size;
  }
  return predicted.length === 0 ? 0 : correct / predicted.length;
}
