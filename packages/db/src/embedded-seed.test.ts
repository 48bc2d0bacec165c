/**
 * The embedded database's seed: a new data directory opened with `seedDir`, as `loglore start`
 * opens one, is a copy of the seed (migrated before `migrate()` runs), and every seed that is
 * missing, unfit or broken falls back to PGlite's initdb.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSeedDataDir, MIGRATIONS_DIR, openDatabase, queryRows, type Database } from './client.ts';
import { migrationTags, SEED_MANIFEST, seedIsCurrent, seedMismatch, type SeedManifest } from './embedded-seed.ts';

const scratch = mkdtempSync(join(tmpdir(), 'loglore-seed-'));
const seed = join(scratch, 'seed');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// One seed for the file: making it runs initdb and every migration (10-30 s on two cores).
beforeAll(async () => {
  expect(await makeSeedDataDir(seed)).toBe('made');
}, 120_000);

let n = 0;
/** A new, empty LOGLORE_DATA_DIR's pg/, as the CLI passes it. */
const newDataDir = () => join(scratch, `data-${n++}`, 'pg');

/** A copy of the seed whose manifest `edit` changes. */
function seedWith(edit: (manifest: SeedManifest) => void): string {
  const dir = join(scratch, `seed-${n++}`);
  cpSync(seed, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  edit(manifest);
  writeFileSync(join(dir, SEED_MANIFEST), JSON.stringify(manifest));
  return dir;
}

async function appliedMigrations(database: Database): Promise<number | null> {
  const [table] = await queryRows<{ t: string | null }>(database.db, sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`);
  if (!table?.t) return null;
  const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return row!.n;
}

async function withDatabase<T>(options: Parameters<typeof openDatabase>[0], use: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(options);
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

describe('the embedded database seed', () => {
  it('records the PGlite version and every migration, and is what a rebuild reuses', async () => {
    expect(seedMismatch(seed, MIGRATIONS_DIR)).toBeNull();
    expect(seedIsCurrent(seed, MIGRATIONS_DIR)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(seed, SEED_MANIFEST), 'utf8')) as SeedManifest;
    expect(manifest.migrations).toEqual(migrationTags(MIGRATIONS_DIR));
    // A cleanly closed directory: no postmaster.pid for the next open to trip over.
    expect(existsSync(join(seed, 'postmaster.pid'))).toBe(false);
    expect(await makeSeedDataDir(join(scratch, 'rebuilt'), [join(scratch, 'absent'), seed])).toBe('reused');
    expect(existsSync(join(scratch, 'rebuilt', 'PG_VERSION'))).toBe(true);
  });

  it('starts a new data directory migrated before migrate() runs; migrate() finds nothing to do, and the rows stay', async () => {
    const dataDir = newDataDir();
    const errors: Error[] = [];
    await withDatabase({ dataDir, seedDir: seed, onSeedError: (e) => errors.push(e) }, async (database) => {
      expect(await appliedMigrations(database)).toBe(migrationTags(MIGRATIONS_DIR).length);
      await database.migrate();
      expect(await appliedMigrations(database)).toBe(migrationTags(MIGRATIONS_DIR).length);
      await database.db.execute(sql`insert into conversations (id) values ('11111111-1111-4111-8111-111111111111')`);
      const [similar] = await queryRows<{ s: number }>(database.db, sql`select similarity('pool exhausted', 'pool exhausted!') as s`);
      expect(similar?.s).toBeGreaterThan(0.5);
    });
    expect(errors).toEqual([]);
    expect(readdirSync(dataDir)).not.toContain(SEED_MANIFEST);
    // The next open finds that database and copies nothing over it.
    await withDatabase({ dataDir, seedDir: seed }, async (database) => {
      const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from conversations`);
      expect(row?.n).toBe(1);
    });
  });

  it('runs initdb when the seed is missing, quietly', async () => {
    const errors: Error[] = [];
    await withDatabase({ dataDir: newDataDir(), seedDir: join(scratch, 'no-such-seed'), onSeedError: (e) => errors.push(e) }, async (database) => {
      expect(await appliedMigrations(database)).toBeNull();
      await database.migrate();
      expect(await appliedMigrations(database)).toBe(migrationTags(MIGRATIONS_DIR).length);
    });
    expect(errors).toEqual([]);
  }, 120_000);

  it('does not use a seed of another PGlite version, or one holding a migration drizzle/ lacks, and says why', () => {
    const otherPglite = seedWith((m) => (m.pglite = '0.0.1'));
    const newerSources = seedWith((m) => m.migrations.push('9999_from_the_future'));
    const fewer = seedWith((m) => m.migrations.pop());
    expect(seedMismatch(otherPglite, MIGRATIONS_DIR)).toMatch(/made by PGlite 0\.0\.1/);
    expect(seedMismatch(newerSources, MIGRATIONS_DIR)).toMatch(/9999_from_the_future/);
    // Fewer migrations serve (the migrator applies the rest), but a rebuild makes a new one.
    expect(seedMismatch(fewer, MIGRATIONS_DIR)).toBeNull();
    expect(seedIsCurrent(fewer, MIGRATIONS_DIR)).toBe(false);
  });

  it('falls back to initdb, reporting why, for an unfit seed and for one PGlite cannot open', async () => {
    const otherPglite = seedWith((m) => (m.pglite = '0.0.1'));
    const broken = seedWith(() => {});
    writeFileSync(join(broken, 'global', 'pg_control'), 'not a control file');
    for (const [seedDir, reason] of [
      [otherPglite, /made by PGlite 0\.0\.1/],
      [broken, /could not open the seeded data directory/],
    ] as const) {
      const errors: Error[] = [];
      await withDatabase({ dataDir: newDataDir(), seedDir, onSeedError: (e) => errors.push(e) }, async (database) => {
        expect(await appliedMigrations(database)).toBeNull();
        await database.migrate();
        expect(await appliedMigrations(database)).toBe(migrationTags(MIGRATIONS_DIR).length);
      });
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(reason)]);
    }
  }, 240_000);
});
