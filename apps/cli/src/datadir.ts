import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A second process on a locked data directory; the CLI exits 1 with this message. */
export class DataDirInUseError extends Error {
  readonly exitCode = 1;
}

/** Whether `pid` runs, and (where /proc tells) its command line mentions `name`. */
export function processRuns(pid: number, name?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!name) return true;
  const cmdline = `/proc/${pid}/cmdline`;
  // A pid from a stale file may belong to something else by now.
  if (existsSync(cmdline)) {
    try {
      return readFileSync(cmdline, 'utf8').includes(name);
    } catch {
      return false;
    }
  }
  return true;
}

export interface DataDirLock {
  path: string;
  release(): void;
}

/**
 * Takes LOGLORE_DATA_DIR for this process: PGlite is one process's database, and the private
 * Redis under it is that process's too. The lock file holds the pid; a file whose process is
 * gone (SIGKILL, a crash) is stale and taken over. Released on close and on exit.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'loglore.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return { path, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      continue; // removed meanwhile: try again
    }
    if (holder !== process.pid && processRuns(holder, 'loglore')) {
      throw new DataDirInUseError(
        `the data directory ${dataDir} is in use by another loglore process (pid ${holder}); ` +
          'stop that one, or give this one its own LOGLORE_DATA_DIR',
      );
    }
    try {
      unlinkSync(path); // stale: its process is gone
    } catch {
      // another process took it over first; the next attempt says whose it is
    }
  }
  throw new DataDirInUseError(`could not lock the data directory ${dataDir} (${path})`);
}
