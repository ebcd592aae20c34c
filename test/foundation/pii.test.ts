// No raw ID number or phone number appears in logs (every line the real logger writes, for PII in
// paths, queries, headers, bodies and direct log calls) or in clear in any table (identity issue §5).
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
/** An ID number whose check character is X (GB 11643 test value), also written with a lower-case x. */
const ID_NUMBER_X = '11010519491231002X';
const PHONE = '13987654321';
const OTHER_PHONE = '13812345678';
const NAME = '李四光';
/** The same numbers as people write them: grouped with spaces or hyphens, with the country code. */
const GROUPED = [
  `${ID_NUMBER.slice(0, 6)} ${ID_NUMBER.slice(6, 14)} ${ID_NUMBER.slice(14)}`,
  `${ID_NUMBER_X.slice(0, 6)}-${ID_NUMBER_X.slice(6, 14)}-${ID_NUMBER_X.slice(14)}`,
  '139 8765 4321',
  '139-8765-4321',
  '+86 13987654321',
];
const RAW_FORMS = [ID_NUMBER, ID_NUMBER_X, ID_NUMBER_X.toLowerCase(), PHONE, OTHER_PHONE, ...GROUPED];

/** An independent detector (not the logger's regexes): any bounded digit run shaped like either number. */
function looksLikePii(line: string): string | undefined {
  const compact = line.replace(/(?<=\d)[ -](?=\d)/g, '');
  return /(?<!\d)\d{17}[\dXx](?!\d)/.exec(compact)?.[0] ?? /(?<!\d)1[3-9]\d{9}(?!\d)/.exec(compact)?.[0];
}

/** A class instance holding PII in a field the redaction paths do not name. */
class ContactAttempt {
  constructor(
    readonly dialled: string,
    readonly about: { holder: string },
  ) {}
}

