// Builds the Fastify app (plugins, then every module's routes). Never listens: server.ts does.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Services } from '../services.ts';
import { errorCatalog } from './error-catalog.ts';
import { registerAuth } from './auth.ts';
import { registerDashboard } from './dashboard.ts';
import { answerFrameworkError, PATH_PARAM_MAX_LENGTH, registerErrorHandling } from './errors.ts';
import { createLogger, scrubUrl } from './logger.ts';
import { MODULE_ROUTES } from './modules.ts';
import { ERROR_BODY_ID, registerErrorDocs } from './openapi.ts';
import { registerValidation } from './validation.ts';

export const BODY_LIMIT_BYTES = 256 * 1024;

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    shoujia: Services;
    /** whether /metrics is served and requests are counted (AppOptions.metrics; SHOUJIA_METRICS) */
    metricsEnabled: boolean;
  }
}

export interface AppOptions {
  logger?: FastifyBaseLogger | false;
  /** for /ready: false while shutting down */
  isReady?: () => boolean;
  /** routes mounted after every module's (tests mount a route helper a module exports for another's auth) */
  extraRoutes?: ReadonlyArray<(app: App) => Promise<void>>;
  /** serve /metrics and count requests into services.metrics (default true; SHOUJIA_METRICS=0: off, ADR 0102) */
  metrics?: boolean;
  /** the dashboard's Vite build (default dist/web; tests build one of their own) */
  dashboardDir?: string;
}

export async function buildApp(services: Services, options: AppOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance:
      options.logger === false ? createLogger({ level: 'silent' }) : (options.logger ?? createLogger()),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Fastify's own two lines per request ('incoming request', 'request completed') carry the raw URL;
    // the onResponse hook below writes the one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
    // A URL that is not valid percent-encoding (/v1/applications/%zz) fails before any route or
    // error handler runs; it still gets the one error shape (issue 11: every refusal is 4xx JSON).
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.decorate('shoujia', services);
  const metricsEnabled = options.metrics ?? true;
  app.decorate('metricsEnabled', metricsEnabled);
  // The API speaks JSON only: a text/plain body is refused with 415 rather than validated as a string.
  app.removeContentTypeParser('text/plain');
  registerValidation(app);
  // One line per request, written when the answer is sent: the URL is scrubbed because paths and
  // query strings can carry an ID or phone number (GET /v1/applications/13812345678). The request
  // id comes from the child logger's binding (reqId).
  app.addHook('onResponse', async (request, reply) => {
    // By the route's pattern, never the raw URL (which can carry an id or a phone number). A hidden
    // route (ADR 0077) counts as no route when it answers 404 and not at all otherwise, so the
    // public text cannot tell a probe of it from a probe of a missing path.
    const hidden = request.routeOptions.config?.hidden === true;
    if (metricsEnabled && (!hidden || reply.statusCode === 404))
      services.metrics.observeRequest(
        request.method,
        hidden ? undefined : request.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime,
        reply.getHeader('idempotent-replayed') === 'true',
      );
    request.log.info(
      {
        method: request.method,
        url: scrubUrl(request.url),
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
  });
  registerErrorHandling(app);
  registerAuth(app, services);
  registerErrorDocs(app);
  // Response schemas document the answers (the OpenAPI test checks real answers against them); they
  // never reshape one: fast-json-stringify would drop a field a schema forgot, silently.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Shoujia 守家 API',
        version: '0.1.0',
        description:
          'Core system of a loan-facilitation platform. Errors are `{"error":{"code","message","field"}}`; the codes:\n\n' +
          errorCatalog()
            .map((e) => `- \`${e.code}\` (${e.status}): ${e.meaning}`)
            .join('\n'),
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // shared schemas keep their $id as their name in components.schemas (#/components/schemas/ErrorBody)
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        json.$id === ERROR_BODY_ID ? ERROR_BODY_ID : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/health', { config: { roles: ['public'] }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get('/ready', { config: { roles: ['public'] }, schema: { hide: true } }, async (_request, reply) => {
    if (options.isReady && !options.isReady()) return reply.status(503).send({ status: 'shutting-down' });
    await services.database.query('SELECT 1');
    return { status: 'ready', engine: services.database.engine };
  });
  app.get(
    '/v1/errors',
    {
      config: { roles: ['public'] },
      schema: {
        tags: ['meta'],
        summary: 'The error catalog: every code with its status and meaning',
        response: {
          200: Type.Object({
            errors: Type.Array(
              Type.Object({
                code: Type.String(),
                status: Type.Integer(),
                meaning: Type.String(),
                module: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      errors: errorCatalog(),
    }),
  );

  for (const register of MODULE_ROUTES) await register(app);
  for (const register of options.extraRoutes ?? []) await register(app);
  await registerDashboard(app, options.dashboardDir);
  await app.ready();
  return app;
}
