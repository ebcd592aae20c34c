// The OpenAPI document (GET /docs/json) describes every route as it really answers: a summary, the
// real success status with a schema, and error responses whose descriptions list catalog codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_URLS } from '../../src/http/dashboard.ts';
import { errorCatalog } from '../../src/http/error-catalog.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';

interface Operation {
  summary?: string;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** '/v1/funders/:funderId' → '/v1/funders/{funderId}', the document's spelling */
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  const catalog = new Map(errorCatalog().map((e) => [e.code, e]));
  beforeAll(async () => {
    h = await createHarness('pglite');
    const response = await h.call('GET', '/docs/json', undefined, { key: null });
    expect(response.status).toBe(200);
    doc = response.body;
  });
  afterAll(() => h.close());

  const operation = (method: string, url: string): Operation => {
    const found = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
    expect(found, `${method} ${url} is in the document`).toBeDefined();
    return found!;
  };

  it('has every route of the route table, each with a summary, a success response and error responses', () => {
    expect(doc.components.schemas.ErrorBody).toBeDefined();
    // hidden: the probes, the borrower portal's page and assets (HTML, CSS, JS; ADR 0083) and the
    // dashboard's (ADR 0095)
    const routes = h.app.routeTable.filter(
      (r) =>
        !['/health', '/ready'].includes(r.url) &&
        !r.url.startsWith('/portal') &&
        !DASHBOARD_URLS.includes(r.url),
    );
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const op = operation(route.method, route.url);
      expect(op.summary?.trim(), `${name} has a summary`).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(
        statuses.filter((s) => /^2\d\d$/.test(s)),
        `${name} documents a success status`,
      ).not.toEqual([]);
      const errors = statuses.filter((s) => /^[45]\d\d$/.test(s));
      expect(errors, `${name} documents its error answers`).not.toEqual([]);
      // a public route without input (GET /v1/errors) can only fail with a 500
      if (!route.roles.includes('public'))
        expect(
          errors.filter((s) => s.startsWith('4')),
          `${name} documents 4xx answers`,
        ).not.toEqual([]);
      for (const status of errors) {
        const response = op.responses[status]!;
        const codes = [...(response.description ?? '').matchAll(/`([a-z][a-z0-9_]*)` \(/g)].map((m) => m[1]!);
        expect(codes, `${name} ${status} lists its codes`).not.toEqual([]);
        for (const code of codes)
          expect(catalog.get(code)?.status, `${name} ${status} ${code}`).toBe(Number(status));
        expect(JSON.stringify(response.content), `${name} ${status} uses the shared error body`).toContain(
          '#/components/schemas/ErrorBody',
        );
      }
      if (!route.roles.includes('public')) expect(op.responses['401'], `${name} documents 401`).toBeDefined();
    }
  });

  it('documents the status each sampled route really answers with, errors included', async () => {
    const created = await h.call('POST', '/v1/applications', applicationBody(), {
      headers: { 'idempotency-key': 'openapi-1' },
    });
    const funder = { id: 'doc-bank', name: '文档银行', type: 'bank', licensedRegions: ['*'] };
    const samples: Array<
      [string, string, () => Promise<{ status: number; body: { error?: { code: string } } }>]
    > = [
      ['POST', '/v1/applications', async () => created],
      ['GET', '/v1/applications/:id', () => h.call('GET', `/v1/applications/${created.body.id}`)],
      ['GET', '/v1/applications/:id', () => h.call('GET', '/v1/applications/app_none')],
      [
        'GET',
        '/v1/applications/:id/events',
        () => h.call('GET', `/v1/applications/${created.body.id}/events`),
      ],
      ['POST', '/v1/funders', () => h.call('POST', '/v1/funders', funder)],
      ['POST', '/v1/funders', () => h.call('POST', '/v1/funders', { ...funder, name: '' })],
      ['GET', '/v1/funders', () => h.call('GET', '/v1/funders')],
      ['GET', '/v1/funders/:funderId', () => h.call('GET', '/v1/funders/doc-bank', undefined, { key: null })],
      ['POST', '/v1/api-keys', () => h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'doc' })],
      [
        'POST',
        '/v1/quotes',
        () =>
          h.call('POST', '/v1/quotes', {
            principalFen: 1_000_000,
            termMonths: 12,
            rateAnnual: 0.1,
            method: 'equal-installment',
          }),
      ],
      ['GET', '/v1/routing/config', () => h.call('GET', '/v1/routing/config')],
      ['GET', '/v1/errors', () => h.call('GET', '/v1/errors', undefined, { key: null })],
      ['GET', '/v1/ledger/checkpoint', () => h.call('GET', '/v1/ledger/checkpoint')],
      ['GET', '/v1/applications', () => h.call('GET', '/v1/applications?limit=5')],
      [
        'GET',
        '/v1/applications',
        () => h.call('GET', '/v1/applications?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      ],
      ['GET', '/v1/applications', () => h.call('GET', '/v1/applications?limit=0')],
      [
        'GET',
        '/v1/applications/:id/timeline',
        () => h.call('GET', `/v1/applications/${created.body.id}/timeline`),
      ],
      ['GET', '/v1/applications/:id/timeline', () => h.call('GET', '/v1/applications/app_none/timeline')],
      ['GET', '/v1/dashboard/overview', () => h.call('GET', '/v1/dashboard/overview')],
      [
        'GET',
        '/v1/dashboard/overview',
        () => h.call('GET', '/v1/dashboard/overview?from=2026-03-02&to=2026-03-01'),
      ],
      [
        'GET',
        '/v1/dashboard/funders',
        () => h.call('GET', '/v1/dashboard/funders?from=2025-01-01&to=2026-03-01'),
      ],
      ['GET', '/metrics', () => h.call('GET', '/metrics', undefined, { key: null })],
    ];
    for (const [method, url, send] of samples) {
      const answer = await send();
      const op = operation(method, url);
      const documented = op.responses[String(answer.status)];
      expect(documented, `${method} ${url} answered ${answer.status}, not documented`).toBeDefined();
      if (answer.status >= 400) {
        expect(documented!.description, `${method} ${url} ${answer.status}`).toContain(
          `\`${answer.body.error!.code}\``,
        );
      }
    }
    expect(created.status).toBe(201);
    expect(operation('POST', '/v1/applications').responses['200']).toBeUndefined();
  });
});
