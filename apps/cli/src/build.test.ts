/**
 * The `loglore` command runs compiled JavaScript: apps/cli/build.mjs bundles the CLI (what
 * `npm ci` runs), bin/loglore.js runs the bundle, says how to build a missing one, and warns
 * about a stale one.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Metafile } from 'esbuild';
import { MIGRATIONS_DIR, seedIsCurrent } from '@loglore/db';
import { build, DIST_DIR, REPO_ROOT } from '../build.mjs';
import { SEED_DIR } from './runtime.ts';

const BIN = fileURLToPath(new URL('../bin/loglore.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const scratch = mkdtempSync(join(tmpdir(), 'loglore-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runNode(args: string[]) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The npm packages a chunk loads as soon as it is imported: its static imports, followed through chunks. */
function staticExternals(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) external.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(entry);
  return [...external].sort();
}

describe('the loglore bundle', () => {
  it('builds from the sources, with every npm package it imports resolvable from dist/', async () => {
    const outdir = join(scratch, 'dist');
    const built = await build({ outdir, logLevel: 'error', pgdata: false });
    expect(built.inputs).toContain('apps/cli/src/main.ts');
    expect(built.inputs).toContain('packages/db/src/client.ts');
    expect(built.inputs.every((file) => !file.includes('node_modules'))).toBe(true);
    expect(built.external).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'bullmq', 'hono', 'pg']));
    expect(built.outputs).toContain(join(outdir, 'main.js'));
    expect(built.outputs).toContain(join(outdir, 'main.js.map'));
    // The bundle the tests run (vitest's global setup built it) is this same build of these
    // sources (chunk names carry a hash that also covers the source maps' paths from outdir).
    const code = (dir: string) => readFileSync(join(dir, 'main.js'), 'utf8').replace(/-[A-Z0-9]{8}\.js/g, '-HASH.js');
    expect(code(DIST_DIR)).toBe(code(outdir));
    const listed = JSON.parse(readFileSync(join(DIST_DIR, 'inputs.json'), 'utf8')) as { inputs: string[] };
    expect(listed.inputs).toEqual([...built.inputs].sort());
  });

  it("ships the embedded database's seed for the PGlite it runs and every migration, where `loglore start` looks for it", () => {
    // vitest's global setup built DIST_DIR with it; embedded-seed.test.ts covers how a first start uses it.
    expect(SEED_DIR).toBe(join(DIST_DIR, 'pgdata'));
    expect(existsSync(join(SEED_DIR, 'PG_VERSION'))).toBe(true);
    expect(seedIsCurrent(SEED_DIR, MIGRATIONS_DIR)).toBe(true);
  });

  it('loads only commander before a command runs: --version, help and usage errors import no driver, queue or HTTP framework', async () => {
    const { metafile } = await build({ outdir: join(scratch, 'dist-meta'), logLevel: 'error', pgdata: false });
    const main = Object.keys(metafile.outputs).find((file) => file.endsWith('/main.js'));
    expect(main).toBeDefined();
    expect(staticExternals(metafile, main!)).toEqual(['commander', 'node:fs']);
  });

  it('`loglore --version` runs the bundle and prints the CLI package version', () => {
    const result = runNode([BIN, '--version']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('without a bundle, says how to build one and exits 1', () => {
    const bin = join(scratch, 'clone/apps/cli/bin/loglore.js');
    mkdirSync(dirname(bin), { recursive: true });
    copyFileSync(BIN, bin);
    const result = runNode([bin, '--version']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(join(scratch, 'clone/apps/cli/dist/main.js'));
    expect(result.stderr).toContain('npm run build');
  });

  it('warns when a source it was built from is newer than the bundle, and runs it anyway', () => {
    const root = join(scratch, 'stale');
    const bin = join(root, 'apps/cli/bin/loglore.js');
    const main = join(root, 'apps/cli/dist/main.js');
    const source = join(root, 'packages/core/src/a.ts');
    for (const file of [bin, main, source]) mkdirSync(dirname(file), { recursive: true });
    copyFileSync(BIN, bin);
    writeFileSync(main, "process.stdout.write('bundle ran\\n');\n");
    writeFileSync(join(root, 'apps/cli/dist/inputs.json'), JSON.stringify({ inputs: [relative(root, source)] }));
    writeFileSync(source, '');
    const built = new Date('2026-11-25T12:00:00Z');
    utimesSync(main, built, built);
    utimesSync(source, built, new Date(built.getTime() - 60_000));
    const current = runNode([bin]);
    expect(current).toMatchObject({ status: 0, stdout: 'bundle ran\n', stderr: '' });

    utimesSync(source, built, new Date(built.getTime() + 60_000));
    const stale = runNode([bin]);
    expect(stale.status).toBe(0);
    expect(stale.stdout).toBe('bundle ran\n');
    expect(stale.stderr).toContain('1 source file changed since apps/cli/dist was built (packages/core/src/a.ts)');
    expect(stale.stderr).toContain('npm run build');
  });

  it('finds drizzle/ from the db package, wherever the code that asks is bundled', async () => {
    const { MIGRATIONS_DIR } = await import('@loglore/db');
    expect(MIGRATIONS_DIR).toBe(resolve(REPO_ROOT, 'drizzle'));
  });
});
