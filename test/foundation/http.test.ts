// Service basics: health, readiness, OpenAPI document with the error catalog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';

describe('service basics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('serves /health, /ready and the OpenAPI document', async () => {
    expect((await h.call('GET', '/health', undefined, { key: null })).body).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/ready', undefined, { key: null })).body).toEqual({
      status: 'ready',
      engine: 'pglite',
    });
    const openapi = await h.call('GET', '/docs/json', undefined, { key: null });
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths)).toContain('/v1/applications');
    expect(openapi.body.info.description).toContain('idempotency_key_reused');
    const errors = await h.call('GET', '/v1/errors', undefined, { key: null });
    const codes = errors.body.errors.map((e: { code: string }) => e.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'id_number_checksum',
        'consent_missing',
        'invalid_transition',
        'funder_not_found',
      ]),
    );
    for (const e of errors.body.errors) expect(e.status).toBeGreaterThanOrEqual(400);
  });
});
