import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { DevelopmentToken } from '../auth';

/**
 * Development only: GraphiQL at GET /graphql for browsers, from @graphql-yoga/render-graphiql, one
 * self-contained page (GraphiQL and Monaco inlined, no CDN), so it works offline. Its headers are
 * prefilled with an admin token for the first organization, its first query lists that
 * organization's open conflicts.
 */
export interface GraphqlIdeOptions {
  /** Unset when the server verifies a real issuer's tokens: then it cannot mint one for the page. */
  developmentToken?: () => Promise<DevelopmentToken | undefined>;
  logger: Logger;
}

// The page is rendered once, with these in place of the two values that change per request.
const HEADERS_SLOT = '__GOVERNANCE_IDE_HEADERS__';
const QUERY_SLOT = '__GOVERNANCE_IDE_QUERY__';

/** The page loads nothing from elsewhere: inline script and styles, Monaco's workers from blob: URLs. */
const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const OPEN_CONFLICTS = `query OpenConflicts {
  conflicts(first: 20, filter: { status: OPEN }) {
    totalCount
    edges {
      node {
        kind
        summary
        remediation { position action arguments }
      }
    }
  }
}
`;

/** Browsers ask for HTML first; API clients (curl sends *\/*) get Apollo's GraphQL-over-GET as before. */
const prefersHtml = (req: Request) =>
  req.method === 'GET' && req.accepts(['application/json', 'text/html']) === 'text/html';

/**
 * The token goes only into a page a browser on this machine asked for by a loopback name: the
 * server listens on 0.0.0.0, and a DNS-rebinding page would ask for it under its own host name.
 */
function askedFromThisMachine(req: Request): boolean {
  const peer = req.socket.remoteAddress ?? '';
  const loopbackPeer = peer === '::1' || /^(::ffff:)?127\./.test(peer);
  const host = req.headers.host ?? '';
  return loopbackPeer && /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i.test(host);
}

interface Page {
  parts: Buffer[];
}

function renderPage(): Page {
  // Loaded on the first request, not at start: 9 MB of GraphiQL that production never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, which a static import is not
  const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as typeof import('@graphql-yoga/render-graphiql');
  const options: Parameters<typeof renderGraphiQL>[0] & { query: string } = {
    title: 'Identity governance',
    endpoint: '/graphql',
    headers: HEADERS_SLOT,
    // The query of the tab a load opens (GraphiQL reads `query`, though Yoga's type omits it):
    // unlike defaultQuery, a reload goes back to its tab instead of adding an empty one.
    query: QUERY_SLOT,
    // A stored token would outlive its 12 hours; each load prefills a fresh one instead.
    shouldPersistHeaders: false,
  };
  const html = renderGraphiQL(options);
  const byHeaders = html.split(HEADERS_SLOT);
  const byQuery = byHeaders.length === 2 ? byHeaders[1].split(QUERY_SLOT) : [];
  if (byQuery.length !== 2) throw new Error('@graphql-yoga/render-graphiql changed how it embeds its options');
  return { parts: [byHeaders[0], ...byQuery].map((part) => Buffer.from(part)) };
}

/** A value for inside a JSON string literal in an inline <script>. */
const insideScriptString = (value: string) => JSON.stringify(value).slice(1, -1).replace(/</g, '\\u003c');

async function prefill(
  req: Request,
  developmentToken: GraphqlIdeOptions['developmentToken'],
): Promise<{ headers: string; query: string }> {
  const note = (lines: string[]) => ({
    headers: '{}',
    query: `${lines.map((line) => `# ${line}`).join('\n')}\n${OPEN_CONFLICTS}`,
  });
  if (!developmentToken)
    return note([
      "This server checks your issuer's tokens (JWT_SECRET or",
      'JWT_JWKS_URL), so it cannot mint one for this page. Put',
      'yours in Headers: { "authorization": "Bearer <token>" }',
    ]);
  if (!askedFromThisMachine(req))
    return note([
      'A token is prefilled only for pages opened as localhost',
      'or 127.0.0.1 on the machine that runs the server.',
      '`npm run token -- --org <slug>` mints one; put it in',
      'Headers: { "authorization": "Bearer <token>" }',
    ]);
  let minted: DevelopmentToken | undefined;
  try {
    minted = await developmentToken();
  } catch {
    return note(['The database did not answer, so no token was minted:', 'reload this page to try again.']);
  }
  if (!minted)
    return note(['No organization yet: `npm run seed` loads the demo,', 'then reload this page for a token.']);
  return {
    headers: JSON.stringify({ authorization: `Bearer ${minted.token}` }, null, 2),
    query:
      `# Open conflicts of ${minted.organizationSlug} (the first organization by slug)\n` +
      '# and the steps that fix them. Ctrl-Enter runs the query.\n' +
      `# Headers hold a development admin token for ${minted.organizationSlug} (12 h);\n` +
      '# `npm run token -- --org <slug>` mints one for another.\n' +
      OPEN_CONFLICTS,
  };
}

/** Serves the IDE to browsers at GET /graphql (mount it before Apollo); passes every other request on. */
export function graphqlIde({ developmentToken, logger }: GraphqlIdeOptions): RequestHandler {
  let page: Page | undefined;
  return (req, res, next) => {
    if (!prefersHtml(req)) {
      next();
      return;
    }
    void (async () => {
      page ??= renderPage();
      const { headers, query } = await prefill(req, developmentToken);
      const [beforeHeaders, between, afterQuery] = page.parts;
      res.status(200);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', IDE_CONTENT_SECURITY_POLICY);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.end(
        Buffer.concat([
          beforeHeaders,
          Buffer.from(insideScriptString(headers)),
          between,
          Buffer.from(insideScriptString(query)),
          afterQuery,
        ]),
      );
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'could not serve the GraphQL IDE');
      next(error);
    });
  };
}

/** GET / in development: the IDE. */
export const redirectToIde: RequestHandler = (_req, res) => {
  res.redirect(302, '/graphql');
};
