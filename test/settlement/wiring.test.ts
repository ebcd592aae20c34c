// Settlement wired by domain events on both engines (ADR 0091–0093): a repayment's collection is
// recorded in its unit, divided 先费后息再本, and the interest basis charges on the interest actually
// collected; a detection confirmation records one finding per cited customer; a declared conversion
// makes later evidence explained, so it is never penalised; the contract's termination threshold
// suspends routing to the funder and raises an alert, which only an admin lifts, with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/kernel/index.ts';
import { signatureHeader } from '../../src/routing/signature.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tableRows } from '../support/rows.ts';
import { consentBody, TEST_CONTRACT } from '../routing/support.ts';

const SECRET = 'secret-of-fund-a-0001';
const DAY = 86_400_000;
/** fund-a: 20% of the interest collected; fund-b: 3% of principal, 2 findings in 90 days terminate. */
const INTEREST_CONTRACT = { ...TEST_CONTRACT, serviceFee: { basis: 'interest', rate: 0.2 } };
const STRICT_CONTRACT = {
  ...TEST_CONTRACT,
  noBackflow: { ...TEST_CONTRACT.noBackflow, terminationThreshold: 2, terminationWindowDays: 90 },
};

describe.each(ENGINES)('settlement wired by events on %s', (engine) => {
  let h: Harness;
  let funderKey: string;
  let funderBKey: string;
  let analystKey: string;
  let systemKey: string;
  let sequence = 500;

  beforeAll(async () => {
    h = await createHarness(engine, {
      services: {
        routing: {
          simulatedFunder: {
            midpointScore: 0,
            scoreScale: 1,
            maxApprovalRate: 1,
            latencyMs: 0,
            errorRate: 0,
            timeoutRate: 0,
            pendingRate: 0,
            seed: 3,
          },
        },
      },
    });
    for (const [id, contract] of [
      ['fund-a', INTEREST_CONTRACT],
      ['fund-b', STRICT_CONTRACT],
    ] as const) {
      const created = await h.call('POST', '/v1/funders', {
        id,
        name: id,
        type: 'bank',
        licensedRegions: ['*'],
        webhookSecret: SECRET,
        monthlyQuotaFen: 1_000_000_000,
      });
      expect(created.status).toBe(201);
      const product = await h.call('POST', `/v1/funders/${id}/products`, {
        id: `${id}-loan`,
        name: id,
        minAmountFen: 100_000,
        maxAmountFen: 10_000_000,
        termsMonths: [12],
        rateAnnualMin: 0.12,
        rateAnnualMax: 0.12,
        methods: ['equal-installment'],
        fees: [{ kind: 'monthly', amountFen: 300, label: '账户管理费' }],
        ageMin: 20,
        ageMax: 60,
        minScore: 0,
      });
      expect(product.status).toBe(201);
      expect((await h.call('POST', `/v1/funders/${id}/contracts`, contract)).status).toBe(201);
    }
    const key = (role: 'funder' | 'analyst' | 'system', funderId?: string) =>
      h.services.access
        .issueKey(h.database.db, { role, label: role, ...(funderId ? { funderId } : {}) })
        .then((k) => k.secret);
    funderKey = await key('funder', 'fund-a');
    funderBKey = await key('funder', 'fund-b');
    analystKey = await key('analyst');
    systemKey = await key('system');
  });
  afterAll(() => h?.close());

  const submit = async (funderId: string) => {
    sequence += 1;
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({
        idNumber: makeIdNumber('310104', '19880521', String(sequence).padStart(3, '0')),
        amountFen: 1_200_000,
        score: 720,
      }),
      { headers: { 'idempotency-key': `wiring-${sequence}` } },
    );
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    expect((await h.call('POST', `/v1/applications/${id}/consents`, consentBody(funderId))).status).toBe(201);
    const chosen = await h.call('POST', `/v1/applications/${id}/choose`, { productId: `${funderId}-loan` });
    expect(chosen.body.application?.status, JSON.stringify(chosen.body)).toBe('approved');
    return { id, customerId: submitted.body.customerId as string };
  };

  const repay = (body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    return h.call('POST', '/v1/funder/repayments', raw, {
      key: funderKey,
      headers: { 'shoujia-signature': signatureHeader(SECRET, h.clock.now(), raw) },
    });
  };

  it('records each repayment in its unit, 先费后息再本, and charges the interest basis on interest collected', async () => {
    const application = await submit('fund-a');
    const booked = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(booked.status).toBe(201);
    const loan = booked.body as { id: string; bookedAt: string; schedule: Array<Record<string, number>> };
    const line = loan.schedule[0]!;
    // ¥12,000 at 12% a year: period 1 charges interest 1,200,000 × 0.12 / 12 = 12,000 and fee 300
    expect([line.interestFen, line.feeFen]).toEqual([12_000, 300]);
    const pay = async (repaymentId: string, kind: string, amountFen: number, days: number) => {
      h.clock.set(new Date(Date.parse(loan.bookedAt) + days * DAY));
      const body = {
        loanId: loan.id,
        repaymentId,
        kind,
        installmentNo: 1,
        amountFen,
        paidAt: h.clock.now().toISOString(),
      };
      const answer = await repay(body);
      expect(answer.status).toBe(201);
      return body;
    };
    await pay('pay-1', 'partial', 5_000, 5);
    const second = await pay('pay-2', 'partial', 10_000, 8);
    await pay('pay-3', 'installment', line.paymentFen! - 15_000, 12);
    // a replay answers the first answer and records nothing more
    expect((await repay(second)).status).toBeLessThan(300);
    const rows = await h.database.query<Record<string, string | number>>(
      'SELECT repayment_id, fee_fen, interest_fen, principal_fen FROM settlement_collections ORDER BY repayment_id',
    );
    const parts = rows.map((r) => [
      r.repayment_id,
      Number(r.fee_fen),
      Number(r.interest_fen),
      Number(r.principal_fen),
    ]);
    expect(parts).toEqual([
      // 5,000 = fee 300 + interest 4,700
      ['pay-1', 300, 4_700, 0],
      // 10,000 = the interest left (12,000 − 4,700 = 7,300) + 2,700 principal
      ['pay-2', 0, 7_300, 2_700],
      // the rest is principal
      ['pay-3', 0, 0, line.paymentFen! - 15_000],
    ]);
    // March's draft: one interest line on 4,700 + 7,300 + 0 = 12,000 collected, 20% of it = 2,400
    const draft = await h.call('POST', '/v1/settlement/drafts', { funderId: 'fund-a', period: '2026-03' });
    expect(draft.status).toBe(200);
    const interest = draft.body.lines.filter(
      (l: { memo: { basis?: string } }) => l.memo.basis === 'interest',
    );
    expect(interest).toHaveLength(1);
    expect(interest[0]).toMatchObject({ amountFen: 2_400, memo: { baseFen: 12_000, rate: 0.2 } });
  });

  /**
   * A customer whose application was shared with fund-b (its exposure in the ledger), not booked:
   * through the services, as detection's tests do, so routing's rotation does not choose for us.
   */
  const sharedWithB = async () => {
    const { services } = h;
    sequence += 1;
    const application = await services.units.run(async (unit) => {
      const { application } = await services.intake.submit(
        unit.tx,
        applicationBody({ idNumber: makeIdNumber('110105', '19850101', String(sequence).padStart(3, '0')) }),
      );
      await services.identity.grantConsent(unit, {
        customerId: application.customerId,
        funderId: 'fund-b',
        purpose: 'credit application',
        dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
        textVersionHash: sha256Hex('v1'),
        channel: 'app',
      });
      return application;
    });
    await services.units.run(async (unit) => {
      const consent = await services.identity.requireLiveConsent(unit.tx, application.customerId, 'fund-b');
      return services.sharing.share(unit.tx, {
        consent,
        funderId: 'fund-b',
        stage: 'application',
        applicationId: application.id,
      });
    });
    return { id: application.id, customerId: application.customerId };
  };

  /** A customer shared with fund-b, and a borrower report naming fund-b about them. */
  const reported = async () => {
    const application = await sharedWithB();
    h.clock.advance(3_600_000);
    const report = await h.call(
      'POST',
      '/v1/borrower/reports',
      {
        customerId: application.customerId,
        funderId: 'fund-b',
        contactedAt: h.clock.now().toISOString(),
        channel: 'call',
        offered: '直接来我们这里借，利率更低',
        reportRef: `report-${sequence}`,
      },
      { key: systemKey },
    );
    expect(report.status).toBe(201);
    return { ...application, evidence: report.body as { id: string; status: string } };
  };
  const setLevel = (level: string, evidenceIds: string[]) =>
    h.call(
      'PUT',
      '/v1/funders/fund-b/detection-level',
      { level, reasons: [{ rule: 'analyst', text: '经核实的营销联系', evidenceIds }] },
      { key: analystKey },
    );
  const funderStatus = async () => (await h.call('GET', '/v1/funders/fund-b')).body.status;

  it('findings, a declared conversion never penalised, the termination trigger and its recorded lift', async () => {
    // c3 is declared converted by fund-b first: a later report about it is explained
    const declared = await sharedWithB();
    const customerRef = h.services.sharing.pseudonyms.customerRef('fund-b', declared.customerId);
    const conversion = await h.call('POST', '/v1/funder/conversions', { customerRef }, { key: funderBKey });
    expect(conversion.status).toBe(201);
    h.clock.advance(3_600_000);
    const explained = await h.call(
      'POST',
      '/v1/borrower/reports',
      {
        customerId: declared.customerId,
        funderId: 'fund-b',
        contactedAt: h.clock.now().toISOString(),
        channel: 'call',
        offered: '转到我们的直营产品',
        reportRef: 'report-declared',
      },
      { key: systemKey },
    );
    expect(explained.body).toMatchObject({
      status: 'explained',
      detail: { explainedBy: conversion.body.id },
    });
    // evidence about a declared customer cannot confirm anything
    expect((await setLevel('confirmed', [explained.body.id])).body.error.code).toBe(
      'detection_confirm_without_evidence',
    );

    // shared and reported before any level moves (a suspected funder's routing trust drops)
    const [c1, c2, c4] = [await reported(), await reported(), await reported()];
    expect([c1.evidence.status, c2.evidence.status, c4.evidence.status]).toEqual([
      'attributed',
      'attributed',
      'attributed',
    ]);
    const first = await setLevel('confirmed', [c1.evidence.id, explained.body.id]);
    expect(first.status).toBe(200);
    const findings = await h.database.query<{ customer_id: string }>(
      'SELECT customer_id FROM settlement_findings ORDER BY customer_id',
    );
    // one finding: c1's (the explained evidence names the declared customer, who is not penalised)
    expect(findings.map((f) => f.customer_id)).toEqual([c1.customerId]);
    expect(await funderStatus()).toBe('active');
    const draft = await h.call('POST', '/v1/settlement/drafts', { funderId: 'fund-b', period: '2026-03' });
    const kinds = draft.body.lines.map((l: { kind: string; customerRef: string }) => [l.kind, l.customerRef]);
    expect(kinds).toContainEqual([
      'penalty',
      h.services.sharing.pseudonyms.customerRef('fund-b', c1.customerId),
    ]);
    expect(kinds).toContainEqual(['conversion', customerRef]);
    expect(kinds).not.toContainEqual(['penalty', customerRef]);

    // a second confirmation within 90 days reaches the threshold of 2: routing to fund-b stops
    expect((await setLevel('suspect', [c1.evidence.id])).status).toBe(200);
    expect((await setLevel('confirmed', [c2.evidence.id])).status).toBe(200);
    expect(await funderStatus()).toBe('suspended');
    const alerts = await h.call('GET', '/v1/settlement/terminations?status=in-force', undefined, {
      key: analystKey,
    });
    expect(alerts.body.terminations).toHaveLength(1);
    const termination = alerts.body.terminations[0];
    expect(termination).toMatchObject({ funderId: 'fund-b', findings: 2, threshold: 2, windowDays: 90 });
    const outbox = await h.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE topic = 'settlement.termination_triggered'",
    );
    expect(outbox[0]!.n).toBe(1);

    // lifting: admin only, with a reason; typed refusals change nothing
    const lift = (body: unknown, id = termination.id, key?: string) =>
      h.call('POST', `/v1/settlement/terminations/${id}/lift`, body, key ? { key } : {});
    expect((await lift({ reason: '整改完成' }, termination.id, analystKey)).status).toBe(403);
    expect((await lift({ reason: '' })).status).toBe(400);
    expect((await lift({ reason: '整改完成', extra: 1 })).status).toBe(400);
    // a plain status change cannot reactivate a terminated funder: only the recorded lift does
    const reactivate = await h.call('PUT', '/v1/funders/fund-b/status', { status: 'active' });
    expect([reactivate.status, reactivate.body.error?.code]).toEqual([409, 'funder_terminated']);
    expect((await lift({ reason: '整改完成' }, 'trm-nobody-x')).body.error.code).toBe(
      'termination_not_found',
    );
    expect(await funderStatus()).toBe('suspended');
    const lifted = await lift({ reason: '整改完成，恢复合作 <b>ok</b>' });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ status: 'lifted', liftReason: '整改完成，恢复合作 <b>ok</b>' });
    expect(lifted.body.liftedBy).toBeTruthy();
    expect(await funderStatus()).toBe('active');
    expect((await lift({ reason: '整改完成，恢复合作 <b>ok</b>' })).status).toBe(200);
    const again = await lift({ reason: '另一个理由' });
    expect([again.status, again.body.error.code]).toEqual([409, 'termination_already_lifted']);

    // findings before the lift were answered by it: one more confirmation does not fire again
    expect((await setLevel('suspect', [c2.evidence.id])).status).toBe(200);
    h.clock.advance(1_000);
    expect((await setLevel('confirmed', [c4.evidence.id])).status).toBe(200);
    expect(await funderStatus()).toBe('active');
  });

  it('validates the termination terms of a contract: a 4xx, nothing written', async () => {
    const before = await tableRows(h);
    for (const noBackflow of [
      { ...STRICT_CONTRACT.noBackflow, terminationWindowDays: 0 },
      { ...STRICT_CONTRACT.noBackflow, terminationWindowDays: 400 },
      { ...STRICT_CONTRACT.noBackflow, terminationWindowDays: 1.5 },
      { ...STRICT_CONTRACT.noBackflow, terminationThreshold: 0 },
      { ...STRICT_CONTRACT.noBackflow, terminationWindowDays: '90' },
    ]) {
      const answer = await h.call('POST', '/v1/funders/fund-b/contracts', { ...STRICT_CONTRACT, noBackflow });
      expect(answer.status).toBe(400);
    }
    expect(await tableRows(h)).toEqual(before);
    // the service refuses what the route would (other callers: the demo, tests)
    await expect(
      h.services.units.run((unit) =>
        h.services.catalog.createContract(unit, 'fund-b', {
          ...(STRICT_CONTRACT as never as Parameters<typeof h.services.catalog.createContract>[2]),
          noBackflow: { ...STRICT_CONTRACT.noBackflow, terminationWindowDays: 1.5 },
        }),
      ),
    ).rejects.toMatchObject({ code: 'contract_invalid' });
  });
});
