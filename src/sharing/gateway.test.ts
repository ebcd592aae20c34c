// The gateway on both engines: consent re-checked, minimal payload, exposure receipt in the ledger,
// relay leases unique per (customer, funder), nothing recorded on refusal.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, canonicalJson, sha256Hex } from '../kernel/index.ts';
import type { LiveConsent } from '../identity/model.ts';
import { createServices, type Services } from '../services.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { idCommitment } from '../ledger/entry.ts';
import { PoolRelayProvider } from './relay.ts';
import { integratedIndex } from './test-ledger.ts';

const ALL_CATEGORIES = ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'];

describe.each(ENGINES)('sharing gateway on %s', (engine) => {
  let database: TestDatabase;
  let services: Services;
  const clock = new ManualClock('2026-03-01T02:00:00Z');

  beforeAll(async () => {
    database = await freshDatabase(engine);
    services = createServices({ database, masterKey: randomBytes(32), clock });
    await database.db.transaction(async (tx) => {
      const pool = new PoolRelayProvider(clock);
      await pool.add(tx, 'phone', ['17000000001', '17000000002', '17000000003']);
      await pool.add(tx, 'email', [
        'r1@relay.shoujia.test',
        'r2@relay.shoujia.test',
        'r3@relay.shoujia.test',
      ]);
    });
  });
  afterAll(async () => database.close());

  async function applicant(sequence: string, categories = ALL_CATEGORIES) {
    return services.units.run(async (unit) => {
      const tx = unit.tx;
      const { application } = await services.intake.submit(
        tx,
        applicationBody({ idNumber: makeIdNumber('110105', '19900307', sequence) }),
      );
      for (const funderId of ['bank-a', 'bank-b']) {
        await services.identity.grantConsent(unit, {
          customerId: application.customerId,
          funderId,
          purpose: 'credit application',
          dataCategories: categories,
          textVersionHash: sha256Hex('consent text v1'),
          channel: 'app',
        });
      }
      return application;
    });
  }

  const shareWith = (
    applicationId: string,
    customerId: string,
    funderId: string,
    stage: 'prescreen' | 'application' | 'booked',
  ) =>
    services.units.run(async (unit) => {
      const consent = await services.identity.requireLiveConsent(unit.tx, customerId, funderId);
      return services.sharing.share(unit.tx, { consent, funderId, stage, applicationId });
    });

  it('shares the minimum, hashes what it shares, and records the exposure in the ledger', async () => {
    const application = await applicant('101');
    const result = await shareWith(application.id, application.customerId, 'bank-a', 'application');
    expect(result.payloadHash).toBe(sha256Hex(canonicalJson(result.payload)));
    const text = JSON.stringify(result.payload);
    expect(text).not.toContain('13812345678'); // the real phone never leaves before booking
    expect(text).not.toContain('某某科技'); // employer withheld by default
    expect(result.payload.fields.phone).toBe('138****5678');
    expect(result.payload.fields.relayContact).toEqual({
      phone: expect.stringMatching(/^170/),
      email: expect.stringContaining('@relay'),
    });
    expect(result.fields).toContain('idNumber');

    const entryIndex = await integratedIndex(services.ledger, database.db, result.exposureEntryId);
    const admin = { keyId: 'k', role: 'admin' as const, funderId: null, customerId: null };
    const entry = await services.ledger.entry(database.db, entryIndex, admin);
    expect(entry.entry).toMatchObject({
      kind: 'exposure',
      funderId: 'bank-a',
      // the funder's pseudonyms, as in its payload, and commitments the platform can open
      customerRef: result.payload.fields.customerRef,
      customerCommitment: idCommitment(entry.entry.salt, 'customerId', application.customerId),
      applicationRef: result.payload.fields.applicationRef,
      applicationCommitment: idCommitment(entry.entry.salt, 'applicationId', application.id),
      stage: 'application',
      fields: result.fields,
      payloadHash: result.payloadHash,
    });
    const body = JSON.stringify(entry.entry);
    expect(body).not.toContain(application.customerId);
    expect(body).not.toContain(application.id);
  });

  it('leases one relay point per (customer, funder): the same again for the same funder, another for another', async () => {
    const application = await applicant('102');
    const first = await shareWith(application.id, application.customerId, 'bank-a', 'application');
    const again = await shareWith(application.id, application.customerId, 'bank-a', 'application');
    const other = await shareWith(application.id, application.customerId, 'bank-b', 'application');
    expect(again.payload.fields.relayContact).toEqual(first.payload.fields.relayContact);
    expect(other.payload.fields.relayContact).not.toEqual(first.payload.fields.relayContact);
    expect(other.payload.fields.customerRef).not.toBe(first.payload.fields.customerRef);
    expect(again.payload.fields.customerRef).toBe(first.payload.fields.customerRef);
  });

  it('concurrent shares for one pair end with one relay lease, and different customers get different points', async () => {
    const first = await applicant('111');
    const second = await applicant('112');
    const results = await Promise.all([
      shareWith(first.id, first.customerId, 'bank-a', 'application'),
      shareWith(first.id, first.customerId, 'bank-a', 'application'),
      shareWith(second.id, second.customerId, 'bank-a', 'application'),
    ]);
    const phones = results.map((r) => (r.payload.fields.relayContact as { phone: string }).phone);
    expect(phones[0]).toBe(phones[1]);
    expect(phones[2]).not.toBe(phones[0]);
    const live = await database.query<{ n: string }>(
      `SELECT count(*) AS n FROM relay_leases WHERE customer_id = $1 AND funder_id = 'bank-a' AND released_at IS NULL`,
      [first.customerId],
    );
    expect(Number(live[0]!.n)).toBe(2); // one phone, one email
  });

  it('decrypts PII only when it may leave: a default pre-screen never reveals contact details', async () => {
    const application = await applicant('113');
    const reveal = services.identity.revealContact.bind(services.identity);
    let reveals = 0;
    services.identity.revealContact = async (tx, customerId) => {
      reveals++;
      return reveal(tx, customerId);
    };
    try {
      await shareWith(application.id, application.customerId, 'bank-a', 'prescreen');
      expect(reveals).toBe(0);
      await shareWith(application.id, application.customerId, 'bank-a', 'application');
      expect(reveals).toBe(1);
    } finally {
      services.identity.revealContact = reveal;
    }
  });

  it('at booking shares the real phone and no relay point', async () => {
    const application = await applicant('103');
    const booked = await shareWith(application.id, application.customerId, 'bank-a', 'booked');
    expect(booked.payload.fields.phone).toBe('13812345678');
    expect(booked.payload.fields.relayContact).toBeUndefined();
  });

  it('refuses without a live consent and records nothing', async () => {
    const application = await applicant('104');
    const consent = await services.identity.requireLiveConsent(database.db, application.customerId, 'bank-a');
    await services.units.run((unit) =>
      services.identity.withdrawConsent(unit, application.customerId, 'bank-a'),
    );
    const before = await database.query<{ n: string }>('SELECT count(*) AS n FROM shares');
    const leasesBefore = await database.query<{ n: string }>('SELECT count(*) AS n FROM relay_leases');
    // a consent obtained earlier and withdrawn since
    await expect(
      services.units.run((unit) =>
        services.sharing.share(unit.tx, {
          consent,
          funderId: 'bank-a',
          stage: 'application',
          applicationId: application.id,
        }),
      ),
    ).rejects.toMatchObject({ code: 'consent_missing' });
    // a consent for another funder passed off as this one's
    const forB = await services.identity.requireLiveConsent(database.db, application.customerId, 'bank-b');
    await expect(
      services.units.run((unit) =>
        services.sharing.share(unit.tx, {
          consent: forB,
          funderId: 'bank-a',
          stage: 'application',
          applicationId: application.id,
        }),
      ),
    ).rejects.toMatchObject({ code: 'consent_missing' });
    // a forged value (only possible with a cast) is caught at run time too
    const forged = { ...forB, funderId: 'bank-c' } as LiveConsent;
    await expect(
      services.units.run((unit) =>
        services.sharing.share(unit.tx, {
          consent: forged,
          funderId: 'bank-c',
          stage: 'application',
          applicationId: application.id,
        }),
      ),
    ).rejects.toMatchObject({ code: 'consent_missing' });
    expect(await database.query('SELECT count(*) AS n FROM shares')).toEqual(before);
    expect(await database.query('SELECT count(*) AS n FROM relay_leases')).toEqual(leasesBefore);
  });

  it('withholds what the consent does not cover', async () => {
    const application = await applicant('105', ['loan-request']);
    const result = await shareWith(application.id, application.customerId, 'bank-a', 'application');
    expect(Object.keys(result.payload.fields).sort()).toEqual([
      'amountFen',
      'applicationRef',
      'customerRef',
      'purpose',
      'termMonths',
    ]);
    expect(result.withheldForConsent).toContain('relayContact');
  });

  it('maps the funder’s application reference back', async () => {
    const application = await applicant('106');
    const result = await shareWith(application.id, application.customerId, 'bank-a', 'prescreen');
    const ref = services.sharing.pseudonyms.applicationRef('bank-a', application.id);
    expect(await services.sharing.resolveApplicationRef(database.db, 'bank-a', ref)).toBe(application.id);
    expect(await services.sharing.resolveApplicationRef(database.db, 'bank-b', ref)).toBeUndefined();
    expect(result.payload.fields.applicationRef).toBeUndefined(); // not in the default pre-screen policy
  });

  it('without a provider the demo pool mints addresses; a pool that may not mint refuses and records nothing', async () => {
    const application = await applicant('107');
    // the shared pool above had three of each; a fourth pair forces minting
    for (const funderId of ['bank-a', 'bank-b']) {
      const shared = await shareWith(application.id, application.customerId, funderId, 'application');
      expect((shared.payload.fields.relayContact as { phone: string }).phone).toMatch(/^170\d{8}$/);
    }
    const strict = createServices({
      database,
      masterKey: randomBytes(32),
      clock,
      relayProvider: new PoolRelayProvider(clock),
    });
    const other = await strict.units.run(async (unit) => {
      const tx = unit.tx;
      const { application } = await strict.intake.submit(
        tx,
        applicationBody({ idNumber: makeIdNumber('110105', '19900307', '108') }),
      );
      await strict.identity.grantConsent(unit, {
        customerId: application.customerId,
        funderId: 'bank-c',
        purpose: 'credit application',
        dataCategories: ALL_CATEGORIES,
        textVersionHash: sha256Hex('consent text v1'),
        channel: 'app',
      });
      return application;
    });
    await database.query(`UPDATE relay_pool SET status = 'leased'`);
    const before = await database.query('SELECT count(*) AS n FROM shares');
    await expect(
      strict.units.run(async (unit) => {
        const consent = await strict.identity.requireLiveConsent(unit.tx, other.customerId, 'bank-c');
        return strict.sharing.share(unit.tx, {
          consent,
          funderId: 'bank-c',
          stage: 'application',
          applicationId: other.id,
        });
      }),
    ).rejects.toMatchObject({ code: 'relay_pool_exhausted' });
    expect(await database.query('SELECT count(*) AS n FROM shares')).toEqual(before);
  });
});
