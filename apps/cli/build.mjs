// Builds the `loglore` command to JavaScript: one esbuild bundle of apps/cli/src/main.ts and the
// workspace packages it imports, into apps/cli/dist/ (git-ignored). `npm ci` runs it (the root
// `prepare` script), so no command transpiles TypeScript at run time.
//
//   node apps/cli/build.mjs          (or: npm run build)
//
// npm dependencies stay external, imported from node_modules at run time: several ship native
// code, wasm or asset files found next to their own modules (PGlite, pg, BullMQ's Lua scripts,
// swagger-ui-dist), and leaving them out keeps the bundle small. Each command's code is a chunk
// loaded when that command runs (code splitting), so `loglore --version` loads nothing heavy.
// Every chunk sits directly in dist/, one level under apps/cli/ like src/, so code that finds
// files from `import.meta.url` (the CLI's package.json) resolves the same from src/ or dist/.
//
// The build also makes dist/pgdata, the embedded database's seed (packages/db/src/embedded-seed.ts): a
// PGlite data directory, initdb'd and migrated, that a first `loglore start` copies instead of
// running initdb itself (which peaked at about 680 MB). Made by the bundle's own make-pgdata.js
// in a child process, with the PGlite version the bundle runs; a rebuild copies the previous
// seed when its PGlite and migrations are still current (initdb takes 10-30 s, a copy well under
// one). Without a seed (its making failed: the build warns) a first start runs initdb as before.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const CLI_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(CLI_DIR, '../..');
export const DIST_DIR = join(CLI_DIR, 'dist');

/** Bare imports become external, except the workspace's own packages, which are TypeScript. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@loglore/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** The directory of the package a bare import names, looked up from `dir` as Node does, or null. */
function findPackage(specifier, dir) {
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  for (let at = resolve(dir); ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(at) === at) return null;
  }
}

/**
 * Makes the seed at `staging/pgdata` with the staged bundle's make-pgdata.js, reusing one of
 * `reuse` when current; returns how ('made' or 'reused'), or null (with a warning) when it failed.
 */
function makeSeed(staging, reuse, logLevel) {
  const result = spawnSync(process.execPath, [join(staging, 'make-pgdata.js'), join(staging, 'pgdata'), ...reuse], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const outcome = result.stdout?.trim();
  if (result.status === 0 && (outcome === 'made' || outcome === 'reused')) return outcome;
  if (logLevel !== 'silent') {
    process.stderr.write(
      `loglore: warning: could not make the embedded database's seed (a first start will run PGlite's initdb): ` +
        `${(result.error?.message ?? result.stderr ?? '').trim().split('\n').slice(-5).join('\n')}\n`,
    );
  }
  return null;
}

/**
 * Builds into `outdir` (default apps/cli/dist, replaced whole) and writes `inputs.json` there:
 * the source files the bundle was made from (relative to the repository root), which
 * bin/loglore.js compares with the bundle to warn when the sources changed since. The build
 * goes to a sibling directory first, so a failed build leaves the old one in place and a
 * process starting meanwhile finds a whole bundle. Throws when an external import would not
 * resolve from the bundle's directory. With `pgdata` (the default) it also makes dist/pgdata,
 * the embedded database's seed (see the top of this file).
 */
export async function build({ outdir = DIST_DIR, logLevel = 'warning', pgdata = true } = {}) {
  const staging = `${outdir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      entryPoints: { main: join(CLI_DIR, 'src/main.ts'), 'make-pgdata': join(CLI_DIR, 'src/make-pgdata.ts') },
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      chunkNames: '[name]-[hash]',
      plugins: [externalDependencies],
      metafile: true,
      logLevel,
    });
    const inputs = Object.keys(result.metafile.inputs).map((file) => relative(REPO_ROOT, resolve(process.cwd(), file)));
    const external = new Set();
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imported of output.imports) if (imported.external && !imported.path.startsWith('node:')) external.add(imported.path);
    }
    // Every external package must be found from apps/cli/dist (hoisted to the root node_modules,
    // or a dependency of apps/cli): one nested under another workspace's node_modules would not
    // be. (Looked up from apps/cli/, which has the same node_modules chain, whatever `outdir` is.)
    const missing = [...external].filter((specifier) => !findPackage(specifier, CLI_DIR));
    if (missing.length > 0) throw new Error(`the bundle imports packages that do not resolve from ${DIST_DIR}: ${missing.join(', ')}`);
    writeFileSync(join(staging, 'inputs.json'), `${JSON.stringify({ inputs: inputs.sort() }, null, 1)}\n`);
    const seed = pgdata ? makeSeed(staging, [...new Set([join(outdir, 'pgdata'), join(DIST_DIR, 'pgdata')])], logLevel) : null;
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
    const outputs = Object.keys(result.metafile.outputs).map((file) => join(outdir, relative(staging, resolve(process.cwd(), file))));
    return { inputs, external: [...external].sort(), outputs, metafile: result.metafile, seed };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { outputs, seed } = await build();
  const files = outputs.filter((file) => file.endsWith('.js')).length;
  const seeded = seed ? `, the embedded database's seed ${seed === 'made' ? 'made' : 'kept'}` : '';
  process.stdout.write(`loglore: built apps/cli/dist (${files} files${seeded}) in ${Math.round(performance.now() - started)} ms\n`);
}
