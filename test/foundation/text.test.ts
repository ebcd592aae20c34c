// Text PostgreSQL cannot store, or that no caller means, answers 400 naming the field and stores
// nothing (issue 11 item 1); accepted text is stored NFC-normalised and trimmed; numbers in query
// strings and paths are plain decimal digits only.
import { Ajv } from 'ajv';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseText, registerTextKeyword, Text, textViolation } from '../../src/http/text.ts';
import { FreeText, ShortText, Token } from '../../src/http/schemas.ts';
import { registerValidation } from '../../src/http/validation.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tableRows } from '../support/rows.ts';

describe('the text rules (pure)', () => {
  const line = { trim: true, multiline: false, bidi: false };
  const free = { trim: true, multiline: true, bidi: true };
  it.each([
    ['a\u0000b', line, 'nul'],
    ['\ud800x', line, 'lone_surrogate'],
    ['x\udc00', line, 'lone_surrogate'],
    ['\udc00\ud800', line, 'lone_surrogate'],
    ['a\u0007', line, 'control_character'],
    ['a\tb', line, 'control_character'],
    ['a\nb', line, 'control_character'],
    ['a\u007fb', line, 'control_character'],
    ['a\u0085b', line, 'control_character'],
    ['abc\u202e', line, 'bidi_control'],
    ['\u2066中国银行\u2069', line, 'bidi_control'],
    ['a\u0000b', free, 'nul'],
    ['a\u001bb', free, 'control_character'],
  ] as const)('%j is refused: %s', (value, rules, rule) => {
    expect(textViolation(normaliseText(value, rules), rules)?.rule).toBe(rule);
  });

  it.each([
    ['张三', line],
    ['😀 emoji (a surrogate pair)', line],
    ['a\u200fb (a bidi mark, not an override)', line],
    ['line one\nline two\ttabbed\r\n', free],
    ['\u202eoverride in free text', free],
  ] as const)('%j is accepted', (value, rules) => {
    expect(textViolation(normaliseText(value, rules), rules)).toBeNull();
  });

  it('normalises to NFC and trims Unicode white space (U+3000 included)', () => {
    expect(normaliseText('\u3000 Cafe\u0301 \u00a0', line)).toBe('Café');
    expect(normaliseText(' x ', { ...line, trim: false })).toBe(' x ');
  });
});

describe('the text keyword in Ajv', () => {
  const ajv = new Ajv({ strict: false });
  registerTextKeyword(ajv);
  const validate = ajv.compile(
    Type.Object({
      name: ShortText(3),
      notes: Type.Optional(FreeText(20)),
      code: Type.Optional(Token({ maxLength: 4 })),
    }),
  );

  it('changes the value it validates, before the length checks', () => {
    const data = { name: '  张三丰  ', notes: ' a\nb ' };
    expect(validate(data)).toBe(true);
    expect(data).toEqual({ name: '张三丰', notes: 'a\nb' });
    // NFC first: 'e' + combining acute is one character once composed, so 3 fit in maxLength 3.
    const composed = { name: 'e\u0301e\u0301e\u0301' };
    expect(validate(composed)).toBe(true);
    expect(composed.name).toBe('ééé');
  });

  it('counts a name of only spaces as empty', () => {
    expect(validate({ name: '   ' })).toBe(false);
    expect(validate({ name: '\u3000\u3000' })).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('minLength');
  });

  it('never trims a token', () => {
    const data = { name: 'a', code: ' ab ' };
    expect(validate(data)).toBe(true);
    expect(data.code).toBe(' ab ');
  });
});

