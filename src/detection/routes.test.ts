// Over 500 lines because: one scenario per guarantee of ADR 0076 on both engines (evidence, reports,
// levels and visibility, the closed loop, fuzzing), sharing one harness and its funders.
// Detection over HTTP on both engines (ADR 0076): relay contacts become evidence in the unit that
// records them, credit reports and borrower reports are stored as findings (unattributed when they
// name nobody who saw the customer), levels are set with reasons and move routing trust, and who
// may read what. Fuzzed with the world's text and huge numbers: never a 5xx, nothing half-written.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../kernel/index.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { consentBody, testProduct } from '../../test/routing/support.ts';
import { worldText } from '../../test/support/text.ts';

const FUNDERS = [
  { id: 'bank-a', name: '甲银行', type: 'bank', licensedRegions: ['*'] },
  { id: 'bank-b', name: '乙银行', type: 'bank', licensedRegions: ['*'] },
  { id: 'bank-c', name: '丙消费金融', type: 'consumer-finance', licensedRegions: ['*'] },
];
const PRODUCT = testProduct;
const DETECTION_TABLES = [
  'detection_evidence',
  'detection_institution_aliases',
  'detection_staff_contacts',
  'detection_credit_reports',
  'detection_levels',
  'detection_level_changes',
  'routing_funder_settings',
];

