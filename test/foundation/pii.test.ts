// No raw ID number or phone number appears in logs or in clear in any table (identity issue §5).
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logger.ts';
import { ManualClock } from '../../src/kernel/index.ts';
import { createServices } from '../../src/services.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';

const ID_NUMBER = makeIdNumber('320106', '19870704', '615');
const PHONE = '13987654321';
const NAME = '李四光';

describe.each(ENGINES)('PII at rest and in logs on %s', (engine) => {
  let database: TestDatabase;
  let app: App;
  const lines: string[] = [];
  beforeAll(async () => {
    database = await freshDatabase(engine);
    const services = createServices({
      database,
      masterKey: randomBytes(32),
      clock: new ManualClock('2026-03-01T00:00:00Z'),
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    app = await buildApp(services, { logger: createLogger({ level: 'trace', destination: sink }) });
    const key = (await services.access.issueKey(database.db, { role: 'admin', label: 't' })).secret;
    const body = applicationBody({ idNumber: ID_NUMBER, phone: PHONE });
    body.applicant.name = NAME;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'pii-1',
      },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(201);
    // A failing request whose error message could echo input, and a direct log call with PII in it.
    await app.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'pii-2',
      },
      payload: JSON.stringify({ ...body, applicant: { ...body.applicant, phone: `x${PHONE}` } }),
    });
    app.log.info(
      { applicant: body.applicant, note: `called ${PHONE} about ${ID_NUMBER}` },
      `customer ${ID_NUMBER} phone +86${PHONE}`,
    );
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('logs contain no raw ID number, phone or name', () => {
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(all).not.toContain(ID_NUMBER);
    expect(all).not.toContain(PHONE);
    expect(all).not.toContain(NAME);
    expect(all).toContain('[id-number]');
  });

  it('no table holds the ID number, phone or name in clear', async () => {
    const tables = await database.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toContain('customers');
    for (const { table_name } of tables) {
      // Every row of every table rendered as JSON text: the whole stored content, whatever the column types.
      const rows = await database.query<{ text: string }>(
        `SELECT row_to_json(t)::text AS text FROM "${table_name}" t LIMIT 10000`,
      );
      const content = rows.map((r) => r.text).join('\n');
      expect(content, table_name).not.toContain(ID_NUMBER);
      expect(content, table_name).not.toContain(PHONE);
      expect(content, table_name).not.toContain(NAME);
    }
    const [customer] = await database.query<{ id_number_enc: string }>(
      'SELECT id_number_enc FROM customers LIMIT 1',
    );
    expect(customer!.id_number_enc).toMatch(/^v1\.k1\./);
  });
});
