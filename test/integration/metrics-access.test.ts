import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789abcdef';

/** /metrics shows every organization's open-conflict counts: only the scraper may read it. */
describe('/metrics access', () => {
  let db: TestDatabase;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await db.drop();
  });

  const start = async (options: Parameters<typeof startTestServer>[1]) => {
    const server = await startTestServer(db.dataSource, options);
    servers.push(server);
    return server;
  };
  const scrape = (app: TestServer, authorization?: string) =>
    fetch(`${app.url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('with METRICS_TOKEN, answers only a scrape that sends it as a bearer token', async () => {
    const app = await start({ nodeEnv: 'production', metricsToken: METRICS_TOKEN });
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${METRICS_TOKEN.slice(0, -1)}x`,
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString('base64')}`,
      METRICS_TOKEN,
    ]) {
      const response = await scrape(app, authorization);
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.text()).not.toMatch(/governance_/);
    }
    const scraped = await scrape(app, `Bearer ${METRICS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/governance_open_conflicts|governance_db_pool_connections/);
    // Development honours the token too once it is set.
    const development = await start({ nodeEnv: 'development', metricsToken: METRICS_TOKEN });
    expect((await scrape(development)).status).toBe(401);
    expect((await scrape(development, `bearer ${METRICS_TOKEN}`)).status).toBe(200);
  });

  it('in production without METRICS_TOKEN, refuses with 403 and says what to set', async () => {
    const app = await start({ nodeEnv: 'production' });
    const response = await scrape(app, 'Bearer anything-at-all');
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/METRICS_TOKEN/);
  });

  it('in development and tests without METRICS_TOKEN, serves it openly', async () => {
    for (const nodeEnv of ['development', 'test'] as const) {
      const app = await start({ nodeEnv });
      const response = await scrape(app);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/governance_db_pool_connections/);
    }
  });
});
