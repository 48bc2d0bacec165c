import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiKeys } from '@loglore/core';
import { ApiError } from './errors.ts';

/** What the caller's key may touch: every project, or the listed ones. */
export type Grant = '*' | ReadonlySet<string>;

export type AuthEnv = { Variables: { grant: Grant } };

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * `Authorization: Bearer <key>` against LOGLORE_API_KEYS. Without configured keys every caller
 * has every project. Keys are compared by their SHA-256, so the look-up time says nothing about
 * how much of a guessed key matched. With `basic`, `Authorization: Basic` is accepted too (the
 * key as password, any user name) and the challenge is Basic, so a browser prompts for it: that
 * is how a person opens the queue dashboard.
 */
export function apiKeyAuth(keys: ApiKeys | undefined, options: { basic?: boolean } = {}): MiddlewareHandler<AuthEnv> {
  const byDigest = new Map<string, Grant>();
  for (const [key, grant] of keys ?? []) byDigest.set(digest(key), grant);
  const challenge = options.basic ? 'Basic realm="loglore", charset="UTF-8"' : 'Bearer realm="loglore"';
  return async (c, next) => {
    if (!keys) {
      c.set('grant', '*');
      return next();
    }
    const key = presentedKey(c.req.header('authorization'), options.basic ?? false);
    const grant = key === undefined ? undefined : byDigest.get(digest(key));
    if (!grant) {
      throw new ApiError('unauthorized', key === undefined ? 'an API key is required: Authorization: Bearer <key>' : 'unknown API key', {
        headers: { 'WWW-Authenticate': challenge },
      });
    }
    c.set('grant', grant);
    return next();
  };
}

function presentedKey(header: string | undefined, basic: boolean): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  if (bearer) return bearer[1];
  if (!basic) return undefined;
  const encoded = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(header);
  if (!encoded?.[1]) return undefined;
  const decoded = Buffer.from(encoded[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * The keys /metrics takes: the API keys and the metrics key; none configured, none needed.
 * The grant is irrelevant there (metrics carry no project's data).
 */
export function metricsKeys(apiKeys: ApiKeys | undefined, metricsKey: string | undefined): ApiKeys | undefined {
  if (!apiKeys && !metricsKey) return undefined;
  const keys: ApiKeys = new Map(apiKeys ?? []);
  if (metricsKey) keys.set(metricsKey, '*');
  return keys;
}

/** Whether a row of `project` is visible to the key. Rows without a project belong to `*` keys only. */
export function canSee(grant: Grant, project: string | null | undefined): boolean {
  if (grant === '*') return true;
  return project != null && grant.has(project);
}

/**
 * The project a write goes into. A named project must be granted (403 otherwise). Without one,
 * a key with a single project writes into it, a `*` key writes without a project, and a key
 * with several projects must say which (403): nothing it writes may end up outside its grants.
 */
export function resolveWriteProject(grant: Grant, requested: string | null | undefined): string | null {
  if (requested != null) {
    if (!canSee(grant, requested)) throw new ApiError('forbidden', `this API key may not write into project "${requested}"`);
    return requested;
  }
  if (grant === '*') return null;
  if (grant.size === 1) return [...grant][0]!;
  throw new ApiError('forbidden', 'this API key is limited to several projects: name one in `project`');
}

/** Only keys with every project may use what spans projects (the queue dashboard). */
export function requireAllProjects(grant: Grant): void {
  if (grant !== '*') throw new ApiError('forbidden', 'this needs an API key granted every project (*)');
}
