// Reminder settings over HTTP: the platform's staff read (admin, analyst) and change (admin) a
// borrower's channel opt-outs; the borrower's own routes are mounted by whoever authenticates
// borrowers (borrowerReminderSettingsRoutes, for /v1/borrower/reminder-settings).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteRole } from '../access/model.ts';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import { Closed, DateTime, IdParams, OneOf } from '../http/schemas.ts';
import { REMINDER_CHANNELS, REMINDER_KINDS, REMINDER_STATES, type ReminderSettings } from './model.ts';

const SettingsView = Closed(
  Object.fromEntries(REMINDER_CHANNELS.map((c) => [c, Type.Boolean()])) as Record<
    (typeof REMINDER_CHANNELS)[number],
    ReturnType<typeof Type.Boolean>
  >,
  {
    description: 'Each channel: true if the borrower gets reminders on it (the default), false if opted out.',
  },
);
const SettingsBody = Type.Object(
  Object.fromEntries(REMINDER_CHANNELS.map((c) => [c, Type.Optional(Type.Boolean())])) as Record<
    (typeof REMINDER_CHANNELS)[number],
    ReturnType<typeof Type.Optional<ReturnType<typeof Type.Boolean>>>
  >,
  { additionalProperties: false, minProperties: 1 },
);
const SettingsAnswer = Closed({ customerId: Type.String(), channels: SettingsView });
const ReminderView = Closed({
  key: Type.String(),
  loanId: Type.String(),
  installmentNo: Type.Integer(),
  offsetDays: Type.Integer(),
  kind: OneOf(REMINDER_KINDS),
  dueOn: Type.String({ format: 'date' }),
  amountFen: Type.Integer(),
  sendAt: DateTime,
  state: OneOf(REMINDER_STATES),
});
const ReminderQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) });

export async function engagementRoutes(app: App): Promise<void> {
  const { reminders, database } = app.shoujia;

  app.get(
    '/v1/customers/:id/reminder-settings',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['engagement'],
        summary: "A borrower's reminder channels",
        params: IdParams,
        response: { 200: SettingsAnswer },
      },
    },
    async (request) => ({
      customerId: request.params.id,
      channels: await reminders.settings(database.db, request.params.id),
    }),
  );

  app.put(
    '/v1/customers/:id/reminder-settings',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['engagement'],
        summary: "Turn a borrower's reminder channels on or off",
        description: 'Channels not named keep their setting. The worker honours a change from its commit on.',
        params: IdParams,
        body: SettingsBody,
        response: { 200: SettingsAnswer },
      },
    },
    async (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: {
          customerId: request.params.id,
          channels: await reminders.updateSettings(unit, request.params.id, request.body),
        },
      })),
  );

  app.get(
    '/v1/customers/:id/reminders',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['engagement'],
        summary: "A borrower's reminders, by time",
        params: IdParams,
        querystring: ReminderQuery,
        response: { 200: Closed({ reminders: Type.Array(ReminderView) }) },
      },
    },
    async (request) => ({
      reminders: await reminders.reminders(database.db, request.params.id, request.query.limit),
    }),
  );
}

/**
 * `GET/PUT <url>` for a signed-in borrower's own settings (the borrower token routes are repayments'
 * work, issue 15 item 3): mount with the borrower role and how to read the customer from the
 * request, e.g. `borrowerReminderSettingsRoutes(app, { url: '/v1/borrower/reminder-settings',
 * roles: ['borrower'], customerIdOf: (r) => borrowerOf(r).customerId })`.
 */
export async function borrowerReminderSettingsRoutes(
  app: App,
  options: { url: string; roles: readonly RouteRole[]; customerIdOf: (request: FastifyRequest) => string },
): Promise<void> {
  const { reminders, database } = app.shoujia;
  app.get(
    options.url,
    {
      config: { roles: options.roles },
      schema: { tags: ['engagement'], summary: 'My reminder channels', response: { 200: SettingsView } },
    },
    async (request): Promise<ReminderSettings> =>
      reminders.settings(database.db, options.customerIdOf(request)),
  );
  app.put(
    options.url,
    {
      config: { roles: options.roles },
      schema: {
        tags: ['engagement'],
        summary: 'Turn my reminder channels on or off',
        body: SettingsBody,
        response: { 200: SettingsView },
      },
    },
    async (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await reminders.updateSettings(unit, options.customerIdOf(request), request.body),
      })),
  );
}
