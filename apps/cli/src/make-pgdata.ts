/**
 * The embedded database's seed, made at build time: apps/cli/build.mjs bundles this entry and
 * runs it in a child process (PGlite's initdb peaks at about 700 MB, which the build's own
 * process, or vitest's, should not keep) before the bundle is moved into place.
 *
 *   node dist/make-pgdata.js SEED_DIR [REUSABLE_SEED_DIR...]
 */
import { makeSeedDataDir } from '@loglore/db';

const [seedDir, ...reuse] = process.argv.slice(2);
if (!seedDir) throw new Error('usage: make-pgdata.js SEED_DIR [REUSABLE_SEED_DIR...]');
const outcome = await makeSeedDataDir(seedDir, reuse);
process.stdout.write(`${outcome}\n`);
