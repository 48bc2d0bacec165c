import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

describe('the console served by the ingress', () => {
  let database: TestDatabase;
  let ingress: TestIngress;

  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: 'k=payments' } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  it('GET / answers the console page without a key, with a policy that keeps every request on this origin', async () => {
    const response = await ingress.app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    // No asset from another host.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves scripts and styles with their types, and a 304 for a current ETag', async () => {
    const js = await ingress.app.request('/console/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await ingress.app.request('/console/style.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const etag = js.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await ingress.app.request('/console/app.js', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for names that are not among its files, however they are spelled', async () => {
    for (const path of ['/console/missing.js', '/console/..%2Fpackage.json', '/console/%2e%2e%2fpackage.json', '/console/', '/console/index.html/x']) {
      const response = await ingress.app.request(path);
      expect(response.status, path).toBe(404);
    }
    expect((await ingress.app.request('/console/package.json')).status).toBe(404);
  });
});
