// Verified API keys are remembered for keyCacheMs: a revocation made by another process (here, a
// direct UPDATE) takes effect within that time; one made through this process at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { DEFAULT_KEY_CACHE_MS } from './service.ts';

describe.each(ENGINES)('API key cache on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine);
  });
  afterAll(async () => h?.close());

  const funders = (key: string) => h.call('GET', '/v1/funders', undefined, { key });

  it('a key revoked elsewhere stops working within the cache time, not before the time is up', async () => {
    const issued = (await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'elsewhere' })).body;
    expect((await funders(issued.secret)).status).toBe(200);
    await h.database.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [issued.id]);
    expect((await funders(issued.secret)).status).toBe(200); // still remembered by this process
    h.clock.advance(DEFAULT_KEY_CACHE_MS + 1);
    expect((await funders(issued.secret)).status).toBe(401);
    expect((await funders(issued.secret)).status).toBe(401); // a refused key is not remembered as good
  });

  it('a key revoked through this process stops at once', async () => {
    const issued = (await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'here' })).body;
    expect((await funders(issued.secret)).status).toBe(200);
    expect((await h.call('DELETE', `/v1/api-keys/${issued.id}`)).status).toBe(200);
    expect((await funders(issued.secret)).status).toBe(401);
  });
});