describe.each(ENGINES)('detection routes on %s', (engine) => {
  let h: Harness;
  let systemKey: string;
  let analystKey: string;
  const funderKeys: Record<string, string> = {};
  let sequence = 300;

  beforeAll(async () => {
    // funders answer through the built-in simulated funder, approving every good score at once
    h = await createHarness(engine, {
      services: {
        routing: {
          simulatedFunder: {
            midpointScore: 300,
            scoreScale: 20,
            maxApprovalRate: 1,
            latencyMs: 0,
            errorRate: 0,
            timeoutRate: 0,
            pendingRate: 0,
            seed: 7,
          },
        },
      },
    });
    for (const [i, funder] of FUNDERS.entries()) {
      expect((await h.call('POST', '/v1/funders', funder)).status).toBe(201);
      expect(
        (
          await h.call(
            'POST',
            `/v1/funders/${funder.id}/products`,
            PRODUCT(`${funder.id}-loan`, 0.08 + i / 100),
          )
        ).status,
      ).toBe(201);
      funderKeys[funder.id] = (
        await h.services.access.issueKey(h.database.db, {
          role: 'funder',
          funderId: funder.id,
          label: funder.id,
        })
      ).secret;
    }
    systemKey = (await h.services.access.issueKey(h.database.db, { role: 'system', label: 'relay' })).secret;
    analystKey = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 'analyst' }))
      .secret;
    await h.call('POST', '/v1/relay-pool', {
      channel: 'phone',
      addresses: Array.from({ length: 12 }, (_, i) => `170000000${String(i + 10)}`),
    });
    await h.call('POST', '/v1/relay-pool', {
      channel: 'email',
      addresses: Array.from({ length: 12 }, (_, i) => `r${i}@relay.shoujia.test`),
    });
  });
  afterAll(async () => h.close());

  /** A customer whose application was shared with `funderId` (the ledger's exposure entry with it). */
  const sharedCustomer = async (funderId: string) => {
    const { services } = h;
    sequence += 1;
    const application = await services.units.run(async (unit) => {
      const { application } = await services.intake.submit(
        unit.tx,
        applicationBody({ idNumber: makeIdNumber('110105', '19850101', String(sequence)) }),
      );
      await services.identity.grantConsent(unit, {
        customerId: application.customerId,
        funderId,
        purpose: 'credit application',
        dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
        textVersionHash: sha256Hex('v1'),
        channel: 'app',
      });
      return application;
    });
    const shared = await services.units.run(async (unit) => {
      const consent = await services.identity.requireLiveConsent(unit.tx, application.customerId, funderId);
      return services.sharing.share(unit.tx, {
        consent,
        funderId,
        stage: 'application',
        applicationId: application.id,
      });
    });
    await h.database.db.transaction(async (tx) => {
      await services.intake.transition(tx, application.id, 'offered');
      await services.intake.transition(tx, application.id, 'consented');
      await services.intake.transition(tx, application.id, 'sent', { funderId });
    });
    const relay = shared.payload.fields.relayContact as { phone: string; email: string };
    return {
      application,
      customerId: application.customerId,
      relay,
      exposureEntryId: shared.exposureEntryId,
    };
  };

  const contact = (relayPoint: string, id: string, summary: string, at = h.clock.now()) =>
    h.call(
      'POST',
      '/v1/contact-events',
      {
        relayPoint,
        occurredAt: at.toISOString(),
        channel: 'sms',
        caller: '95555',
        summary,
        providerEventId: id,
      },
      { key: systemKey },
    );
  const evidenceOf = async (funderId: string, key?: string) =>
    h.call('GET', `/v1/funders/${funderId}/evidence?limit=100`, undefined, key ? { key } : {});
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of DETECTION_TABLES)
      out[table] = Number(
        (await h.database.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n,
      );
    return out;
  };

  it('stores an out-of-purpose relay contact as evidence with its exposure, once, whatever the order', async () => {
    const { customerId, relay, exposureEntryId } = await sharedCustomer('bank-a');
    h.clock.advance(60_000);
    const inPurpose = await contact(relay.phone, 'a-1', '请补充收入证明');
    expect(inPurpose.body.verdict).toBe('in-purpose');
    h.clock.advance(60_000);
    const later = h.clock.now();
    const marketing = await contact(relay.phone, 'a-3', '您有专属额度，下载APP直接申请', later);
    expect(marketing.body).toMatchObject({ verdict: 'out-of-purpose', duplicate: false });
    // out of order: an earlier contact arrives after a later one; and the webhook retries
    const earlier = await contact(
      relay.phone,
      'a-2',
      '限时优惠，点击链接领取',
      new Date(later.getTime() - 30_000),
    );
    expect(earlier.body.verdict).toBe('out-of-purpose');
    expect((await contact(relay.phone, 'a-3', '您有专属额度，下载APP直接申请', later)).body.duplicate).toBe(
      true,
    );
    const listed = await evidenceOf('bank-a');
    expect(listed.status).toBe(200);
    const relayEvidence = listed.body.evidence.filter((e: { kind: string }) => e.kind === 'relay-contact');
    expect(relayEvidence).toHaveLength(2);
    expect(relayEvidence.map((e: { source: string }) => e.source).sort()).toEqual(
      [marketing.body.id, earlier.body.id].sort(),
    );
    for (const e of relayEvidence)
      expect(e).toMatchObject({ funderId: 'bank-a', customerId, exposureEntryId, status: 'attributed' });
    // newest first, by when the contact happened
    expect(relayEvidence[0].source).toBe(marketing.body.id);
    // the service itself, given the same event twice, writes nothing the second time
    const before = await counts();
    const [row] = await h.database.query<Record<string, unknown>>(
      'SELECT * FROM contact_events WHERE id = $1',
      [marketing.body.id],
    );
    await h.services.units.run((unit) =>
      h.services.detection.recordContact(unit, {
        topic: 'contact.recorded',
        aggregateId: marketing.body.id,
        payload: {
          contactId: marketing.body.id,
          funderId: 'bank-a',
          customerId,
          channel: 'sms',
          verdict: 'out-of-purpose',
          reason: String(row!.reason),
          category: null,
          at: later.toISOString(),
        },
        at: h.clock.now(),
        relayAddress: String(row!.relay_address),
        exposureEntryId,
        applicationId: null,
      }),
    );
    expect(await counts()).toEqual(before);
  });

  it('records a marketing contact to a registered staff contact point as staff-contact evidence', async () => {
    const { relay } = await sharedCustomer('bank-b');
    const registered = await h.call('POST', '/v1/staff-contacts', {
      channel: 'relay-address',
      address: relay.email.toUpperCase(),
      owner: 'platform',
      label: '风控测试号',
    });
    expect(registered.status).toBe(201);
    expect(JSON.stringify(registered.body)).not.toContain(relay.email);
    const again = await h.call('POST', '/v1/staff-contacts', {
      channel: 'relay-address',
      address: relay.email,
      owner: 'platform',
      label: 'again',
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'staff_contact_exists' } } });
    expect(
      (
        await h.call('POST', '/v1/staff-contacts', {
          channel: 'phone',
          address: '12345',
          owner: 'p',
          label: 'x',
        })
      ).body.error.code,
    ).toBe('staff_contact_invalid');
    const stored = await h.database.query<{ address_key: string }>(
      'SELECT address_key FROM detection_staff_contacts',
    );
    expect(stored.every((r) => /^[0-9a-f]{64}$/.test(r.address_key))).toBe(true);
    h.clock.advance(60_000);
    const marketing = await contact(relay.email, 'b-1', '新客专享低息贷款，立即申请');
    expect(marketing.body.verdict).toBe('out-of-purpose');
    const kinds = (await evidenceOf('bank-b')).body.evidence.map((e: { kind: string }) => e.kind).sort();
    expect(kinds).toEqual(['relay-contact', 'staff-contact']);
    const list = await h.call('GET', '/v1/staff-contacts?limit=10');
    expect(list.body.staffContacts).toHaveLength(1);
    expect((await h.call('GET', '/v1/staff-contacts?limit=10', undefined, { key: analystKey })).status).toBe(
      403,
    );
    expect((await h.call('DELETE', `/v1/staff-contacts/${registered.body.id}`)).status).toBe(200);
    expect((await h.call('DELETE', `/v1/staff-contacts/${registered.body.id}`)).body.error.code).toBe(
      'staff_contact_not_found',
    );
  });

  it('cross-checks a credit report: direct and weak findings with the exposure, unknown institutions unattributed', async () => {
    const { customerId, exposureEntryId } = await sharedCustomer('bank-c');
    const alias = await h.call('POST', '/v1/institution-aliases', {
      funderId: 'bank-c',
      names: ['丙消费金融有限公司'],
      codes: ['91440300342220233J'],
    });
    expect(alias.status).toBe(201);
    expect(alias.body.added).toHaveLength(2);
    const conflict = await h.call('POST', '/v1/institution-aliases', {
      funderId: 'bank-a',
      names: ['丙消费金融'],
    });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'institution_alias_conflict' } } });
    const day = (offsetDays: number) =>
      new Date(h.clock.now().getTime() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const report = {
      reportId: `rpt${sequence}`,
      subject: { customerId },
      generatedOn: day(0),
      accounts: [
        {
          institution: '丙消费金融有限公司',
          type: 'non-revolving',
          openedOn: day(0),
          amountFen: 5_000_000,
          status: 'normal',
        },
        {
          institution: '某某小贷有限公司',
          type: 'non-revolving',
          openedOn: day(0),
          amountFen: 100_000,
          status: 'normal',
        },
      ],
      queries: [{ institution: '丙消费金融', date: day(0), reason: 'loan-approval' }],
    };
    h.clock.advance(20 * 86_400_000);
    report.generatedOn = day(0);
    report.accounts[0]!.openedOn = day(-2);
    report.accounts[1]!.openedOn = day(-3);
    report.queries[0]!.date = day(-4);
    const url = `/v1/customers/${customerId}/credit-reports`;
    const noAuth = await h.call('POST', url, { report });
    expect(noAuth).toMatchObject({
      status: 422,
      body: { error: { code: 'credit_report_authorisation_missing' } },
    });
    const ingested = await h.call(
      'POST',
      url,
      { authorisationRef: 'auth-2026-0001', report },
      { key: analystKey },
    );
    expect(ingested.status).toBe(201);
    const byKind = Object.fromEntries(
      ingested.body.findings.map((f: { kind: string; status: string }) => [`${f.kind}/${f.status}`, f]),
    );
    expect(byKind['credit-report-account/attributed']).toMatchObject({
      funderId: 'bank-c',
      customerId,
      exposureEntryId,
      detail: { strength: 'direct', accountIndex: 0 },
    });
    expect(byKind['credit-report-query/attributed']).toMatchObject({
      funderId: 'bank-c',
      detail: { strength: 'weak' },
    });
    expect(byKind['credit-report-account/unattributed']).toMatchObject({
      funderId: null,
      status: 'unattributed',
    });
    expect(ingested.body.unmatchedInstitutions).toHaveLength(1);
    // the same report again: the same findings, nothing new
    const before = await counts();
    const again = await h.call('POST', url, { authorisationRef: 'auth-2026-0001', report });
    expect(again.body).toMatchObject({ duplicate: true });
    expect(again.body.findings.map((f: { id: string }) => f.id).sort()).toEqual(
      ingested.body.findings.map((f: { id: string }) => f.id).sort(),
    );
    expect(await counts()).toEqual(before);
    // bad reports: a clear 4xx, nothing written
    const bad: Array<[unknown, string]> = [
      [{ ...report, accounts: 'many' }, 'credit_report_malformed'],
      [{ ...report, queries: [{ ...report.queries[0], date: '2099-13-01' }] }, 'credit_report_date_invalid'],
      // contradicts itself: an account opened after the report was generated
      [{ ...report, accounts: [{ ...report.accounts[0], openedOn: day(5) }] }, 'credit_report_date_invalid'],
      [{ ...report, subject: { customerId: 'cus_someone_else' } }, 'credit_report_subject_mismatch'],
      [
        { ...report, accounts: [{ ...report.accounts[0], amountFen: 1e300 }] },
        'credit_report_amount_invalid',
      ],
    ];
    for (const [body, code] of bad) {
      const answer = await h.call('POST', url, { authorisationRef: 'auth-x', report: body });
      expect(answer.body.error?.code, code).toBe(code);
      expect(answer.status).toBeLessThan(500);
    }
    const missing = await h.call('POST', '/v1/customers/cus_nobody/credit-reports', {
      authorisationRef: 'auth-x',
      report: { ...report, subject: { customerId: 'cus_nobody' } },
    });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'detection_customer_not_found' } } });
    const other = await sharedCustomer('bank-a');
    const elsewhere = await h.call('POST', `/v1/customers/${other.customerId}/credit-reports`, {
      authorisationRef: 'auth-y',
      report: { ...report, subject: { idNumberHash: 'a'.repeat(64) } },
    });
    expect(elsewhere.body.error.code).toBe('credit_report_conflict');
    expect(await counts()).toEqual(before);
    // a funder or the system key may not send reports
    expect((await h.call('POST', url, { authorisationRef: 'a', report }, { key: systemKey })).status).toBe(
      403,
    );
    // aliases: listed, deleted
    const listed = await h.call('GET', '/v1/institution-aliases?funderId=bank-c', undefined, {
      key: analystKey,
    });
    expect(listed.body.aliases).toHaveLength(2);
    expect((await h.call('DELETE', `/v1/institution-aliases/${alias.body.added[1].id}`)).status).toBe(200);
    expect(
      (await h.call('DELETE', `/v1/institution-aliases/${alias.body.added[1].id}`)).body.error.code,
    ).toBe('institution_alias_not_found');
  });

  it('keeps a borrower report about a funder that never saw the borrower unattributed', async () => {
    const { customerId } = await sharedCustomer('bank-a');
    h.clock.advance(3_600_000);
    const report = (extra: Record<string, unknown>) =>
      h.call(
        'POST',
        '/v1/borrower/reports',
        {
          customerId,
          contactedAt: h.clock.now().toISOString(),
          channel: 'call',
          offered: '说可以给我更低的利息',
          ...extra,
        },
        { key: systemKey },
      );
    const saw = await report({ funderId: 'bank-a', reportRef: 'r-1' });
    expect(saw).toMatchObject({
      status: 201,
      body: { kind: 'borrower-report', funderId: 'bank-a', status: 'attributed' },
    });
    expect(saw.body.exposureEntryId).toBeTruthy();
    const never = await report({ funderId: 'bank-b', reportRef: 'r-2' });
    expect(never.body).toMatchObject({
      funderId: null,
      status: 'unattributed',
      detail: { named: { funderId: 'bank-b' } },
    });
    const byName = await report({ funderName: '没听说过的公司', reportRef: 'r-3' });
    expect(byName.body).toMatchObject({ funderId: null, status: 'unattributed' });
    const retried = await report({ funderId: 'bank-a', reportRef: 'r-1' });
    expect(retried.body.id).toBe(saw.body.id);
    expect((await report({})).body.error.code).toBe('borrower_report_funder_missing');
    expect((await report({ funderId: 'bank-a', customerId: 'cus_nobody' })).body.error.code).toBe(
      'detection_customer_not_found',
    );
    const future = await report({
      funderId: 'bank-a',
      contactedAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString(),
    });
    expect(future.status).toBe(400);
    const asFunder = await h.call(
      'POST',
      '/v1/borrower/reports',
      {
        customerId,
        funderId: 'bank-a',
        contactedAt: h.clock.now().toISOString(),
        channel: 'call',
        offered: '',
      },
      { key: funderKeys['bank-a'] },
    );
    expect(asFunder.status).toBe(403);
  });

  it('explains a borrower report about a lender the borrower has a loan with through the platform', async () => {
    sequence += 1;
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('320102', '19900101', String(sequence)), score: 800 }),
      { headers: { 'idempotency-key': `explained-${sequence}` } },
    );
    expect(submitted.status).toBe(201);
    const id = submitted.body.id;
    expect((await h.call('POST', `/v1/applications/${id}/consents`, consentBody('bank-c'))).status).toBe(201);
    const chosen = await h.call('POST', `/v1/applications/${id}/choose`, { productId: 'bank-c-loan' });
    expect(chosen.status).toBeLessThan(300);
    await h.services.routing.idle();
    expect((await h.call('POST', `/v1/applications/${id}/confirm`)).status).toBe(201);
    h.clock.advance(86_400_000);
    const answer = await h.call('POST', '/v1/borrower/reports', {
      customerId: submitted.body.customerId,
      funderId: 'bank-c',
      contactedAt: h.clock.now().toISOString(),
      channel: 'call',
      offered: '提醒还款日',
    });
    expect(answer.body).toMatchObject({ status: 'explained', funderId: 'bank-c' });
    expect(answer.body.exposureEntryId).toBeTruthy();
  });

  it('sets levels with reasons; confirmed needs attributed evidence; who may read what', async () => {
    const level = (funderId: string, body: unknown, key?: string) =>
      h.call('PUT', `/v1/funders/${funderId}/detection-level`, body, key ? { key } : {});
    const evidence = (await evidenceOf('bank-a')).body.evidence;
    const attributed = evidence.find((e: { status: string }) => e.status === 'attributed');
    const otherFunders = (await evidenceOf('bank-b')).body.evidence[0];
    expect(
      (
        await level('bank-a', {
          level: 'confirmed',
          reasons: [{ rule: 'analyst', text: '直觉', evidenceIds: [] }],
        })
      ).body.error.code,
    ).toBe('detection_confirm_without_evidence');
    expect(
      (
        await level('bank-a', {
          level: 'confirmed',
          reasons: [{ rule: 'analyst', text: 'x', evidenceIds: [otherFunders.id] }],
        })
      ).body.error,
    ).toMatchObject({ code: 'detection_evidence_unknown', details: { evidenceIds: [otherFunders.id] } });
    expect(
      (await level('nobody', { level: 'watch', reasons: [{ rule: 'analyst', text: 'x' }] })).status,
    ).toBe(404);
    expect((await level('bank-a', { level: 'watch', reasons: [] })).status).toBe(400);
    expect(
      (await level('bank-a', { level: 'watch', reasons: [{ rule: 'a', text: 'x' }] }, funderKeys['bank-a']))
        .status,
    ).toBe(403);
    const watched = await level(
      'bank-a',
      { level: 'watch', reasons: [{ rule: 'analyst', text: '营销短信两条' }] },
      analystKey,
    );
    expect(watched).toMatchObject({ status: 200, body: { changed: true, level: 'watch' } });
    expect(watched.body.history[0]).toMatchObject({
      from: 'none',
      level: 'watch',
      actor: expect.stringMatching(/^key:/),
    });
    const same = await level('bank-a', { level: 'watch', reasons: [{ rule: 'analyst', text: 'again' }] });
    expect(same.body.changed).toBe(false);
    // a funder reads neither its level nor its evidence before confirmed, nor another's ever
    const ownKey = funderKeys['bank-a']!;
    expect(
      (await h.call('GET', '/v1/funders/bank-a/detection-level', undefined, { key: ownKey })).status,
    ).toBe(404);
    expect((await evidenceOf('bank-a', ownKey)).status).toBe(404);
    expect((await h.call('GET', '/v1/alerts?limit=10', undefined, { key: ownKey })).status).toBe(403);
    h.clock.advance(1_000);
    const confirmed = await level('bank-a', {
      level: 'confirmed',
      reasons: [{ rule: 'analyst', text: '营销短信经核实', evidenceIds: [attributed.id] }],
    });
    expect(confirmed.body).toMatchObject({ changed: true, level: 'confirmed' });
    const seenByFunder = (await evidenceOf('bank-a', ownKey)).body.evidence;
    expect(seenByFunder.length).toBe(evidence.length);
    // the funder meets its customers by its own pseudonyms, never the platform's ids
    for (const [i, e] of seenByFunder.entries()) {
      if (evidence[i].customerId === null) continue;
      expect(e.customerId).toBe(h.services.sharing.pseudonyms.customerRef('bank-a', evidence[i].customerId));
      expect(JSON.stringify(e)).not.toContain(evidence[i].customerId);
    }
    expect(
      (await h.call('GET', '/v1/funders/bank-a/detection-level', undefined, { key: ownKey })).body.level,
    ).toBe('confirmed');
    expect((await evidenceOf('bank-a', funderKeys['bank-b'])).status).toBe(404);
    expect((await evidenceOf('bank-b', ownKey)).status).toBe(404);
    // alerts: newest change first, paged with an explicit limit
    h.clock.advance(1_000);
    await level('bank-c', { level: 'suspect', reasons: [{ rule: 'cusum', text: '审批后放弃率偏高' }] });
    const page1 = await h.call('GET', '/v1/alerts?limit=1', undefined, { key: analystKey });
    expect(page1.body.alerts.map((a: { funderId: string }) => a.funderId)).toEqual(['bank-c']);
    const page2 = await h.call('GET', `/v1/alerts?limit=1&before=${page1.body.next}`);
    expect(page2.body.alerts).toMatchObject([
      { funderId: 'bank-a', level: 'confirmed', change: { from: 'watch' } },
    ]);
    expect((await h.call('GET', '/v1/alerts?limit=1&before=zz')).body.error.code).toBe(
      'detection_alert_cursor_invalid',
    );
    expect((await h.call('GET', '/v1/alerts?limit=1000')).status).toBe(400);
    // the rescoring step uses the same method; back to none removes the alert
    await h.services.units.run((unit) =>
      h.services.detection.setLevel(
        unit,
        'bank-c',
        'none',
        [{ rule: 'rescoring', text: '恢复', evidenceIds: [] }],
        'rescoring:test',
      ),
    );
    const all = await h.call('GET', '/v1/alerts?limit=50');
    expect(all.body.alerts.map((a: { funderId: string }) => a.funderId)).toEqual(['bank-a']);
  });

  it('closes the loop: confirmed sets trust 0 and the funder gets no offer; watch sets 0.8', async () => {
    const trustOf = async (funderId: string) =>
      (
        await h.database.query<{ trust: number }>(
          'SELECT trust FROM routing_funder_settings WHERE funder_id = $1',
          [funderId],
        )
      )[0]?.trust;
    const explanationFor = async (funderId: string) => {
      sequence += 1;
      const submitted = await h.call(
        'POST',
        '/v1/applications',
        applicationBody({ idNumber: makeIdNumber('310104', '19880521', String(sequence)), score: 800 }),
        { headers: { 'idempotency-key': `detection-${sequence}` } },
      );
      expect(submitted.status).toBe(201);
      const routing = await h.call('GET', `/v1/applications/${submitted.body.id}/routing`);
      return routing.body.explanations.find((e: { funderId: string }) => e.funderId === funderId);
    };
    // bank-a was confirmed above: trust 0, so not even one application in any band
    expect(await trustOf('bank-a')).toBe(0);
    expect(await explanationFor('bank-a')).toMatchObject({
      eligible: false,
      code: 'exposure_budget_exhausted',
    });
    expect(await explanationFor('bank-b')).toMatchObject({ eligible: true });
    // bank-c went suspect then none: 0.3 then 1
    expect(await trustOf('bank-c')).toBe(1);
    await h.call('PUT', '/v1/funders/bank-b/detection-level', {
      level: 'watch',
      reasons: [{ rule: 'analyst', text: 'x' }],
    });
    expect(await trustOf('bank-b')).toBeCloseTo(0.8, 10);
    // and the loop reverses: a funder back at none gets offers again
    await h.call('PUT', '/v1/funders/bank-a/detection-level', {
      level: 'none',
      reasons: [{ rule: 'appeal', text: '申诉成立' }],
    });
    expect(await trustOf('bank-a')).toBe(1);
    expect(await explanationFor('bank-a')).toMatchObject({ eligible: true });
  });

  it('answers fuzzed bodies with a 2xx or a coded 4xx, never a 5xx, and a refusal writes nothing', async () => {
    const { customerId } = await sharedCustomer('bank-b');
    const huge = fc.oneof(
      fc.constant(1e308),
      fc.constant(-1e308),
      fc.constant(Number.MAX_SAFE_INTEGER + 2),
      fc.double({ noNaN: false }),
      fc.integer(),
    );
    const value = fc.oneof(worldText(80), huge, fc.constant(null), fc.boolean());
    const bodies: Array<[string, string, fc.Arbitrary<unknown>]> = [
      [
        'PUT',
        '/v1/funders/bank-b/detection-level',
        fc.record({
          level: fc.oneof(fc.constantFrom('none', 'watch', 'suspect', 'confirmed'), worldText(10)),
          reasons: fc.array(
            fc.record({
              rule: fc.oneof(worldText(10), fc.constant('analyst')),
              text: worldText(50),
              evidenceIds: fc.array(worldText(10), { maxLength: 3 }),
            }),
            { maxLength: 3 },
          ),
        }),
      ],
      [
        'POST',
        '/v1/borrower/reports',
        fc.record({
          customerId: fc.oneof(worldText(20), fc.constant('cus_nobody'), fc.constant(customerId)),
          funderName: worldText(120),
          contactedAt: fc.oneof(worldText(30), fc.constant('2026-03-01T00:00:00Z')),
          channel: fc.constantFrom('call', 'sms', 'fax'),
          offered: worldText(200),
        }),
      ],
      [
        'POST',
        `/v1/customers/${customerId}/credit-reports`,
        fc.record({
          authorisationRef: fc.oneof(worldText(20), fc.constant('auth-1')),
          report: fc.oneof(
            fc.dictionary(worldText(10), value),
            fc.record({
              reportId: fc.oneof(worldText(20), fc.constant('fuzz-1')),
              subject: fc.record({ customerId: fc.oneof(worldText(10), fc.constant(customerId)) }),
              generatedOn: fc.oneof(worldText(12), fc.constant('2026-03-01')),
              accounts: fc.array(
                fc.record({
                  institution: worldText(30),
                  type: fc.constantFrom('non-revolving', 'revolving', 'D1'),
                  openedOn: fc.oneof(worldText(12), fc.constant('2026-02-01')),
                  amountFen: huge,
                  status: fc.constantFrom('normal', 'closed', 'x'),
                }),
                { maxLength: 3 },
              ),
              queries: fc.constant([]),
            }),
          ),
        }),
      ],
      [
        'POST',
        '/v1/institution-aliases',
        fc.record({
          funderId: fc.oneof(worldText(10), fc.constant('bank-b')),
          names: fc.array(worldText(120), { maxLength: 3 }),
          codes: fc.array(worldText(40), { maxLength: 2 }),
        }),
      ],
      [
        'POST',
        '/v1/staff-contacts',
        fc.record({
          channel: fc.constantFrom('phone', 'email', 'relay-address', 'fax'),
          address: worldText(60),
          owner: worldText(20),
          label: worldText(20),
        }),
      ],
    ];
    for (const [method, url, body] of bodies) {
      await fc.assert(
        fc.asyncProperty(body, async (sample) => {
          const before = await counts();
          const answer = await h.call(method, url, sample);
          expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(answer.body.error.code).toMatch(/^[a-z_]+$/);
            expect(await counts()).toEqual(before);
          }
        }),
        { numRuns: 25, seed: 76 },
      );
    }
    // query strings and paths
    for (const url of [
      '/v1/alerts?limit=99999999999999999999',
      '/v1/alerts?limit=1&before=99999999999999999.x',
      `/v1/funders/${encodeURIComponent('甲\u202e')}/evidence?limit=1`,
      '/v1/funders/bank-a/evidence?limit=1&before=1.%00',
      `/v1/funders/bank-a/detection-level`,
    ]) {
      const answer = await h.call('GET', url);
      expect(answer.status, url).toBeLessThan(500);
    }
  });
});