describe('a route with a bare string', () => {
  it('fails at start-up', async () => {
    const app = Fastify();
    registerValidation(app);
    app.post(
      '/x',
      { schema: { body: Type.Object({ name: Type.String({ maxLength: 5 }) }) } },
      async () => ({}),
    );
    await expect(app.ready()).rejects.toThrow(/every string must be a Text.*#\/properties\/name/);
    await app.close();
  });

  it('starts when every string is a Text', async () => {
    const app = Fastify();
    registerValidation(app);
    app.post('/x', { schema: { body: Type.Object({ name: Text({ maxLength: 5 }) }) } }, async () => ({}));
    await app.ready();
    await app.close();
  });
});

describe.each(ENGINES)('bad text over HTTP on %s', (engine) => {
  let h: Harness;
  let systemKey: string;
  let funderKey: string;
  let applicationId: string;
  beforeAll(async () => {
    h = await createHarness(engine);
    const funder = await h.call('POST', '/v1/funders', {
      id: 'fz',
      name: '宁波银行',
      type: 'bank',
      licensedRegions: ['*'],
    });
    expect(funder.status).toBe(201);
    const db = h.database.db;
    systemKey = (await h.services.access.issueKey(db, { role: 'system', label: 'front end' })).secret;
    funderKey = (await h.services.access.issueKey(db, { role: 'funder', funderId: 'fz', label: 'fz' }))
      .secret;
    const application = await h.call('POST', '/v1/applications', applicationBody(), {
      headers: { 'idempotency-key': 'text-setup' },
    });
    expect(application.status).toBe(201);
    applicationId = application.body.id;
  });
  afterAll(() => h.close());

  const app = (change: (body: ReturnType<typeof applicationBody>) => void) => {
    const body = applicationBody({ idNumber: undefined });
    change(body);
    return body;
  };
  const funder = (name: string) => ({ id: 'fz-new', name, type: 'bank', licensedRegions: ['*'] });
  const product = (change: (body: Record<string, unknown>) => void = () => {}) => {
    const body: Record<string, unknown> = {
      name: '信用贷',
      minAmountFen: 100_000,
      maxAmountFen: 5_000_000,
      termsMonths: [12],
      rateAnnualMin: 0.1,
      rateAnnualMax: 0.15,
      methods: ['equal-installment'],
      fees: [{ kind: 'monthly', amountFen: 500, label: '服务费' }],
      ageMin: 20,
      ageMax: 55,
      minScore: 550,
    };
    change(body);
    return body;
  };
  const consent = (change: (body: Record<string, unknown>) => void) => {
    const body: Record<string, unknown> = {
      funderId: 'fz',
      purpose: '贷款审批',
      dataCategories: ['identity'],
      textVersionHash: 'a'.repeat(64),
      channel: 'app',
    };
    change(body);
    return body;
  };

  type Key = 'admin' | 'system' | 'funder';
  // [what, method, url, body, key, field, rule]
  const cases: Array<[string, string, string | (() => string), unknown, Key, string, string | undefined]> = [
    [
      'NUL in purpose',
      'POST',
      '/v1/applications',
      app((b) => {
        b.request.purpose = '消\u0000费';
      }),
      'admin',
      'request.purpose',
      'nul',
    ],
    [
      'lone surrogate in channel',
      'POST',
      '/v1/applications',
      app((b) => {
        b.channel = '\ud800x';
      }),
      'admin',
      'channel',
      'lone_surrogate',
    ],
    [
      'control character in applicant name',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.name = '张\u0007三';
      }),
      'admin',
      'applicant.name',
      'control_character',
    ],
    [
      'bidi override in applicant name',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.name = '\u202e三张';
      }),
      'admin',
      'applicant.name',
      'bidi_control',
    ],
    [
      'applicant name of only spaces',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.name = '\u3000 \u3000';
      }),
      'admin',
      'applicant.name',
      undefined,
    ],
    [
      'NUL in phone',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.phone = '1381234567\u00008';
      }),
      'admin',
      'applicant.phone',
      'nul',
    ],
    [
      'lone surrogate in ID number',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.idNumber = `${b.applicant.idNumber}\udc00`;
      }),
      'admin',
      'applicant.idNumber',
      'lone_surrogate',
    ],
    [
      'NUL in employer',
      'POST',
      '/v1/applications',
      app((b) => {
        b.applicant.employer = '某某\u0000公司';
      }),
      'admin',
      'applicant.employer',
      'nul',
    ],
    [
      'system key: newline in purpose',
      'POST',
      '/v1/applications',
      app((b) => {
        b.request.purpose = '消费\n'.repeat(2);
      }),
      'system',
      'request.purpose',
      'control_character',
    ],
    [
      'control character in funder name',
      'POST',
      '/v1/funders',
      funder('宁波\u0001银行'),
      'admin',
      'name',
      'control_character',
    ],
    ['funder name of only spaces', 'POST', '/v1/funders', funder('    '), 'admin', 'name', undefined],
    [
      'bidi isolate in funder name',
      'POST',
      '/v1/funders',
      funder('\u2066中国银行\u2069'),
      'admin',
      'name',
      'bidi_control',
    ],
    [
      'NUL in funder webhook secret',
      'POST',
      '/v1/funders',
      { ...funder('x'), webhookSecret: 'a'.repeat(16) + '\u0000' },
      'admin',
      'webhookSecret',
      'nul',
    ],
    [
      'NUL in product name',
      'POST',
      '/v1/funders/fz/products',
      product((b) => {
        b.name = '信用\u0000贷';
      }),
      'admin',
      'name',
      'nul',
    ],
    [
      'product name of only spaces',
      'POST',
      '/v1/funders/fz/products',
      product((b) => {
        b.name = ' ';
      }),
      'admin',
      'name',
      undefined,
    ],
    [
      'bidi override in fee label',
      'POST',
      '/v1/funders/fz/products',
      product((b) => {
        b.fees = [{ kind: 'monthly', amountFen: 1, label: '\u202d费' }];
      }),
      'admin',
      'fees.0.label',
      'bidi_control',
    ],
    [
      'api key label of only spaces',
      'POST',
      '/v1/api-keys',
      { role: 'analyst', label: '   ' },
      'admin',
      'label',
      undefined,
    ],
    [
      'NUL in api key label',
      'POST',
      '/v1/api-keys',
      { role: 'analyst', label: 'ops\u0000' },
      'admin',
      'label',
      'nul',
    ],
    [
      'NUL in consent purpose',
      'POST',
      () => `/v1/applications/${applicationId}/consents`,
      consent((b) => {
        b.purpose = '\u0000';
      }),
      'system',
      'purpose',
      'nul',
    ],
    [
      'surrogate in consent channel',
      'POST',
      () => `/v1/applications/${applicationId}/consents`,
      consent((b) => {
        b.channel = 'app\udbff';
      }),
      'system',
      'channel',
      'lone_surrogate',
    ],
    [
      'control character in a data category',
      'POST',
      () => `/v1/applications/${applicationId}/consents`,
      consent((b) => {
        b.dataCategories = ['identity\u001f'];
      }),
      'system',
      'dataCategories.0',
      'control_character',
    ],
    [
      'NUL in a contact summary (free text)',
      'POST',
      '/v1/contact-events',
      {
        relayPoint: '17000000001',
        occurredAt: '2026-03-01T02:00:00Z',
        channel: 'call',
        caller: '13900000000',
        summary: 'a\u0000',
        providerEventId: 'p1',
      },
      'system',
      'summary',
      'nul',
    ],
    [
      'NUL in a decision reason',
      'POST',
      '/v1/funder/decisions',
      { applicationRef: 'x', decision: 'declined', reason: '\u0000' },
      'funder',
      'reason',
      'nul',
    ],
    [
      'NUL in a cosignature',
      'POST',
      '/v1/ledger/cosignatures',
      { treeSize: 1, verifierKey: 'k', cosignature: '\u0000' },
      'funder',
      'cosignature',
      'nul',
    ],
    [
      'NUL in a relay address',
      'POST',
      '/v1/relay-pool',
      { channel: 'email', addresses: ['a@b.cn\u0000'] },
      'admin',
      'addresses.0',
      'nul',
    ],
    ['?after=%00', 'GET', '/v1/funders?after=%00', undefined, 'admin', 'after', 'nul'],
    ['?limit=%20', 'GET', '/v1/funders?limit=%20', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=%201', 'GET', '/v1/funders?limit=%201', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=0x0', 'GET', '/v1/funders?limit=0x0', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=0x10', 'GET', '/v1/funders?limit=0x10', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=', 'GET', '/v1/funders?limit=', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=1e3', 'GET', '/v1/products?limit=1e3', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=2.0', 'GET', '/v1/products?limit=2.0', undefined, 'admin', 'limit', 'not_decimal'],
    ['?limit=007', 'GET', '/v1/contact-events?limit=007', undefined, 'admin', 'limit', 'not_decimal'],
    [
      '?limit=2^53+1',
      'GET',
      '/v1/simulations?limit=9007199254740993',
      undefined,
      'admin',
      'limit',
      'not_decimal',
    ],
    [
      '?index=+1',
      'GET',
      '/v1/ledger/proofs/inclusion?index=%2B1&treeSize=1',
      undefined,
      'admin',
      'index',
      'not_decimal',
    ],
    ['/entries/0x0', 'GET', '/v1/ledger/entries/0x0', undefined, 'admin', 'index', 'not_decimal'],
    ['/entries/%20', 'GET', '/v1/ledger/entries/%20', undefined, 'admin', 'index', 'not_decimal'],
    ['NUL in a path id', 'GET', '/v1/applications/%00', undefined, 'admin', 'id', 'nul'],
  ];

  it.each(cases)(
    '%s: 400 invalid_request naming the field, nothing stored',
    async (_what, method, url, body, key, field, rule) => {
      const keys = { admin: h.adminKey, system: systemKey, funder: funderKey };
      const before = await tableRows(h);
      const response = await h.call(method, typeof url === 'function' ? url() : url, body, {
        key: keys[key],
        headers: { 'idempotency-key': `text-${Math.random()}` },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.field).toBe(field);
      expect(response.body.error.message).toEqual(expect.any(String));
      if (rule) expect(response.body.error.details).toEqual({ rule });
      expect(await tableRows(h)).toEqual(before);
    },
  );

  it('stores accepted text NFC-normalised and trimmed', async () => {
    const created = await h.call('POST', '/v1/funders', {
      id: 'cafe',
      name: '\u3000 Cafe\u0301 资方 ',
      type: 'other',
      licensedRegions: ['*'],
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('Café 资方');
    const [row] = await h.database.query<{ name: string }>(`SELECT name FROM funders WHERE id = 'cafe'`);
    expect(row!.name).toBe('Café 资方');

    const submitted = await h.call(
      'POST',
      '/v1/applications',
      app((b) => {
        b.request.purpose = '  装修  ';
        b.channel = ' app ';
        b.applicant.name = ' 李四 ';
      }),
      { headers: { 'idempotency-key': 'text-trimmed' } },
    );
    expect(submitted.status).toBe(201);
    expect(submitted.body.purpose).toBe('装修');
    expect(submitted.body.channel).toBe('app');
    const pii = await h.services.identity.revealContact(h.database.db, submitted.body.customerId);
    expect(pii?.name).toBe('李四');
  });

  it('accepts plain digits at the bounds, and the default when absent', async () => {
    expect((await h.call('GET', '/v1/funders?limit=1')).status).toBe(200);
    expect((await h.call('GET', '/v1/funders?limit=500')).status).toBe(200);
    expect((await h.call('GET', '/v1/funders?limit=501')).status).toBe(400);
    expect((await h.call('GET', '/v1/funders?limit=0')).status).toBe(400);
    expect(
      (await h.call('GET', '/v1/funders?after=cafe')).body.funders.map((f: { id: string }) => f.id),
    ).toEqual(['fz']);
    expect((await h.call('GET', '/v1/funders')).status).toBe(200);
  });
});