describe.each(ENGINES)('PII at rest and in logs on %s', (engine) => {
  let database: TestDatabase;
  let app: App;
  const lines: string[] = [];
  let requestsSent = 0;
  beforeAll(async () => {
    database = await freshDatabase(engine);
    const services = createServices({
      database,
      masterKey: randomBytes(32),
      clock: new ManualClock('2026-03-01T00:00:00Z'),
    });
    // Every line the real pino logger writes, at the most verbose level.
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(line);
        done();
      },
    });
    app = await buildApp(services, { logger: createLogger({ level: 'trace', destination: sink }) });
    const key = (await services.access.issueKey(database.db, { role: 'admin', label: 't' })).secret;
    const send = async (options: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      url: string;
      headers?: Record<string, string>;
      payload?: string;
      key?: string | null;
    }) => {
      requestsSent++;
      return app.inject({
        method: options.method,
        url: options.url,
        headers: {
          ...(options.key === null ? {} : { authorization: `Bearer ${options.key ?? key}` }),
          'user-agent': `ShoujiaApp/2.1 (tester ${PHONE}; id ${ID_NUMBER})`,
          'x-customer-phone': `+86${PHONE}`,
          'x-customer-id': ID_NUMBER_X,
          ...(options.payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.payload === undefined ? {} : { payload: options.payload }),
      });
    };
    const body = applicationBody({ idNumber: ID_NUMBER, phone: PHONE });
    body.applicant.name = NAME;
    const created = await send({
      method: 'POST',
      url: `/v1/applications?idNumber=${ID_NUMBER}&phone=${PHONE}`,
      headers: { 'idempotency-key': 'pii-1' },
      payload: JSON.stringify(body),
    });
    expect(created.statusCode).toBe(201);
    // Invalid bodies, so the validation and error paths log: a bad phone, an unknown field carrying
    // an ID number, malformed JSON, a plain-text body.
    const invalid = [
      { ...body, applicant: { ...body.applicant, phone: `x${PHONE}` } },
      { ...body, applicant: { ...body.applicant, idNumber: ID_NUMBER_X.toLowerCase() } },
      { ...body, [`note${ID_NUMBER}`]: GROUPED.join(' / ') },
    ];
    for (const [i, payload] of invalid.entries()) {
      const answer = await send({
        method: 'POST',
        url: '/v1/applications',
        headers: { 'idempotency-key': `pii-invalid-${i}` },
        payload: JSON.stringify(payload),
      });
      expect(answer.statusCode).toBeLessThan(500);
    }
    const malformed = await send({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': 'pii-malformed' },
      payload: `{"applicant":{"idNumber":"${ID_NUMBER}","phone":${PHONE}`,
    });
    expect(malformed.statusCode).toBe(400);
    const plain = await send({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': 'pii-plain', 'content-type': 'text/plain' },
      payload: `${NAME} ${ID_NUMBER} ${PHONE}`,
    });
    expect(plain.statusCode).toBe(415);
    // Numbers in paths and query strings, raw, grouped and percent-encoded; with and without a key.
    const urls = [
      `/v1/applications/${OTHER_PHONE}`,
      `/v1/applications/${ID_NUMBER_X}`,
      `/v1/applications/${ID_NUMBER}/events?phone=${PHONE}`,
      `/v1/funders?idNumber=${ID_NUMBER_X.toLowerCase()}&phone=${OTHER_PHONE}&phone=${PHONE}`,
      `/v1/funders?q=${encodeURIComponent(GROUPED.join(','))}&p=%20${PHONE}&x=%2B86${OTHER_PHONE}`,
      `/v1/no-such-route/${PHONE}?id=${ID_NUMBER}`,
      `/v1/applications/${encodeURIComponent(GROUPED[0]!)}`,
    ];
    for (const url of urls) {
      await send({ method: 'GET', url });
      await send({ method: 'GET', url, key: null });
    }
    await send({ method: 'DELETE', url: `/v1/api-keys/${PHONE}` });
    await send({
      method: 'PUT',
      url: `/v1/routing/config?phone=${PHONE}`,
      payload: JSON.stringify({ phone: PHONE, idNumber: ID_NUMBER }),
    });
    // Direct log calls: PII in the message, in fields, deep inside objects and arrays, in a class
    // instance, in an error's message and stack, as a number, in a child logger's bindings.
    app.log.info(
      { applicant: body.applicant, note: `called ${PHONE} about ${ID_NUMBER}` },
      `customer ${ID_NUMBER} phone +86${PHONE}`,
    );
    app.log.warn(
      {
        attempt: new ContactAttempt(PHONE, { holder: ID_NUMBER_X }),
        calls: [[{ a: { b: { c: { d: { e: { f: { g: [GROUPED] } } } } } } }]],
      },
      'contact attempt',
    );
    const failure = new Error(`no customer for ${ID_NUMBER} / ${PHONE}`);
    (failure as Error & { customer?: unknown }).customer = { dialled: OTHER_PHONE };
    app.log.error({ err: failure }, 'lookup failed');
    app.log.error(new TypeError(`bad ${ID_NUMBER_X} ${GROUPED[2]}`));
    app.log.info({ callbackNumber: Number(PHONE), idDigits: Number(ID_NUMBER) }, 'numbers');
    app.log.child({ customer: ID_NUMBER, phone2: PHONE }).info(`child line for ${OTHER_PHONE}`);
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('no log line contains a raw ID number, phone or name, in any format', () => {
    expect(lines.length).toBeGreaterThan(requestsSent);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const raw of RAW_FORMS) expect(line, line).not.toContain(raw);
      expect(looksLikePii(line), line).toBeUndefined();
      expect(line).not.toContain(NAME);
    }
    const all = lines.join('\n');
    expect(all).toContain('[id-number]');
    expect(all).toContain('[phone]');
  });

  it('logs each request exactly once, with method, scrubbed url, status, duration and request id', () => {
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.filter((l) => l.msg === 'incoming request')).toEqual([]);
    const completed = parsed.filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(requestsSent);
    expect(new Set(completed.map((l) => l.reqId)).size).toBe(requestsSent);
    for (const line of completed) {
      expect(line).toMatchObject({ method: expect.any(String), url: expect.stringMatching(/^\//) });
      expect(line.statusCode).toEqual(expect.any(Number));
      expect(line.durationMs).toEqual(expect.any(Number));
    }
    expect(completed.map((l) => l.url)).toContain('/v1/applications/[phone]');
    expect(completed.map((l) => l.url)).toContain('/v1/applications/[id-number]');
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
