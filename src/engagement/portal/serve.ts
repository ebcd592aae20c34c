// Serves the borrower portal at /portal: the page (server-rendered, zh-CN unless ?lang=en), its
// stylesheet and its script. The script is bundled once per process by esbuild (installed with tsx,
// a dependency) from client.ts and strings.ts: nothing is fetched at run time, and no CDN is used.
// A strict Content-Security-Policy allows only this origin (ADR 0083).
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { Type } from 'typebox';
import type { App } from '../../http/app.ts';
import { PORTAL_CSS, renderPage } from './page.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './strings.ts';

/** What the page may load and talk to: itself only; no inline script, no framing. */
export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

let bundled: string | undefined;

/** The browser script: client.ts with strings.ts, one IIFE, for browsers of the last few years. */
export function portalScript(): string {
  if (bundled !== undefined) return bundled;
  // the sources under tsx and vitest, the build in dist/ (ADR 0067)
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL(`./client${extension}`, import.meta.url))],
    bundle: true,
    format: 'iife',
    target: ['es2020', 'chrome90', 'safari15'],
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  bundled = result.outputFiles[0]!.text;
  return bundled;
}

const headers = {
  'content-security-policy': PORTAL_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export async function registerPortal(app: App): Promise<void> {
  // Built before the first request, so a broken bundle stops start-up rather than one page view.
  const script = portalScript();
  const common = { config: { roles: ['public'] as const } };

  app.get(
    '/portal',
    {
      ...common,
      schema: {
        hide: true,
        querystring: Type.Object(
          { lang: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const language: Language = (request.query as { lang?: Language }).lang ?? DEFAULT_LANGUAGE;
      return reply.headers(headers).type('text/html; charset=utf-8').send(renderPage(language));
    },
  );
  app.get('/portal/portal.js', { ...common, schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/portal/portal.css', { ...common, schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/css; charset=utf-8').send(PORTAL_CSS),
  );
}
