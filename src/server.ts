import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Request } from 'express';
import { OperationTypeNode, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { sql } from 'kysely';
import {
  queryBuilderFor,
  tag,
  DATABASE_UNAVAILABLE_FOR_READ_MESSAGE,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
} from './db';
import type { Config } from './config';
import { Context, createServices, type Services } from './context';
import { buildGovernanceSchema } from './schema';
import {
  KnownOrganizations,
  unknownOrganizationMessage,
  type TokenVerifier,
  type Principal,
  type DevelopmentToken,
} from './auth';
import { createScimRouter } from './scim-api';
import {
  RateLimiter,
  SharedRateLimiter,
  graphqlArmor,
  mutationRateLimit,
  parseOptions,
  rejectNulCharacters,
  tokenLimitRefusal,
  requireRouterSecret,
  requestLog,
  JsonTooDeepError,
  limitJsonDepth,
  hideSuggestionsInVariableErrors,
  graphqlIde,
  redirectToIde,
} from './http';
import { createMetrics, metricsAccess } from './observability';

export interface ServerDeps {
  config: Pick<
    Config,
    | 'nodeEnv'
    | 'shutdownTimeoutMs'
    | 'domainCheck'
    | 'routerSharedSecret'
    | 'rateLimits'
    | 'metricsToken'
    | 'trustProxy'
  >;
  dataSource: DataSource;
  logger: Logger;
  verifier: TokenVerifier;
  /** Development without JWT configuration: mints the admin token the GraphQL IDE prefills. */
  developmentToken?: () => Promise<DevelopmentToken | undefined>;
}

export interface GovernanceServer {
  app: express.Express;
  httpServer: http.Server;
  services: Services;
  /** Listens (port 0: any free port) and returns the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown deadline), stops Apollo. Does not close the database. */
  stop(): Promise<void>;
}

/** Codes we raise on purpose; any other error is an internal one and is masked. */
const EXPOSED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export async function createServer(deps: ServerDeps): Promise<GovernanceServer> {
  const { config, dataSource, logger, verifier } = deps;
  const production = config.nodeEnv === 'production';
  const development = config.nodeEnv === 'development';
  const services = createServices(dataSource, { domainCheck: config.domainCheck });
  const schema = await buildGovernanceSchema();
  const metrics = createMetrics(dataSource);
  const app = express();
  const httpServer = http.createServer(app);
  const armor = graphqlArmor(production);
  const { mutationsPerMinute, scimPerMinute, scimAuthFailuresPerMinute } = config.rateLimits;
  const mutationBudget = mutationsPerMinute > 0 ? new SharedRateLimiter(dataSource, mutationsPerMinute) : undefined;
  const organizations = new KnownOrganizations(dataSource);

  const apollo = new ApolloServer<Context>({
    schema,
    // _service stays available for composition: introspection off hides __schema, not the subgraph SDL.
    introspection: !production,
    // Validation errors lose their "Did you mean ...?" (enum values, arguments, types) in production.
    hideSchemaDetailsFromClientErrors: production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: development,
    // main.ts owns the shutdown order (HTTP, then the pool, then embedded Postgres).
    stopOnTerminationSignals: false,
    logger,
    parseOptions,
    validationRules: armor.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      // Apollo's landing page loads Sandbox from a CDN; development serves GraphiQL itself (graphqlIde).
      ApolloServerPluginLandingPageDisabled(),
      ...(production ? [hideSuggestionsInVariableErrors] : []),
      // Both instrument every field resolver; we send no cache hints and no traces to Apollo Studio.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ...armor.plugins,
      rejectNulCharacters,
      ...(mutationBudget ? [mutationRateLimit(mutationBudget)] : []),
      metrics.graphqlPlugin,
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response, operation }) {
              const body = response.body;
              const unavailable = (error: GraphQLFormattedError) => error.extensions?.code === 'SERVICE_UNAVAILABLE';
              if (body.kind === 'single' && body.singleResult.errors?.some(unavailable)) {
                response.http.status = 503;
                response.http.headers.set('retry-after', '2');
                // formatError cannot see the operation; a read changed nothing, so it is not told about a change.
                if (operation?.operation !== OperationTypeNode.MUTATION) {
                  body.singleResult.errors = body.singleResult.errors.map((error) =>
                    unavailable(error) ? { ...error, message: DATABASE_UNAVAILABLE_FOR_READ_MESSAGE } : error,
                  );
                }
              }
            },
          };
        },
      },
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operationName, contextValue }) {
              // The request log line names the operation.
              if (contextValue.responseLocals) contextValue.responseLocals.operationName = operationName ?? 'anonymous';
            },
          };
        },
      },
    ],
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      if (isDatabaseUnavailable(error)) {
        // The change was rolled back, or (connection lost during COMMIT) its fate is unknown: say so, and when to retry.
        logger.warn({ err: error, path: formatted.path }, 'database unavailable during a GraphQL request');
        return {
          message: `${DATABASE_UNAVAILABLE_MESSAGE} (an idempotencyKey makes the retry safe).`,
          path: formatted.path,
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        };
      }
      const code = formatted.extensions?.code;
      if (code === 'GRAPHQL_PARSE_FAILED') return tokenLimitRefusal(error, production) ?? formatted;
      if (typeof code === 'string' && EXPOSED_CODES.has(code)) {
        // Apollo adds a stacktrace only in development (includeStacktraceInErrorResponses).
        return formatted;
      }
      // Internal failure: log it whole, tell the client only that it happened.
      logger.error({ err: error, path: formatted.path }, 'internal error in GraphQL request');
      return {
        message: 'Internal server error',
        path: formatted.path,
        locations: formatted.locations,
        extensions: {
          code: 'INTERNAL_SERVER_ERROR',
          ...(development ? { stacktrace: formatted.extensions?.stacktrace } : {}),
        },
      };
    },
  });
  await apollo.start();

  app.disable('x-powered-by');
  // No ETag on responses: Express hashed every GraphQL body (SHA-1 of a 57 KB queue page, 7% of
  // the request's instructions) for a 304 that POSTed queries never get. SCIM sets its own.
  app.set('etag', false);
  // req.ip names the client behind the proxies we trust (per-address limits key on it).
  app.set('trust proxy', config.trustProxy);
  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  });
  app.use(requestLog(logger));

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Migrations only ever get applied, so once none is pending a probe needs only the round trip
  // (showMigrations costs three queries and may create the migrations table).
  let migrationsApplied = false;
  app.get('/health/ready', async (_req, res) => {
    try {
      // Ready means: the database answers and every migration this build knows is applied.
      if (!migrationsApplied) migrationsApplied = !(await dataSource.showMigrations());
      if (!migrationsApplied) {
        res.status(503).json({ status: 'unavailable', reason: 'pending migrations' });
        return;
      }
      await sql`SELECT 1 ${tag('health:ready')}`.execute(queryBuilderFor(dataSource));
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  if (production && !config.metricsToken) logger.warn('/metrics answers 403 until METRICS_TOKEN is set');
  app.get('/metrics', metricsAccess(config.metricsToken, production), metrics.handler);

  // The SCIM 2.0 service provider IdPs push to: /scim/directory/{directoryId}/Users, /Groups, discovery.
  // IdPs call it directly, not through the router, so the router secret does not apply.
  app.use(
    '/scim',
    metrics.timeRoute('scim'),
    createScimRouter({
      db: dataSource,
      logger,
      budget: scimPerMinute > 0 ? new SharedRateLimiter(dataSource, scimPerMinute) : undefined,
      // A minute's failures may come at once (an IdP retrying with a revoked token), then they refill.
      authFailures:
        scimAuthFailuresPerMinute > 0
          ? new RateLimiter(scimAuthFailuresPerMinute, scimAuthFailuresPerMinute)
          : undefined,
      metrics,
    }),
  );

  if (development) app.get('/', redirectToIde);
  app.use(
    '/graphql',
    ...(config.routerSharedSecret ? [requireRouterSecret(config.routerSharedSecret)] : []),
    ...(development ? [graphqlIde({ developmentToken: deps.developmentToken, logger })] : []),
    express.json({ limit: '1mb' }),
    limitJsonDepth(),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals.requestId as string;
        const log = logger.child({ requestId });
        const { principal, authError } = await authenticate(req, verifier, organizations);
        return new Context(services, log, requestId, principal, authError, res.locals);
      },
    }),
  );
  app.use((error: unknown, _req: Request, res: express.Response, next: express.NextFunction) => {
    // Body-parser refusals on /graphql (too large, not JSON) as GraphQL-shaped client errors.
    const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
    if (type === 'entity.too.large')
      return void res
        .status(413)
        .json({ errors: [{ message: 'Request body over 1 MB.', extensions: { code: 'BAD_REQUEST' } }] });
    if (error instanceof JsonTooDeepError)
      return void res.status(400).json({ errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] });
    if (typeof status === 'number' && status > 0 && status < 500)
      return void res
        .status(status)
        .json({ errors: [{ message: 'The request could not be read.', extensions: { code: 'BAD_REQUEST' } }] });
    next(error);
  });

  return {
    app,
    httpServer,
    services,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
        });
      });
    },
    async stop() {
      await apollo.stop();
      if (httpServer.listening)
        await new Promise<void>((resolve) =>
          httpServer.close(() => {
            resolve();
          }),
        );
    },
  };
}

async function authenticate(req: Request, verifier: TokenVerifier, organizations: KnownOrganizations) {
  const header = req.header('authorization');
  if (!header) return {};
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return { authError: 'expected "Authorization: Bearer <token>"' };
  let principal: Principal;
  try {
    principal = await verifier.verify(match[1]);
  } catch (error) {
    return { authError: (error as Error).message };
  }
  const known = await organizations.exists(principal.organizationId).catch((error: unknown) => {
    // The database is down: let the request go on, its resolvers answer 503 as they would anyway.
    if (isDatabaseUnavailable(error)) return true;
    throw error;
  });
  return known ? { principal } : { authError: unknownOrganizationMessage(principal.organizationId) };
}
