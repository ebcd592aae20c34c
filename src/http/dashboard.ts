// Serves the operations dashboard (ADR 0095) from the same server: the Vite build in dist/web/
// (`npm run build`), index.html at `/` and at each of the app's own page paths (the app routes in
// the browser), hashed assets under /assets/ through @fastify/static. Nothing is fetched from
// elsewhere; a strict Content-Security-Policy allows this origin only (ADR 0097). Without a build
// (an install without dev dependencies) `/` answers a page saying how to build it, never a JSON 404.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from './app.ts';

/**
 * The app's top-level pages, as the browser's router knows them (web/src/pages.ts; a test keeps
 * the two lists equal). Only these paths, and paths under them, answer with the app's page.
 */
export const DASHBOARD_PAGES = [
  'sign-in',
  'overview',
  'applications',
  'funders',
  'alerts',
  'routing',
  'canaries',
  'ledger',
  'simulations',
  'settlement',
] as const;

/** Every URL this file registers (for the route-table tests: HTML and assets, not API answers). */
export const DASHBOARD_URLS: readonly string[] = [
  '/',
  '/assets/*',
  ...DASHBOARD_PAGES.flatMap((page) => [`/${page}`, `/${page}/*`]),
];

/**
 * Same origin only. style-src 'self' holds because antd runs in zero-runtime mode with its
 * prebuilt stylesheet (ADR 0097): no <style> element and no style attribute is written at run
 * time. Inline style *properties* set through the CSSOM (React's style prop, ECharts) are not
 * governed by CSP.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** dist/web beside dist/http (the build) and beside src/http (the sources): the same relative path. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>守家 · 看板尚未构建 · dashboard not built</title></head>
<body>
<h1>运营看板尚未构建</h1>
<p>在项目目录运行 <code>npm run build</code>（需要开发依赖：<code>npm install</code> 或 <code>npm ci</code>
会自动构建），然后重启服务。API 照常可用：<a href="/docs">/docs</a>。</p>
<h1 lang="en">The dashboard is not built</h1>
<p lang="en">Run <code>npm run build</code> in the project directory (it needs the dev dependencies;
<code>npm install</code> or <code>npm ci</code> runs it for you), then restart the service. The API works
as usual: <a href="/docs">/docs</a>.</p>
</body></html>
`;

export async function registerDashboard(app: App, directory = DEFAULT_DASHBOARD_DIR): Promise<void> {
  const indexPath = join(directory, 'index.html');
  const built = existsSync(indexPath);
  // Read once: the build is immutable while the process runs (a new build comes with a restart).
  const page = built ? readFileSync(indexPath, 'utf8') : NOT_BUILT_PAGE;
  const common = { config: { roles: ['public'] as const }, schema: { hide: true } };
  const sendPage = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .status(built ? 200 : 503)
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store' })
      .type('text/html; charset=utf-8')
      .send(page);

  for (const url of DASHBOARD_URLS) if (url !== '/assets/*') app.get(url, common, sendPage);

  await app.register(async (scope) => {
    // serve: false — the one route below declares its role like every other route (auth.ts)
    await scope.register(fastifyStatic, { root: join(directory, 'assets'), serve: false });
    scope.get('/assets/*', common, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      reply.headers(SECURITY_HEADERS);
      // file names carry their content hash: a new build never reuses a name
      return reply.sendFile(file, { maxAge: 365 * 24 * 3600 * 1000, immutable: true, dotfiles: 'deny' });
    });
  });
}
