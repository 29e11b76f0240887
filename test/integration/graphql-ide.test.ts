import { existsSync } from 'node:fs';
import http from 'node:http';
import { decodeJwt } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserRequired = process.env.REQUIRE_BROWSER_TESTS === '1';

const getPage = (url: string) =>
  fetch(url, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });

/** GET with a Host header of our choosing (fetch sends the URL's). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host, accept: 'text/html' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString() });
        });
      })
      .on('error', reject);
  });
}

/** The Authorization header the page prefills, decoded; undefined when it prefills none. */
function prefilledToken(html: string): string | undefined {
  return /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/.exec(html)?.[1];
}

describe('the GraphQL IDE (GraphiQL from our own dependencies, development only)', () => {
  let db: TestDatabase;
  let demo: DemoData;
  let development: TestServer;
  // What beforeAll started, stopped in reverse even when it failed halfway.
  const started: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    started.push(() => db.drop());
    demo = await seedDemo(db.dataSource);
    development = await startTestServer(db.dataSource, { nodeEnv: 'development', developmentTokens: true });
    started.push(() => development.stop());
  });
  afterAll(async () => {
    for (const stop of started.reverse()) await stop();
  });

  it('points GET / to the IDE in development', async () => {
    const response = await getPage(`${development.url}/`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });

  it('serves GraphiQL at GET /graphql to a browser, whole, with a policy that allows nothing but itself', async () => {
    const response = await getPage(`${development.url}/graphql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/default-src 'self'/);
    expect(policy).not.toMatch(/https?:/);
    const html = await response.text();
    expect(html).toContain('YogaGraphiQL');
    expect(html).not.toMatch(/Apollo Sandbox|embeddable-sandbox|apollo-server-landing-page/);
    // Nothing is loaded from elsewhere: no external script, stylesheet or image.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
  });

  it('prefills an admin token for the first organization by slug, and a first query for its open conflicts', async () => {
    const html = await (await getPage(`${development.url}/graphql`)).text();
    const token = prefilledToken(html);
    expect(token).toBeDefined();
    expect(decodeJwt(token!)).toMatchObject({ org: demo.acme.organizationId, sub: 'dev-admin' });
    expect(html).toContain('query OpenConflicts');
    const { data, errors } = await development.gql<{ conflicts: { totalCount: number } }>(
      '{ conflicts(filter: { status: OPEN }) { totalCount } }',
      undefined,
      { token },
    );
    expect(errors).toBeUndefined();
    expect(data!.conflicts.totalCount).toBeGreaterThan(0);
  });

  it('prefills no token for a page asked for under another host name (DNS rebinding)', async () => {
    const page = await getWithHost(`${development.url}/graphql`, 'attacker.example:4000');
    expect(page.status).toBe(200);
    expect(page.body).toContain('YogaGraphiQL');
    expect(prefilledToken(page.body)).toBeUndefined();
    expect(prefilledToken((await getWithHost(`${development.url}/graphql`, 'localhost:4000')).body)).toBeDefined();
  });

  it('still answers API clients at GET /graphql (no HTML when HTML is not preferred)', async () => {
    const response = await fetch(`${development.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('prefills nothing when the server verifies tokens of a real issuer (it cannot mint)', async () => {
    const withIssuer = await startTestServer(db.dataSource, { nodeEnv: 'development' });
    try {
      const response = await getPage(`${withIssuer.url}/graphql`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('YogaGraphiQL');
      expect(prefilledToken(html)).toBeUndefined();
    } finally {
      await withIssuer.stop();
    }
  });

  it.each(['production', 'test'] as const)('serves neither the IDE nor a landing page in %s', async (nodeEnv) => {
    const server = await startTestServer(db.dataSource, { nodeEnv, developmentTokens: true });
    try {
      expect((await getPage(`${server.url}/`)).status).toBe(404);
      const page = await getPage(`${server.url}/graphql`);
      expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(await page.text()).not.toMatch(/GraphiQL|Sandbox|<html/i);
    } finally {
      await server.stop();
    }
  });

  describe('in a real browser (Chromium, offline)', () => {
    let browser: Browser | undefined;

    if (!existsSync(CHROMIUM)) {
      if (browserRequired) {
        it('needs Chromium', () => {
          throw new Error(`REQUIRE_BROWSER_TESTS=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
        });
      } else {
        it.skip(`runs GraphiQL in Chromium (skipped: ${CHROMIUM} is missing; apt-get install chromium)`, () => {});
      }
      return;
    }

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          // No internet: every host name but the test server's fails to resolve.
          '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        ],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('opens GET /, lands in GraphiQL, runs the prefilled query with its button and shows the open conflicts', async () => {
      const page = await browser!.newPage({ viewport: { width: 1400, height: 1600 } });
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== new URL(development.url).origin)
          elsewhere.push(request.url());
      });

      await page.goto(`${development.url}/`);
      expect(new URL(page.url()).pathname).toBe('/graphql');

      const answer = page.waitForResponse(
        (response) =>
          response.url().startsWith(`${development.url}/graphql`) &&
          response.request().method() === 'POST' &&
          (response.request().postData() ?? '').includes('OpenConflicts'),
      );
      await page.getByRole('button', { name: /execute query/i }).click();
      const body = (await (await answer).json()) as {
        data?: { conflicts: { totalCount: number; edges: Array<{ node: { kind: string } }> } };
        errors?: unknown;
      };
      expect(body.errors).toBeUndefined();
      expect(body.data!.conflicts.totalCount).toBeGreaterThan(0);

      // The result pane shows what came back: the first conflict's kind.
      const firstKind = body.data!.conflicts.edges[0].node.kind;
      await page.locator('.graphiql-response').getByText(`"${firstKind}"`).first().waitFor({ timeout: 20_000 });
      expect(problems).toEqual([]);
      expect(elsewhere).toEqual([]);
      await page.close();
    }, 90_000);
  });
});
