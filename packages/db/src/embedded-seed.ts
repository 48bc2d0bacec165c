/**
 * The seed of the embedded database: a PGlite data directory made once, at build time (PGlite's
 * initdb, then drizzle/'s migrations), and copied into a new data directory on its first start
 * instead of running initdb there. PGlite runs initdb in a second Postgres wasm instance beside
 * initdb's own, and a first `loglore start` peaked at about 680 MB RSS for it, once; started on
 * a copy of the seed it opens an existing database, as every later start does (about 180 MB).
 *
 * A copy is a plain file copy of a cleanly closed directory, not PGlite's `loadDataDir`: that
 * unpacks the whole tarball (40 MB, most of it a WAL segment) in JavaScript memory and peaked
 * at about 150 MB more than opening the same directory.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/** Beside the data files in a seed, never copied into a data directory. */
export const SEED_MANIFEST = 'loglore-seed.json';

/** What a seed was made by and holds: it serves only the same PGlite and migrations it knows. */
export interface SeedManifest {
  /** The version of @electric-sql/pglite that ran initdb: a data directory is one build's format. */
  pglite: string;
  /** Tags of the drizzle/ migrations applied to it, in order. */
  migrations: string[];
}

const require = createRequire(import.meta.url);

/** The installed PGlite's version (its package.json is not in its exports: found from its entry). */
export function pgliteVersion(): string {
  const entry = require.resolve('@electric-sql/pglite');
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error(`no package.json of @electric-sql/pglite above ${entry}`);
}

/** Tags of the migrations in `migrationsDir` (drizzle's journal), in order. */
export function migrationTags(migrationsDir: string): string[] {
  const journal = JSON.parse(readFileSync(join(migrationsDir, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map((e) => e.tag);
}

/** The manifest a seed made now, by this install, from `migrationsDir` would carry. */
export function currentSeedManifest(migrationsDir: string): SeedManifest {
  return { pglite: pgliteVersion(), migrations: migrationTags(migrationsDir) };
}

function readManifest(seedDir: string): SeedManifest | null {
  try {
    return JSON.parse(readFileSync(join(seedDir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  } catch {
    return null;
  }
}

/**
 * Why the seed at `seedDir` cannot start a database for this install, or null when it can: it
 * was made by this PGlite, and its migrations are the first of drizzle/'s (the migrator applies
 * the rest). A seed from newer sources than these (more migrations, or others) is not used.
 */
export function seedMismatch(seedDir: string, migrationsDir: string): string | null {
  const manifest = readManifest(seedDir);
  if (!manifest || !Array.isArray(manifest.migrations)) return `${seedDir} has no readable ${SEED_MANIFEST}`;
  const current = currentSeedManifest(migrationsDir);
  if (manifest.pglite !== current.pglite) return `${seedDir} was made by PGlite ${manifest.pglite}, this is PGlite ${current.pglite}`;
  const unknown = manifest.migrations.findIndex((tag, i) => current.migrations[i] !== tag);
  if (unknown !== -1) return `${seedDir} holds migration ${manifest.migrations[unknown]}, which drizzle/ does not have at that place`;
  return null;
}

/** Whether `seedDir` is a usable seed that holds exactly the migrations of `migrationsDir` (a build can reuse it as is). */
export function seedIsCurrent(seedDir: string, migrationsDir: string): boolean {
  return seedMismatch(seedDir, migrationsDir) === null && readManifest(seedDir)?.migrations.length === migrationTags(migrationsDir).length;
}

/**
 * Copies the seed at `seedDir` to `dataDir` when `dataDir` does not exist or is empty; true when
 * it did. Anything already in `dataDir` (a database, or what a failed start left) is left to
 * PGlite as before. A seed that is missing is skipped quietly (a build without one, or the
 * sources run without a build); one that does not fit this install (`seedMismatch`), or a copy
 * that fails, is reported to `onError` and skipped: PGlite then runs initdb. The copy goes to a
 * sibling directory first and is renamed into place, so a process killed meanwhile leaves no
 * half-copied database behind.
 */
export function plantSeed(seedDir: string, dataDir: string, migrationsDir: string, onError: (error: Error) => void): boolean {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return false;
  if (!existsSync(seedDir)) return false;
  const mismatch = seedMismatch(seedDir, migrationsDir);
  if (mismatch) {
    onError(new Error(`not using the embedded database's seed: ${mismatch}`));
    return false;
  }
  const staging = join(dirname(dataDir), `.${basename(dataDir)}.seed-${process.pid}.tmp`);
  try {
    rmSync(staging, { recursive: true, force: true });
    cpSync(seedDir, staging, { recursive: true, filter: (source) => basename(source) !== SEED_MANIFEST });
    if (existsSync(dataDir)) rmdirSync(dataDir);
    renameSync(staging, dataDir);
    return true;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    onError(new Error(`could not copy the embedded database's seed ${seedDir} to ${dataDir}: ${(error as Error).message}`, { cause: error }));
    return false;
  }
}
