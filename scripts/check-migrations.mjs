#!/usr/bin/env node
// Fails when packages/db's schema and the committed migrations in drizzle/ disagree:
// drizzle-kit generates into a scratch copy of drizzle/ and must find nothing to write.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const scratch = mkdtempSync(join(tmpdir(), 'loglore-migrations-'));
try {
  cpSync('drizzle', scratch, { recursive: true });
  const before = readdirSync(scratch).filter((f) => f.endsWith('.sql'));
  const out = execFileSync(
    'npx',
    ['drizzle-kit', 'generate', '--dialect', 'postgresql', '--schema', 'packages/db/src/schema/index.ts', '--out', scratch],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const added = readdirSync(scratch).filter((f) => f.endsWith('.sql') && !before.includes(f));
  if (added.length > 0) {
    console.error(`migrations: the schema has changes that drizzle/ lacks (drizzle-kit would write ${added.join(', ')}).`);
    console.error('Run `npm run db:generate` and commit the new migration.');
    process.exit(1);
  }
  console.log(`migrations: drizzle/ matches the schema (${before.length} migrations). ${out.includes('No schema changes') ? '' : out.trim()}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
