// Sharing HTTP: field policies (admin edits, a funder reads its own), the relay pool, the relay
// provider's contact webhook, contact evidence, and the OPRF pre-screen.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import { Closed, DateTime, FreeText, IdParams, Nullable, OneOf, Slug, Text, Token } from '../http/schemas.ts';
import { normalisePhone } from '../identity/phone.ts';
import { DomainError } from './errors.ts';
import { CONTACT_CATEGORIES } from './contact-purpose.ts';
import { CONTACT_CHANNELS, CONTACT_VERDICTS, FIELDS, STAGES, TREATMENTS } from './model.ts';
import { normaliseContactAddress, PoolRelayProvider } from './relay.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

const StageChanges = Type.Object(
  Object.fromEntries(FIELDS.map((field) => [field, Type.Optional(Enum(TREATMENTS))])),
  { additionalProperties: false },
);
const PolicyChanges = Type.Object(
  Object.fromEntries(STAGES.map((stage) => [stage, Type.Optional(StageChanges)])),
  { additionalProperties: false, minProperties: 1 },
);

/** Addresses per pool request: a virtual-number batch is hundreds, not millions. */
export const RELAY_POOL_BATCH_MAX = 1000;
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,20}$/;

const RelayPoolBody = Type.Object(
  {
    channel: Enum(['phone', 'email'] as const),
    addresses: Type.Array(Text({ minLength: 3, maxLength: 254 }), {
      minItems: 1,
      maxItems: RELAY_POOL_BATCH_MAX,
    }),
  },
  { additionalProperties: false },
);

/** What the relay provider posts for each inbound call, SMS or email to a relay point. */
const ContactEventBody = Type.Object(
  {
    relayPoint: Text({ minLength: 3, maxLength: 254 }),
    occurredAt: Token({ format: 'date-time', maxLength: 40 }),
    channel: Enum(CONTACT_CHANNELS),
    caller: Text({ maxLength: 254 }),
    /** a transcript summary or message excerpt: free text, newlines kept */
    summary: FreeText(2000),
    providerEventId: Token({ maxLength: 200 }),
    /** the provider's (or the borrower's) tag for the contact, when it has one */
    category: Type.Optional(Enum(CONTACT_CATEGORIES)),
  },
  { additionalProperties: false },
);

