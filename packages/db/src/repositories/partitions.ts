import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.ts';

/**
 * The partitions of log_events: one per UTC day, `log_events_pYYYYMMDD` for [day, day + 1),
 * made by the SQL function `log_events_ensure_partition(day)` (migration 0009), and
 * `log_events_default` for rows of a day that has none yet. Dropping a day's partition is how
 * retention removes old logs without deleting them row by row.
 */

const PARTITION_NAME = /^log_events_p(\d{4})(\d\d)(\d\d)$/;
const DAY = /^(\d{4})-\d\d-\d\d$/;

/** At most this many new partitions per call: a batch spread over years leaves the rest in the default partition. */
const MAX_NEW_PER_CALL = 64;

/** Days known to have a partition, per database (its client) or transaction handle. */
const known = new WeakMap<object, Set<string>>();

function knownDays(db: Db): Set<string> {
  const key = ((db as { $client?: object }).$client ?? db) as object;
  let days = known.get(key);
  if (!days) known.set(key, (days = new Set()));
  return days;
}

/** A day's partition name. */
export function logPartitionName(day: string): string {
  return `log_events_p${day.replaceAll('-', '')}`;
}

function isPartitionableDay(day: string): boolean {
  const m = DAY.exec(day);
  return m !== null && Number(m[1]) >= 1000;
}

/**
 * Makes sure each of `days` (UTC, `YYYY-MM-DD`) has its partition, moving that day's rows out
 * of the default partition where they went first. Days this handle already made or saw cost no
 * round trip; the others take one statement for all of them. A partition dropped since (by
 * retention in this or another process) only means later rows of that day go to the default
 * partition, which is always correct.
 */
export async function ensureLogPartitions(db: Db, days: Iterable<string>, options: { lockTimeoutMs?: number } = {}): Promise<number> {
  const seen = knownDays(db);
  const missing = [...days].filter((d) => !seen.has(d) && isPartitionableDay(d));
  if (missing.length === 0) return 0;
  const wanted = missing.sort().reverse().slice(0, MAX_NEW_PER_CALL);
  // Making a partition waits for the writes in flight (a long transaction among them would hold
  // it, and every insert queued behind it): past the lock timeout this fails, the rows stay in
  // the default partition, and a later call or the maintenance job tries again.
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs ?? 2_000))}`));
    return queryRows<{ made: boolean }>(tx, sql`select log_events_ensure_partition(d) as made from unnest(${`{${wanted.join(',')}}`}::date[]) as d`);
  });
  for (const d of wanted) seen.add(d);
  return rows.filter((r) => r.made).length;
}

export interface LogPartition {
  name: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
}

/** The day partitions of log_events, oldest first (the default partition is not one of them). */
export async function listLogPartitions(db: Db): Promise<LogPartition[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'log_events'::regclass`,
  );
  const out: LogPartition[] = [];
  for (const { name } of rows) {
    const m = PARTITION_NAME.exec(name);
    if (m) out.push({ name, day: `${m[1]}-${m[2]}-${m[3]}` });
  }
  return out.sort((a, b) => a.day.localeCompare(b.day));
}

/**
 * Drops the day partitions that end at or before `before`, each in its own short transaction
 * (under the partition advisory lock, with a lock timeout so a long query on log_events delays
 * a drop to the next run instead of queueing every insert behind it). Answers the partitions
 * dropped and the rows they held; one another process dropped first counts nothing.
 */
export async function dropLogPartitionsBefore(db: Db, before: Date, options: { lockTimeoutMs?: number } = {}): Promise<{ dropped: string[]; rows: number; skipped: string[] }> {
  const result = { dropped: [] as string[], rows: 0, skipped: [] as string[] };
  const seen = knownDays(db);
  for (const p of await listLogPartitions(db)) {
    const end = Date.parse(`${p.day}T00:00:00Z`) + 86_400_000;
    if (end > before.getTime()) break;
    try {
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs ?? 5_000))}`));
        await tx.execute(sql`select pg_advisory_xact_lock(7201611240)`);
        const [exists] = await queryRows<{ oid: string | null }>(tx, sql`select to_regclass(${p.name})::text as oid`);
        if (!exists?.oid) return null;
        const [count] = await queryRows<{ n: number }>(tx, sql.raw(`select count(*)::int as n from "${p.name}"`));
        await tx.execute(sql.raw(`drop table "${p.name}"`));
        return Number(count?.n ?? 0);
      });
      seen.delete(p.day);
      if (rows === null) continue;
      result.dropped.push(p.name);
      result.rows += rows;
    } catch (error) {
      if (isLockTimeout(error)) {
        result.skipped.push(p.name);
        continue;
      }
      throw error;
    }
  }
  return result;
}

/**
 * Gives the days that have rows in the default partition their own partitions (which moves
 * those rows), the days in [from, to) only and at most `maxDays` of them: rows stored inside
 * a transaction, or while making the partition failed, end up there (`from` null: no lower bound).
 */
export async function drainDefaultLogPartition(db: Db, range: { from: Date | null; to: Date; maxDays?: number }): Promise<number> {
  const rows = await queryRows<{ day: string }>(
    db,
    sql`select distinct to_char(ts at time zone 'UTC', 'YYYY-MM-DD') as day from log_events_default
        where ${range.from ? sql`ts >= ${range.from.toISOString()}::timestamptz and ` : sql``}ts < ${range.to.toISOString()}::timestamptz
        order by 1 desc limit ${range.maxDays ?? 31}`,
  );
  if (rows.length === 0) return 0;
  // Whatever this handle believes, these days have no partition.
  const seen = knownDays(db);
  for (const r of rows) seen.delete(r.day);
  return ensureLogPartitions(
    db,
    rows.map((r) => r.day),
  );
}

/** How many rows the default partition holds (days without a partition yet). */
export async function countDefaultLogPartition(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from log_events_default`);
  return Number(row?.n ?? 0);
}

/** Whether an error is Postgres' lock_not_available (55P03, a lock timeout), through drizzle's wrapping. */
export function isLockTimeout(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '55P03' || e?.cause?.code === '55P03';
}
