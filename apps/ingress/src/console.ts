import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import type { AuthEnv } from './auth.ts';
import { ingressRequire } from './resolve.ts';

/** Where the console's files are served from (`/` is its index.html). */
export const CONSOLE_ASSETS_PATH = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * The console may load and call only this origin: a page that tried to fetch a font, a script
 * or an API from elsewhere is refused by the browser (log text it renders cannot phone home).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

/**
 * The directory of @loglore/console's files, found through the package (not a path relative to
 * this file), so it holds however the ingress is bundled or installed.
 */
export function consoleAssetDir(): string {
  return join(dirname(ingressRequire.resolve('@loglore/console/package.json')), 'public');
}

/** Every servable file of the directory, read once: the console is a few small files. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || !/^[a-z0-9][a-z0-9.-]*$/.test(name)) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

/**
 * GET / answers the console's index.html and GET /console/<file> its scripts and styles. Only
 * files present at start-up are served (a name is looked up, never joined into a path). File
 * names carry no version, so every answer is `no-cache` with an ETag: a browser revalidates
 * (304) and never runs yesterday's script against today's API.
 */
export function registerConsole(app: Hono<AuthEnv>, dir = consoleAssetDir()): void {
  const assets = loadAssets(dir);
  const serve = (c: Context<AuthEnv>, name: string) => {
    const asset = assets.get(name);
    if (!asset) return c.notFound();
    c.header('Cache-Control', 'no-cache');
    c.header('ETag', asset.etag);
    c.header('X-Content-Type-Options', 'nosniff');
    if (asset.type.startsWith('text/html')) {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      c.header('Referrer-Policy', 'no-referrer');
    }
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200);
  };
  app.get('/', (c) => serve(c, 'index.html'));
  app.get(`${CONSOLE_ASSETS_PATH}/:file`, (c) => serve(c, c.req.param('file')));
}
