// Tests that spawn `loglore` run apps/cli/bin/loglore.js, which runs the bundle in apps/cli/dist.
// Build it from the sources under test first (about a second; 10-30 s when it makes the embedded
// database's seed anew, see build.mjs), so no test runs a stale bundle
// and every spawned command runs the same JavaScript a user's `npm ci` builds.
import { build } from './apps/cli/build.mjs';

export default async function setup(): Promise<void> {
  await build();
}
