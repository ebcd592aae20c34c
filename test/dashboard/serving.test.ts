// How the service serves the dashboard (ADR 0095): index.html at `/` and under the app's own pages
// only, hashed assets with long caching, the strict CSP, and a page saying how to build it when
// there is no build — while /v1, /docs, /health and unknown paths answer exactly as before.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DASHBOARD_PAGES, DEFAULT_DASHBOARD_DIR } from '../../src/http/dashboard.ts';
import { PAGES } from '../../web/src/pages.ts';
import { createHarness, type Harness } from '../support/harness.ts';

describe('serving the dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoujia-web-'));
  const built = join(dir, 'built');
  let withBuild: Harness;
  let withoutBuild: Harness;

  beforeAll(async () => {
    // a stand-in build with the shape Vite writes (the browser test uses the real one)
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(
      join(built, 'index.html'),
      '<!doctype html><title>t</title><script type="module" src="/assets/index-abc123.js"></script>',
    );
    writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
    withBuild = await createHarness('pglite', { app: { dashboardDir: built } });
    withoutBuild = await createHarness('pglite', { app: { dashboardDir: join(dir, 'absent') } });
  });
  afterAll(async () => {
    await withBuild?.close();
    await withoutBuild?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (h: Harness, url: string) => h.app.inject({ method: 'GET', url });

  it('the server and the browser router know the same pages', () => {
    expect([...DASHBOARD_PAGES].sort()).toEqual(PAGES.map((p) => p.slug).sort());
  });

  it('answers index.html at / and at every page path and below, with the strict CSP and no caching', async () => {
    for (const url of [
      '/',
      ...DASHBOARD_PAGES.map((p) => `/${p}`),
      '/applications/app_123',
      '/alerts/fund-a',
    ]) {
      const response = await get(withBuild, url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('/assets/index-abc123.js');
      expect(response.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(DASHBOARD_CSP).toContain("style-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('serves hashed assets with long caching; a missing asset or a path outside the build is a JSON 404', async () => {
    const asset = await get(withBuild, '/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    expect(String(asset.headers['cache-control'])).toContain('immutable');
    for (const url of ['/assets/missing.js', '/assets/../index.html', '/assets/%2e%2e/index.html']) {
      const response = await get(withBuild, url);
      expect(response.statusCode, url).toBe(404);
      expect(JSON.parse(response.body).error.code, url).toBe('route_not_found');
    }
  });

  it('leaves the API, the docs, the probes and unknown paths alone', async () => {
    const unknown = await get(withBuild, '/no-such-page');
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('route_not_found');
    const api = await get(withBuild, '/v1/no-such-route');
    expect(api.statusCode).toBe(404);
    expect(JSON.parse(api.body).error.code).toBe('route_not_found');
    expect((await get(withBuild, '/health')).body).toBe('{"status":"ok"}');
    expect((await get(withBuild, '/docs/json')).statusCode).toBe(200);
    expect((await withBuild.call('GET', '/v1/funders')).status).toBe(200);
  });

  it('without a build, / says how to build it (HTML, never a JSON 404)', async () => {
    for (const url of ['/', '/overview']) {
      const response = await get(withoutBuild, url);
      expect(response.statusCode, url).toBe(503);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('npm run build');
      expect(response.body).toContain('运营看板尚未构建');
    }
    expect((await get(withoutBuild, '/assets/x.js')).statusCode).toBe(404);
  });

  it('GET /v1/me names the calling key’s role, and needs a key', async () => {
    const analyst = (await withBuild.call('POST', '/v1/api-keys', { role: 'analyst', label: 'me' })).body;
    const me = await withBuild.call('GET', '/v1/me', undefined, { key: analyst.secret });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ keyId: analyst.id, role: 'analyst', funderId: null, customerId: null });
    expect((await withBuild.call('GET', '/v1/me', undefined, { key: null })).status).toBe(401);
    expect((await withBuild.call('GET', '/v1/me', undefined, { key: 'sj_forged' })).status).toBe(401);
  });

  it('by default serves dist/web, where npm run build puts it', () => {
    expect(DEFAULT_DASHBOARD_DIR).toBe(join(import.meta.dirname, '..', '..', 'dist', 'web') + sep);
  });
});
