import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Pool } from 'pg';
import { sql } from 'kysely';
import { queryBuilderFor, tag } from '../db';

/** Prometheus metrics of one server: a registry of its own, so tests can run several servers. */
export function createMetrics(db: DataSource) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const graphqlRequests = new Counter({
    name: 'governance_graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const graphqlDuration = new Histogram({
    name: 'governance_graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'governance_http_request_duration_seconds',
    help: 'HTTP request latency by route and status (SCIM, health).',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const scimPushes = new Counter({
    name: 'governance_scim_pushes_total',
    help: 'SCIM user pushes by operation and how the IdP was answered (applied, conflict: 409, rejected: other 4xx/5xx).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });

  new Gauge({
    name: 'governance_open_conflicts',
    help: 'OPEN conflicts by kind, all organizations (read at scrape time).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // Untyped SQL: observability/ imports no feature, so the conflicts' table is not declared here.
      const { rows } = await sql<{ kind: string; count: number }>`
        SELECT kind, count(*)::int AS count FROM conflict WHERE status = 'OPEN' GROUP BY kind ${tag('metrics:openConflicts')}`.execute(
        queryBuilderFor(db),
      );
      for (const row of rows) this.set({ kind: row.kind }, row.count);
    },
  });
  new Gauge({
    name: 'governance_db_pool_connections',
    help: 'Database pool connections by state (total, idle, waiting clients).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = (db.driver as unknown as { master?: Pool }).master;
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });

  const graphqlPlugin: ApolloServerPlugin = {
    async requestDidStart() {
      const end = graphqlDuration.startTimer();
      return {
        async willSendResponse({ request, operationName, errors, response }) {
          const operation = operationName ?? request.operationName ?? 'anonymous';
          const failed =
            (errors?.length ?? 0) > 0 ||
            (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          graphqlRequests.inc({ operation, outcome: failed ? 'error' : 'ok' });
          end({ operation });
        },
      };
    },
  };

  /** Times requests under a fixed route label (never the raw path, whose ids would explode cardinality). */
  const timeRoute =
    (route: string): RequestHandler =>
    (req, res, next) => {
      const end = httpDuration.startTimer({ route, method: req.method });
      res.on('finish', () => end({ status: String(res.statusCode) }));
      next();
    };

  const handler: RequestHandler = async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  };

  return { registry, graphqlPlugin, timeRoute, scimPushes, handler };
}

export type Metrics = ReturnType<typeof createMetrics>;
