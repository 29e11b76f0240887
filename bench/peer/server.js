'use strict';
/**
 * PostGraphile v4 over the benchmark database, configured as its documentation recommends for
 * production, in library mode behind plain node:http. Two instances over one pool:
 * - /graphql: multi-tenant, as a PostGraphile user writes it: the bearer JWT (the same token the
 *   subgraph gets) verified by PostGraphile, its claims set as `jwt.claims.*`, the role switched to
 *   bench_postgraphile, and row-level security (schema.sql) scoping every row to the organization.
 *   PostGraphile then runs each request as begin, set_config, the query, commit.
 * - /owner/graphql: what that costs: the owner role (no row-level security), no JWT, one statement
 *   per request; queries name the organization as a condition, and the search function reads it
 *   from a setting fixed for the connection (-c jwt.claims.org).
 * Environment: DATABASE_URL, PORT, JWT_SECRET, BENCH_ORGANIZATION_ID, DB_POOL_MAX.
 */
const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');
const ConnectionFilterPlugin = require('postgraphile-plugin-connection-filter');
const PgSimplifyInflectorPlugin = require('@graphile-contrib/pg-simplify-inflector');

const poolSize = Number(process.env.DB_POOL_MAX || 20);
// The subgraph's own pool settings (src/db/data-source.ts), so the planner sees the same costs.
const planner = '-c jit=off -c random_page_cost=1.1';
const tenantPool = new Pool({ connectionString: process.env.DATABASE_URL, max: poolSize, options: planner });
const ownerPool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: poolSize,
  options: `${planner} -c jwt.claims.org=${process.env.BENCH_ORGANIZATION_ID}`,
});

const production = {
  appendPlugins: [PgSimplifyInflectorPlugin, ConnectionFilterPlugin],
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  legacyRelations: 'omit',
  disableDefaultMutations: true,
  disableQueryLog: true,
  extendedErrors: ['errcode'],
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  enableQueryBatching: false,
};

const tenant = postgraphile(tenantPool, 'public', {
  ...production,
  jwtSecret: process.env.JWT_SECRET,
  // The subgraph's tokens carry no audience (PostGraphile would otherwise require "postgraphile").
  jwtVerifyOptions: { algorithms: ['HS256'], audience: [] },
  pgDefaultRole: 'bench_postgraphile',
});
const owner = postgraphile(ownerPool, 'public', { ...production, graphqlRoute: '/owner/graphql' });

const server = http.createServer((req, res) => (req.url.startsWith('/owner/') ? owner : tenant)(req, res));
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('postgraphile ready\n'));
process.on('SIGTERM', () =>
  server.close(() =>
    Promise.all([tenant.release(), owner.release(), tenantPool.end(), ownerPool.end()]).then(() => process.exit(0)),
  ),
);
