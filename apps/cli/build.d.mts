// Types of build.mjs (plain JavaScript, so that `npm ci` runs it without a TypeScript loader).
import type { Metafile } from 'esbuild';

export const REPO_ROOT: string;
export const DIST_DIR: string;

export interface BuildResult {
  /** Source files bundled, relative to the repository root. */
  inputs: string[];
  /** npm packages the bundle imports at run time. */
  external: string[];
  /** Files written, absolute. */
  outputs: string[];
  /** esbuild's metafile (its paths name the staging directory, relative to the working directory). */
  metafile: Metafile;
  /** How dist/pgdata, the embedded database's seed, came about: made anew, reused from the last build, or null (not asked for, or failed: warned). */
  seed: 'made' | 'reused' | null;
}

export function build(options?: { outdir?: string; logLevel?: 'silent' | 'error' | 'warning' | 'info'; pgdata?: boolean }): Promise<BuildResult>;
