#!/usr/bin/env node
// The `loglore` command: runs the JavaScript bundle in apps/cli/dist, which `npm ci` builds
// (the root `prepare` script runs apps/cli/build.mjs; `npm run build` builds it again).
//
// Without a bundle (an install with --ignore-scripts) it stops and says how to build one,
// rather than transpiling the TypeScript on every start: that took seconds and hundreds of MB
// and would hide a broken install. To run the sources while working on them, without a build:
//   npx tsx apps/cli/src/main.ts <command>
// When a source file the bundle was built from is newer than the bundle, it warns (and runs
// the bundle anyway): after a `git pull` or an edit, `npm run build` brings it up to date.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    `loglore: ${fileURLToPath(main)} is missing: this install did not build loglore ` +
      `(was it installed with --ignore-scripts?).\n` +
      `Build it once with \`npm run build\` in ${fileURLToPath(new URL('../../..', import.meta.url))} (10-30 s: it also makes the embedded database's seed), then run the command again.\n`,
  );
  process.exit(1);
}

/** Source files (repository-relative) changed since the bundle was built; [] when it is current. */
function changedSinceBuild() {
  const root = new URL('../../../', import.meta.url);
  const built = statSync(main).mtimeMs;
  try {
    const { inputs } = JSON.parse(readFileSync(new URL('../dist/inputs.json', import.meta.url), 'utf8'));
    return inputs.filter((file) => {
      try {
        return statSync(new URL(file, root)).mtimeMs > built;
      } catch {
        return true; // deleted or moved since the build
      }
    });
  } catch {
    return [];
  }
}

const changed = changedSinceBuild();
if (changed.length > 0) {
  process.stderr.write(
    `loglore: warning: ${changed.length} source file${changed.length === 1 ? '' : 's'} changed since apps/cli/dist was built ` +
      `(${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}); running the old build. Run \`npm run build\` to update it.\n`,
  );
}

// Stack traces name the TypeScript sources (the bundle carries source maps).
process.setSourceMapsEnabled(true);
await import(main.href);
