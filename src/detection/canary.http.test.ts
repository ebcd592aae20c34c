// The canary registry over HTTP on both engines: register, budget, plan (dry run and for real),
// the canary's ordinary application dispatched to its one funder, contacts attributed (idempotent
// per source id), every refusal a typed 4xx that wrote nothing, and the registry invisible (404,
// as a route that does not exist) to every caller but staff.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, applicant, type World } from '../../test/detection/world.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { worldText } from '../../test/support/text.ts';
import { dedicate } from './store.ts';
import { verifyEvidencePackage } from './package.ts';

const MONTH = '2026-03';
/** Every UTF-8 byte percent-encoded (a lone surrogate becomes U+FFFD, as a client would send it). */
const percentEncoded = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const TABLES = [
  'canaries',
  'canary_contact_points',
  'canary_budgets',
  'canary_placements',
  'canary_contacts',
];

describe.each(ENGINES)('canary registry on %s', (engine) => {
  let w: World;
  let canaryCustomer: string;
  let canaryApplication: string;
  let canaryId: string;
  let funderOfCanary: string;
  let realCustomer: string;

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of TABLES)
      out[table] = Number(
        (await w.h.database.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n,
      );
    return out;
  };

  beforeAll(async () => {
    w = await createWorld(engine, ['fund-a', 'fund-b']);
    const canary = await w.submit(applicant(1, { phone: '13700000001' }), 'canary-1');
    canaryCustomer = canary.customerId;
    canaryApplication = canary.id;
    realCustomer = (await w.submit(applicant(2), 'real-2')).customerId;
  });
  afterAll(() => w?.close());

  it('registers a canary with its contact points sealed, and lists it to staff', async () => {
    const registered = await w.h.call('POST', '/v1/canaries', {
      customerId: canaryCustomer,
      band: 'A',
      employerIsPlatformOrPartner: false,
      contactPoints: [
        { channel: 'phone', address: '+86 137-0000-0001' },
        { channel: 'email', address: 'Shopper.One@example.com' },
      ],
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      status: 'recruited',
      band: 'A',
      regionCode: '310104',
      dedicatedFunderId: null,
      contactPoints: [
        { channel: 'phone', masked: '137****0001' },
        { channel: 'email', masked: 's***@example.com' },
      ],
    });
    canaryId = registered.body.id;
    // sealed at rest: neither address in clear anywhere in the table
    const rows = await w.h.database.query<Record<string, unknown>>('SELECT * FROM canary_contact_points');
    expect(JSON.stringify(rows)).not.toContain('13700000001');
    expect(JSON.stringify(rows)).not.toContain('example.com');
    const analyst = (await w.h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'analyst' })).body
      .secret;
    const listed = await w.h.call('GET', '/v1/canaries?limit=1', undefined, { key: analyst });
    expect(listed.status).toBe(200);
    expect(listed.body.canaries.map((c: { id: string }) => c.id)).toEqual([canaryId]);
    expect(listed.body.next).toBe(canaryId);
    expect((await w.h.call('GET', `/v1/canaries?after=${canaryId}`)).body).toEqual({
      canaries: [],
      next: null,
    });
  });

  it('refuses bad registrations with typed codes and writes nothing', async () => {
    const before = await counts();
    const cases: Array<[unknown, number, string, string?]> = [
      [
        {
          customerId: 'cus_nobody',
          band: 'A',
          employerIsPlatformOrPartner: false,
          contactPoints: [{ channel: 'phone', address: '13700000009' }],
        },
        404,
        'canary_customer_not_found',
        'customerId',
      ],
      [
        {
          customerId: canaryCustomer,
          band: 'A',
          employerIsPlatformOrPartner: false,
          contactPoints: [{ channel: 'phone', address: '13700000009' }],
        },
        409,
        'canary_already_registered',
        'customerId',
      ],
      [
        {
          customerId: realCustomer,
          band: 'Z',
          employerIsPlatformOrPartner: false,
          contactPoints: [{ channel: 'phone', address: '13700000009' }],
        },
        400,
        'canary_invalid',
        'band',
      ],
      [
        {
          customerId: realCustomer,
          band: 'A',
          employerIsPlatformOrPartner: false,
          contactPoints: [{ channel: 'phone', address: '12345' }],
        },
        400,
        'canary_contact_point_invalid',
        'contactPoints.0.address',
      ],
      [
        {
          customerId: realCustomer,
          band: 'A',
          employerIsPlatformOrPartner: false,
          contactPoints: [{ channel: 'email', address: 'shopper.one@EXAMPLE.com' }],
        },
        409,
        'canary_contact_point_taken',
        'contactPoints.0.address',
      ],
      [
        {
          customerId: realCustomer,
          band: 'A',
          employerIsPlatformOrPartner: false,
          contactPoints: [
            { channel: 'phone', address: '13700000009' },
            { channel: 'phone', address: '137 0000 0009' },
          ],
        },
        409,
        'canary_contact_point_taken',
        'contactPoints',
      ],
      [
        { customerId: realCustomer, band: 'A', employerIsPlatformOrPartner: false, contactPoints: [] },
        400,
        'invalid_request',
      ],
    ];
    for (const [body, status, code, field] of cases) {
      const response = await w.h.call('POST', '/v1/canaries', body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error.code).toBe(code);
      if (field) expect(response.body.error.field).toBe(field);
    }
    expect(await counts()).toEqual(before);
  });

  it('plans within the month’s budget: a dry run writes nothing, the real plan dedicates the canary to one funder', async () => {
    const noBudget = await w.h.call('POST', '/v1/canaries/plan', { month: MONTH });
    expect(noBudget.status).toBe(409);
    expect(noBudget.body.error.code).toBe('canary_budget_not_set');
    const budget = await w.h.call('PUT', `/v1/canaries/budgets/${MONTH}`, {
      budgetFen: 50_000,
      costPerPlacementFen: 30_000,
    });
    expect(budget.status).toBe(200);
    expect(budget.body).toEqual({
      month: MONTH,
      budgetFen: 50_000,
      costPerPlacementFen: 30_000,
      spentFen: 0,
    });
    const before = await counts();
    const dry = await w.h.call('POST', '/v1/canaries/plan', { month: MONTH, dryRun: true, seed: 7 });
    expect(dry.status).toBe(200);
    expect(dry.body.placements).toHaveLength(1);
    expect(dry.body.placements[0]).toMatchObject({ id: null, canaryId, costFen: 30_000 });
    expect(await counts()).toEqual(before);
    const real = await w.h.call('POST', '/v1/canaries/plan', { month: MONTH, seed: 7 });
    expect(real.status).toBe(201);
    expect(real.body.placements.map((p: { funderId: string }) => p.funderId)).toEqual(
      dry.body.placements.map((p: { funderId: string }) => p.funderId),
    );
    expect(real.body).toMatchObject({
      budgetFen: 50_000,
      spentBeforeFen: 0,
      plannedFen: 30_000,
      remainingFen: 20_000,
    });
    funderOfCanary = real.body.placements[0].funderId;
    // placed once a month: planning again places nobody and spends nothing
    const again = await w.h.call('POST', '/v1/canaries/plan', { month: MONTH, seed: 8 });
    expect(again.body.placements).toEqual([]);
    expect(again.body.spentBeforeFen).toBe(30_000);
    const [row] = await w.h.database.query<{ status: string; dedicated_funder_id: string }>(
      'SELECT status, dedicated_funder_id FROM canaries WHERE id = $1',
      [canaryId],
    );
    expect(row).toEqual({ status: 'active', dedicated_funder_id: funderOfCanary });
    // next month the canary goes to the same funder again, never another (suspicion elsewhere notwithstanding)
    await w.h.call('PUT', '/v1/canaries/budgets/2026-04', {
      budgetFen: 1_000_000,
      costPerPlacementFen: 30_000,
    });
    const other = funderOfCanary === 'fund-a' ? 'fund-b' : 'fund-a';
    const april = await w.h.call('POST', '/v1/canaries/plan', {
      month: '2026-04',
      dryRun: true,
      funders: [{ funderId: other, flowWeight: 1000, suspicion: 1 }],
    });
    expect(april.body.placements.map((p: { funderId: string }) => p.funderId)).toEqual([funderOfCanary]);
  });

  it('attributes a contact at a canary contact point to the one funder its ordinary application reached', async () => {
    // before any exposure: a contact proves nothing
    const early = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      sourceId: 'tel-0',
      channel: 'call',
      contactPoint: '13700000001',
      occurredAt: w.h.clock.now().toISOString(),
      category: 'marketing',
      summary: '推销贷款',
    });
    expect(early.status, JSON.stringify(early.body)).toBe(201);
    expect(early.body).toMatchObject({
      attributed: false,
      reason: 'never-exposed',
      funderId: null,
      exposedCount: 0,
    });

    await w.dispatch(canaryApplication, funderOfCanary);
    w.h.clock.advance(30_000);
    // the funder verifying the application it was sent: attributed, but in purpose, so no evidence
    // (an honest funder's own verification call must never count against it)
    const verification = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      sourceId: 'tel-verify',
      channel: 'call',
      contactPoint: '13700000001',
      occurredAt: w.h.clock.now().toISOString(),
      category: 'verification',
      summary: '核实贷款申请信息',
    });
    expect(verification.status, JSON.stringify(verification.body)).toBe(201);
    expect(verification.body).toMatchObject({
      attributed: true,
      funderId: funderOfCanary,
      purpose: { verdict: 'in-purpose', reason: 'verification' },
    });
    w.h.clock.advance(30_000);
    const report = {
      sourceId: 'tel-1',
      channel: 'call',
      contactPoint: '137 0000 0001',
      occurredAt: w.h.clock.now().toISOString(),
      category: 'marketing',
      summary: '自营贷款推销，利率更低',
    };
    const contact = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, report);
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    expect(contact.body).toMatchObject({
      attributed: true,
      funderId: funderOfCanary,
      reason: null,
      exposedCount: 1,
      purpose: { verdict: 'out-of-purpose', reason: 'marketing-after-approval' },
    });
    expect(contact.body.exposureEntryId).toMatch(/^led_/);
    // the placement now names the ordinary application the canary rode on
    const placements = await w.h.database.query<{ application_id: string | null }>(
      'SELECT application_id FROM canary_placements WHERE canary_id = $1',
      [canaryId],
    );
    expect(placements).toEqual([{ application_id: canaryApplication }]);
    // the same report again: the first record; other content under the same source id: refused
    const replay = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, report);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(contact.body);
    // a contact dated before the exposure is not caused by it, whenever it is reported
    const backdated = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      ...report,
      sourceId: 'tel-backdated',
      occurredAt: new Date(w.h.clock.now().getTime() - 3_600_000).toISOString(),
    });
    expect(backdated.body).toMatchObject({ attributed: false, reason: 'never-exposed', exposedCount: 0 });
    const before = await counts();
    const reused = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      ...report,
      summary: 'other',
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('canary_contact_source_reused');
    const unknownPoint = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      ...report,
      sourceId: 'tel-2',
      contactPoint: '13812345678',
    });
    expect(unknownPoint.status).toBe(422);
    expect(unknownPoint.body.error).toMatchObject({
      code: 'canary_contact_point_unknown',
      field: 'contactPoint',
    });
    const future = await w.h.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      ...report,
      sourceId: 'tel-3',
      occurredAt: '2099-01-01T00:00:00Z',
    });
    expect(future.status).toBe(400);
    expect(future.body.error).toMatchObject({ code: 'canary_invalid', field: 'occurredAt' });
    const missing = await w.h.call('POST', '/v1/canaries/cny_nope/contacts', {
      ...report,
      sourceId: 'tel-4',
    });
    expect(missing.status).toBe(404);
    expect(await counts()).toEqual(before);

    // the evidence package about that funder verifies with the log's key and names no canary
    await w.h.services.ledger.integrate();
    const pkg = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package`);
    expect(pkg.status).toBe(200);
    expect(pkg.body.records).toHaveLength(1);
    expect(pkg.body.records[0]).toMatchObject({
      kind: 'canary-contact',
      exposureEntryId: contact.body.exposureEntryId,
    });
    const vkey = (await w.h.call('GET', '/v1/ledger/public-key', undefined, { key: null })).body;
    expect(verifyEvidencePackage(pkg.body, vkey)).toMatchObject({ ok: true, records: 1, exposures: 1 });
    const text = JSON.stringify(pkg.body);
    for (const secret of [
      canaryId,
      canaryCustomer,
      canaryApplication,
      '13700000001',
      'example.com',
      'cny_',
      'ccp_',
      'ccn_'.repeat(0) + 'canary_',
    ])
      expect(text).not.toContain(secret);
    // the other funder's package holds nothing about it
    const other = funderOfCanary === 'fund-a' ? 'fund-b' : 'fund-a';
    expect((await w.h.call('GET', `/v1/funders/${other}/evidence-package`)).body.records).toEqual([]);
    const html = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package.html`);
    expect(html.body).toContain('证据包');
    expect(html.body).toContain('核验通过');
    const english = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package.html?lang=en`);
    expect(english.body).toContain('Evidence package');

    // The closed loop: the contact is in the detection register; before confirmed, the funder
    // cannot read its package; rescoring (the fusion rule) confirms on the attributable canary
    // contact alone, routing's trust drops to 0, and the funder now reads the package about itself.
    const funderKey = w.keys.get(funderOfCanary)!;
    const asFunder = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package`, undefined, {
      key: funderKey,
    });
    expect(asFunder.status).toBe(404);
    const rescored = await w.h.call('POST', '/v1/detection/rescore', {});
    expect(rescored.status).toBe(200);
    expect(rescored.body.raised).toEqual([{ funderId: funderOfCanary, from: 'none', to: 'confirmed' }]);
    const level = await w.h.call('GET', `/v1/funders/${funderOfCanary}/detection-level`);
    expect(level.body.level).toBe('confirmed');
    expect(level.body.history[0]).toMatchObject({ actor: 'rescoring:fusion' });
    expect(level.body.history[0].reasons[0]).toMatchObject({ rule: 'fusion:attributable-canary-contact' });
    expect(level.body.history[0].reasons[0].evidenceIds).toEqual([pkg.body.records[0].id]);
    const trustOf = async () =>
      (
        await w.h.database.query<{ trust: number }>(
          `SELECT trust FROM routing_funder_settings WHERE funder_id = '${funderOfCanary}'`,
        )
      )[0]?.trust;
    expect(await trustOf()).toBe(0);
    const own = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package`, undefined, {
      key: funderKey,
    });
    expect(own.status).toBe(200);
    expect(verifyEvidencePackage(own.body, vkey)).toMatchObject({ ok: true, records: 1 });
    // rescoring again raises nothing: the same level is no change
    expect((await w.h.call('POST', '/v1/detection/rescore', {})).body.raised).toEqual([]);
    const otherKey = w.keys.get(other)!;
    const notYours = await w.h.call('GET', `/v1/funders/${funderOfCanary}/evidence-package`, undefined, {
      key: otherKey,
    });
    expect(notYours.status).toBe(404);
    // Only an analyst lowers a level, with reasons; trust follows back up.
    const lowered = await w.h.call('PUT', `/v1/funders/${funderOfCanary}/detection-level`, {
      level: 'none',
      reasons: [{ rule: 'analyst', text: '测试结束：复核后解除' }],
    });
    expect(lowered.status).toBe(200);
    expect(await trustOf()).toBe(1);
  });

  it('a canary seen by two funders proves nothing alone, and the registry refuses a second funder', async () => {
    const person = applicant(3, { phone: '13700000003' });
    const first = await w.submit(person, 'two-1');
    await w.dispatch(first.id, 'fund-a');
    const second = await w.submit({ ...person, amountFen: 3_000_000 }, 'two-2');
    await w.dispatch(second.id, 'fund-b');
    const registered = await w.h.call('POST', '/v1/canaries', {
      customerId: first.customerId,
      band: 'A',
      employerIsPlatformOrPartner: false,
      contactPoints: [{ channel: 'phone', address: '13700000003' }],
    });
    w.h.clock.advance(1_000);
    const contact = await w.h.call('POST', `/v1/canaries/${registered.body.id}/contacts`, {
      sourceId: 'two-contact',
      channel: 'sms',
      contactPoint: '13700000003',
      occurredAt: w.h.clock.now().toISOString(),
      category: 'marketing',
      summary: '',
    });
    expect(contact.body).toMatchObject({
      attributed: false,
      reason: 'exposed-to-several',
      funderId: null,
      exposedCount: 2,
    });
    // the registry's own guard: a canary dedicated to one funder cannot be dedicated to another
    const at = w.h.clock.now();
    expect(await w.h.database.db.transaction((tx) => dedicate(tx, registered.body.id, 'fund-a', at))).toBe(
      true,
    );
    expect(await w.h.database.db.transaction((tx) => dedicate(tx, registered.body.id, 'fund-b', at))).toBe(
      false,
    );
    const [row] = await w.h.database.query<{ dedicated_funder_id: string }>(
      'SELECT dedicated_funder_id FROM canaries WHERE id = $1',
      [registered.body.id],
    );
    expect(row!.dedicated_funder_id).toBe('fund-a');
    // a retired canary is planned no more
    expect((await w.h.call('POST', `/v1/canaries/${registered.body.id}/retire`)).body.status).toBe('retired');
    expect(await w.h.database.db.transaction((tx) => dedicate(tx, registered.body.id, 'fund-a', at))).toBe(
      false,
    );
  });

  it('answers every caller but staff exactly as a route that does not exist', async () => {
    const funderKey = w.keys.get('fund-a')!;
    const borrowerKey = (
      await w.h.services.access.issueKey(w.h.database.db, {
        role: 'borrower',
        customerId: canaryCustomer,
        label: 'b',
      })
    ).secret;
    const analystKey = (await w.h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'a2' })).body.secret;
    const nowhere = (method: string, url: string) => ({
      error: { code: 'route_not_found', message: `no route ${method} ${url.split('?')[0]}` },
    });
    const routes = w.h.app.routeTable.filter((r) => r.url.startsWith('/v1/canaries'));
    expect(routes.length).toBe(6);
    expect(routes.every((r) => r.hidden)).toBe(true);
    const before = await counts();
    for (const route of routes) {
      const url = route.url.replace(':id', canaryId).replace(':month', MONTH);
      const body = route.method === 'GET' ? undefined : { month: MONTH };
      const callers: Array<string | null> = [funderKey, borrowerKey, null, 'not-a-key'];
      if (route.method !== 'GET') callers.push(analystKey);
      for (const key of callers) {
        const response = await w.h.call(route.method, url, body, { key });
        expect(response.status, `${route.method} ${route.url} as ${key}`).toBe(404);
        expect(response.body).toEqual(nowhere(route.method, url));
      }
      // the same as a route that really is not there, malformed body and all
      const absent = await w.h.call(route.method, url.replace('/v1/canaries', '/v1/canarie'), body, {
        key: funderKey,
      });
      expect(absent.status).toBe(404);
      expect(absent.body.error.code).toBe('route_not_found');
    }
    const malformed = await w.h.call('POST', '/v1/canaries', '{not json', { key: funderKey });
    expect(malformed.status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('fuzzed registrations, budgets, plans and contacts: never a 5xx, a refusal writes nothing', async () => {
    const text = worldText(300);
    const huge = fc.oneof(
      fc.integer(),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 2 ** 63, -0, 0.5),
    );
    const body = fc.oneof(
      fc.record(
        {
          customerId: fc.oneof(text, fc.constant(realCustomer)),
          band: fc.oneof(text, fc.constantFrom('A', 'B', 'E')),
          employerIsPlatformOrPartner: fc.oneof(fc.boolean(), text),
          contactPoints: fc.array(
            fc.record({ channel: fc.oneof(text, fc.constantFrom('phone', 'email')), address: text }),
            { maxLength: 6 },
          ),
        },
        { requiredKeys: [] },
      ),
      fc.record({ budgetFen: huge, costPerPlacementFen: huge }, { requiredKeys: [] }),
      fc.record(
        {
          month: fc.oneof(text, fc.constantFrom(MONTH, '2026-13', '0000-01')),
          dryRun: fc.boolean(),
          seed: huge,
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          sourceId: text,
          channel: fc.oneof(text, fc.constantFrom('call', 'sms', 'email')),
          contactPoint: fc.oneof(text, fc.constant('13700000001')),
          occurredAt: fc.oneof(
            text,
            fc.constantFrom('2026-03-01T00:00:00Z', '2026-02-30T25:61:61Z', '+275760-09-13T00:00:00Z'),
          ),
          category: fc.oneof(text, fc.constant('marketing')),
          summary: text,
        },
        { requiredKeys: [] },
      ),
    );
    const targets = [
      ['POST', '/v1/canaries'],
      ['POST', '/v1/canaries/plan'],
      ['POST', `/v1/canaries/${canaryId}/contacts`],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.nat(targets.length + 1), body, text, async (t, payload, month) => {
        const before = await counts();
        const [method, url] =
          t < targets.length
            ? targets[t]!
            : (['PUT', `/v1/canaries/budgets/${percentEncoded(month)}`] as const);
        const response = await w.h.call(method, url, payload);
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
        if (response.status >= 400) {
          expect(typeof response.body.error.code).toBe('string');
          expect(await counts()).toEqual(before);
        }
      }),
      { numRuns: engine === 'pglite' ? 150 : 60, seed: 14 },
    );
  });
});