const ContactQuery = Type.Object({
  funderId: Type.Optional(Slug),
  verdict: Type.Optional(Enum(CONTACT_VERDICTS)),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

const FunderParams = Type.Object({ funderId: Slug });

/** A 100M-entry set is 1.6 GB; uploads above this go through the CLI import instead. */
export const PRESCREEN_UPLOAD_MAX_BYTES = 256 * 1024 * 1024;
const PrescreenUploadQuery = Type.Object({
  endpointUrl: Token({ format: 'uri', pattern: '^https?://', maxLength: 500 }),
});

// ---- answers ----

/** A policy as stored: per stage, every field with its treatment (src/sharing/model.ts SharingPolicy). */
const PolicyView = Closed(
  {
    funderId: Type.String(),
    policy: Closed(
      Object.fromEntries(
        STAGES.map((stage) => [
          stage,
          Closed(Object.fromEntries(FIELDS.map((field) => [field, OneOf(TREATMENTS)]))),
        ]),
      ),
    ),
    /** 0: the default policy, never changed */
    version: Type.Integer({ minimum: 0 }),
    isDefault: Type.Boolean(),
  },
  { description: 'The policy with its version.' },
);
const ContactEventView = Closed({
  id: Type.String(),
  relayPointId: Nullable(Type.String()),
  funderId: Nullable(Type.String()),
  customerId: Nullable(Type.String()),
  channel: OneOf(CONTACT_CHANNELS),
  occurredAt: DateTime,
  receivedAt: DateTime,
  verdict: OneOf(CONTACT_VERDICTS),
  /** why the verdict: e.g. 'marketing-before-decision', 'after-decline', 'unknown-relay-point' */
  reason: Type.String(),
  summary: Type.String(),
  providerEventId: Type.String(),
});
const PrescreenSetView = {
  setId: Type.String(),
  keyId: Type.String(),
  /** entries in the set */
  count: Type.Integer({ minimum: 0 }),
  /** hex SHA-256 of the set file */
  sha256: Type.String(),
};

export async function sharingRoutes(app: App): Promise<void> {
  const { sharing, catalog, database } = app.shoujia;

  const requireFunder = async (
    request: import('fastify').FastifyRequest,
    funderId: string,
    tx = database.db,
  ) => {
    await catalog.getVisibleFunder(tx, principalOf(request), funderId);
  };

  app.get(
    '/v1/funders/:funderId/sharing-policy',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['sharing'],
        summary: "A funder's sharing policy, stage by stage",
        response: {
          200: PolicyView,
        },
        params: FunderParams,
      },
    },
    async (request) => {
      await requireFunder(request, request.params.funderId);
      return sharing.policyOf(database.db, request.params.funderId);
    },
  );

  app.patch(
    '/v1/funders/:funderId/sharing-policy',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['sharing'],
        summary: "Change fields of a funder's sharing policy",
        response: {
          200: Closed(PolicyView.properties, { description: 'The policy now in force.' }),
        },
        params: FunderParams,
        body: PolicyChanges,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        await requireFunder(request, request.params.funderId, tx);
        const view = await sharing.updatePolicy(
          tx,
          request.params.funderId,
          request.body as never,
          principalOf(request).keyId,
        );
        return { status: 200, body: view };
      }),
  );

  app.post(
    '/v1/relay-pool',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['sharing'],
        summary: 'Add relay contact points to the pool',
        response: {
          201: Closed(
            {
              channel: OneOf(['phone', 'email']),
              added: Type.Integer({ minimum: 0 }),
              alreadyPresent: Type.Integer({ minimum: 0 }),
            },
            { description: 'How many addresses were added, and how many were in the pool already.' },
          ),
        },
        body: RelayPoolBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const { channel } = request.body;
        const addresses = request.body.addresses.map((raw, i) => {
          const address =
            channel === 'phone' ? normalisePhone(raw) : EMAIL.test(raw) ? raw.toLowerCase() : null;
          if (!address)
            throw new DomainError('relay_address_invalid', `not a ${channel} address`, `addresses.${i}`);
          return address;
        });
        const pool = sharing.relayProvider;
        if (!(pool instanceof PoolRelayProvider)) {
          throw new DomainError('conflict', `relay provider ${pool.name} manages its own numbers`, 'channel');
        }
        const added = await pool.add(tx, channel, addresses);
        return { status: 201, body: { channel, added, alreadyPresent: addresses.length - added } };
      }),
  );

  app.post(
    '/v1/contact-events',
    {
      config: { roles: ['system'] },
      schema: {
        tags: ['sharing'],
        summary: 'Report a contact event from the relay provider',
        response: {
          202: Closed(
            {
              id: Type.String(),
              verdict: OneOf(CONTACT_VERDICTS),
              reason: Type.String(),
              /** true: this provider event id was recorded before (a webhook retry) */
              duplicate: Type.Boolean(),
            },
            { description: 'Accepted (always; de-duplicated by the provider event id).' },
          ),
        },
        body: ContactEventBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => {
        const body = request.body;
        const relayAddress = normaliseContactAddress(body.relayPoint);
        const { event, duplicate } = await sharing.recordContact(unit, {
          relayAddress,
          occurredAt: new Date(body.occurredAt),
          channel: body.channel,
          caller: body.caller,
          summary: body.summary,
          providerEventId: body.providerEventId,
          category: body.category,
        });
        // 202 in every case: the provider only needs to know the event is kept (attributed or not).
        return {
          status: 202,
          body: { id: event.id, verdict: event.verdict, reason: event.reason, duplicate },
        };
      }),
  );

  // The funder's encoded set arrives as bytes (application/octet-stream), in its own scope so the
  // rest of the API stays JSON-only. The OPRF service's bearer token, if any, in X-Oprf-Token.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: PRESCREEN_UPLOAD_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    (scope as unknown as App).put(
      '/v1/funders/:funderId/prescreen-set',
      {
        config: { roles: ['admin'] },
        bodyLimit: PRESCREEN_UPLOAD_MAX_BYTES,
        schema: {
          tags: ['sharing'],
          summary: "Upload a funder's OPRF pre-screen set",
          response: {
            201: Closed(PrescreenSetView, { description: 'What was imported.' }),
          },
          params: FunderParams,
          querystring: PrescreenUploadQuery,
        },
      },
      (request, reply) =>
        write(request, reply, async (tx) => {
          await requireFunder(request, request.params.funderId, tx);
          if (!Buffer.isBuffer(request.body))
            throw new DomainError(
              'prescreen_set_invalid',
              'send the set file as application/octet-stream',
              'body',
            );
          const tokenHeader = request.headers['x-oprf-token'];
          const token =
            typeof tokenHeader === 'string' && tokenHeader.length > 0 && tokenHeader.length <= 200
              ? tokenHeader
              : undefined;
          const imported = await sharing.importPrescreenSet(tx, request.params.funderId, request.body, {
            url: request.query.endpointUrl,
            token,
          });
          return { status: 201, body: imported };
        }),
    );
  });

  app.get(
    '/v1/funders/:funderId/prescreen-set',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['sharing'],
        summary: "About a funder's pre-screen set",
        response: {
          200: Closed(
            { ...PrescreenSetView, endpointUrl: Type.String(), uploadedAt: DateTime },
            { description: "The set in force and the funder's OPRF endpoint (never its token)." },
          ),
        },
        params: FunderParams,
      },
    },
    async (request) => {
      await requireFunder(request, request.params.funderId);
      return sharing.prescreenSetInfo(database.db, request.params.funderId);
    },
  );

  app.post(
    '/v1/applications/:id/prescreen',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['sharing'],
        summary: "Pre-screen an application against a funder's set",
        response: {
          200: Closed(
            {
              funderId: Type.String(),
              /** the applicant's phone or ID number is on the funder's list */
              member: Type.Boolean(),
              keyId: Type.String(),
              /** the ledger entry recording the pre-screen exposure */
              exposureEntryId: Type.String(),
            },
            { description: 'The pre-screen outcome.' },
          ),
        },
        params: IdParams,
        body: Type.Object({ funderId: Slug }, { additionalProperties: false }),
      },
    },
    async (request) => {
      await requireFunder(request, request.body.funderId);
      return sharing.prescreenCheck(database.db, request.body.funderId, request.params.id);
    },
  );

  app.get(
    '/v1/contact-events',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['sharing'],
        summary: 'Contact events, judged against the consented purpose',
        response: {
          200: Closed({ events: Type.Array(ContactEventView) }),
        },
        querystring: ContactQuery,
      },
    },
    async (request) => ({ events: await sharing.contactEvents(database.db, request.query) }),
  );
}
