import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { mintDevelopmentToken, setUpAuth, firstOrganizationAdminToken, printDevelopmentTokens } from './auth';
import { openDatabase, expireIdempotencyKeys } from './db';
import { entities } from './entities';
import { createServer } from './server';
import { RetryWorker } from './workflows';
import { WebhookWorker } from './webhooks';
import { localUrl } from './http';

const KEY_EXPIRY_INTERVAL_MS = 10 * 60_000;

/** Start-up only: config, database, server, listen, and a clean shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const startedAt = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const auth = setUpAuth(config);
  const database = await openDatabase(config, entities, logger);
  const { developmentSecret } = auth;
  const developmentToken = developmentSecret
    ? () =>
        firstOrganizationAdminToken(database.dataSource, (organizationId) =>
          mintDevelopmentToken(config, developmentSecret, organizationId),
        )
    : undefined;
  const server = await createServer({
    config,
    dataSource: database.dataSource,
    logger,
    verifier: auth.verifier,
    developmentToken,
  });
  let baseUrl: string;
  try {
    const listening = new URL(await server.listen(config.port, config.host));
    baseUrl = localUrl(config.host, Number(listening.port));
  } catch (error) {
    await database.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(
        `Port ${config.port} on ${config.host} is already in use (another server still running?). ` +
          `Stop that one, or choose another port: PORT=${config.port + 1} npm start`,
        { cause: error },
      );
    throw error;
  }
  logger.info(
    {
      url: `${baseUrl}/graphql`,
      embeddedPostgres: Boolean(database.embedded),
      startupMs: Math.round(performance.now() - startedAt),
    },
    'identity-governance subgraph ready',
  );
  const retryWorker = new RetryWorker(
    database.dataSource,
    logger.child({ component: 'retry-worker' }),
    config.retryWorker,
  );
  if (config.retryWorker.enabled) retryWorker.start();
  const webhookWorker = new WebhookWorker(
    database.dataSource,
    logger.child({ component: 'webhook-worker' }),
    config.webhooks,
  );
  if (config.webhooks.enabled) webhookWorker.start();
  // Independent of the retry worker: turning SCIM retries off must not let the keys pile up.
  const keyExpiry = setInterval(() => {
    expireIdempotencyKeys(database.dataSource, config.idempotencyTtlHours).catch((error: unknown) => {
      logger.error({ err: error }, 'expiring idempotency keys failed; will try again');
    });
  }, KEY_EXPIRY_INTERVAL_MS).unref();
  if (auth.developmentSecret) {
    await printDevelopmentTokens(config, database.dataSource, auth.developmentSecret, logger, baseUrl);
  }

  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight ones');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    deadline.unref();
    try {
      await server.stop();
      clearInterval(keyExpiry);
      await retryWorker.stop();
      await webhookWorker.stop();
      await database.close();
      logger.info('stopped');
      process.exit(exitCode);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A shared embedded Postgres that stopped and could not be started here: exit rather than answer 503 forever.
  database.embedded?.onLost((error) => {
    logger.error({ err: error }, 'the embedded Postgres is gone; stopping (start the server again)');
    void shutdown('embedded Postgres lost', 1);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `identity-governance failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
