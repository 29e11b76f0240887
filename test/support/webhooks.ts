import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import vm from 'node:vm';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { projectRoot } from '../../src/paths';
import { WebhookWorker } from '../../src/webhooks';
import type { TestServer } from './app';

/** What a receiver gets: the envelope, and the audit event (or emitEvent's data) in `data`. */
export interface EventBody {
  id: string;
  type: string;
  data: { target?: { type: string; id: string }; conflict?: { id: string }; n?: number | string };
}

export interface RegisterAnswer {
  webhook: { id: string; url: string; events: string[]; createdBy: string } | null;
  secret: string | null;
  userErrors: Array<{ code: string; field: string | null; message: string }>;
  dryRun: boolean;
  replayed: boolean;
  change: { action: string; targetType: string; after: unknown } | null;
}

export interface DeliveryNode {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: EventBody;
  attemptLog: Array<{ at: string; statusCode: number | null; error: string | null; durationMs: number }>;
}

export interface DeliveryPage {
  webhookDeliveries: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ node: DeliveryNode }>;
  };
}

/** One POST as the receiver got it: headers and the raw body. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

export const REGISTER = `mutation($url: String!, $events: [WebhookEvent!]!, $dryRun: Boolean, $key: String) {
  registerWebhook(url: $url, events: $events, description: "test", dryRun: $dryRun, idempotencyKey: $key) {
    webhook { id url events createdBy } secret userErrors { code field message } dryRun replayed
    change { action targetType after }
  }
}`;

export const DELIVERIES = `query($filter: WebhookDeliveryFilter, $first: Int, $after: String) {
  webhookDeliveries(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id webhookId eventId eventType status attempts nextAttemptAt lastStatusCode lastError payload
      attemptLog { at statusCode error durationMs } } }
  }
}`;

/** registerWebhook over GraphQL, as a script calls it; fails the test on a GraphQL error. */
export async function registerWebhook(
  app: TestServer,
  token: string,
  url: string,
  events: string[],
  options: { dryRun?: boolean; key?: string } = {},
): Promise<RegisterAnswer> {
  const { data, errors } = await app.gql<{ registerWebhook: RegisterAnswer }>(
    REGISTER,
    { url, events, dryRun: options.dryRun, key: options.key },
    { token },
  );
  expect(errors).toBeUndefined();
  return data!.registerWebhook;
}

/** The delivery log over GraphQL (newest first, up to 100). */
export async function webhookDeliveries(
  app: TestServer,
  token: string,
  filter: Record<string, unknown> = {},
): Promise<DeliveryNode[]> {
  const { data, errors } = await app.gql<DeliveryPage>(DELIVERIES, { filter, first: 100 }, { token });
  expect(errors).toBeUndefined();
  return data!.webhookDeliveries.edges.map((edge) => edge.node);
}

/**
 * The worker's settings in tests: loopback receivers allowed (the test-only switch), a short
 * timeout, and backoff in seconds rather than minutes. Tests call runOnce() themselves.
 */
export const testWorkerOptions = {
  intervalMs: 60_000,
  batchSize: 100,
  timeoutMs: 2000,
  maxAttempts: 3,
  retryBaseMs: 1000,
  retentionDays: 30,
  allowPrivateAddresses: true,
};

/** A webhook worker on the test database, driven by the test (runOnce), never by its timer. */
export function webhookWorker(dataSource: DataSource, options: Partial<typeof testWorkerOptions> = {}): WebhookWorker {
  return new WebhookWorker(dataSource, pino({ level: 'silent' }), { ...testWorkerOptions, ...options });
}

/** Waits until a PENDING delivery's retry is due (its nextAttemptAt), so the worker's next pass takes it. */
export async function untilDue(delivery: Pick<DeliveryNode, 'nextAttemptAt'>): Promise<void> {
  const wait = Date.parse(delivery.nextAttemptAt!) - Date.now();
  // A few milliseconds more: Postgres's now() decides, and timestamps are kept to the millisecond.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait) + 10));
}

/** A receiver on loopback that records what it gets and answers the next status of `answers` (then 200). */
export async function receiver(answers: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answers.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/governance`,
    received,
    events: () => received.map((r) => JSON.parse(r.body) as EventBody),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** README's webhook consumer (the `js` block of its "Webhooks" section), as written. */
function readmeWebhookConsumer(): string {
  const readme = fs.readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Webhooks\n');
  if (start < 0) throw new Error('README has no "## Webhooks" section');
  const end = readme.indexOf('\n## ', start + 1);
  const block = /^```js\n([\s\S]*?)^```$/m.exec(readme.slice(start, end < 0 ? undefined : end));
  if (!block) throw new Error('README\'s "Webhooks" section has no js block');
  return block[1];
}

/**
 * Runs README's webhook consumer, verbatim but for its port (any free one on loopback), with
 * `secret` as its WEBHOOK_SECRET; what it prints is collected in `printed`. `replay` sends it
 * what another receiver got (same headers, same raw body) and answers its status: 204 when
 * README's check accepts the signature and timestamp, 401 when not. A test that checks
 * deliveries with it pins README's algorithm to the worker's.
 */
export async function startReadmeConsumer(secret: string) {
  const source = readmeWebhookConsumer();
  if (!source.includes('.listen(8080)')) throw new Error("README's webhook consumer no longer listens on 8080");
  const printed: string[] = [];
  const sandbox = {
    require,
    Buffer,
    process: { env: { WEBHOOK_SECRET: secret } },
    console: { log: (...args: unknown[]) => printed.push(args.map(String).join(' ')) },
  };
  // The script's last statement is `http.createServer(...).listen(...)`: its value is the server.
  const server = vm.runInNewContext(source.replace('.listen(8080)', ".listen(0, '127.0.0.1')"), sandbox, {
    filename: 'README.md#webhooks',
  }) as http.Server;
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    printed,
    async replay(request: Received): Promise<number> {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name.startsWith('x-webhook-') || name === 'content-type'),
      ) as Record<string, string>;
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body: request.body });
      await response.arrayBuffer();
      return response.status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
