import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { DemoData } from '../../src/seed/demo';

export const HR_SDL = readFileSync(path.join(__dirname, '..', 'fixtures', 'hr-subgraph.graphql'), 'utf8');

export interface Employee {
  employeeNumber: string;
  accountId: string;
  managerAccountId: string | null;
  workDomain: string;
}

/** The HR team's subgraph: it knows employee numbers and managers of our accounts. */
export async function startHrSubgraph(employees: Employee[]) {
  const byAccount = new Map(employees.map((employee) => [employee.accountId, employee]));
  const server = new ApolloServer({
    schema: buildSubgraphSchema([
      {
        typeDefs: parse(HR_SDL),
        resolvers: {
          Query: {
            employees: () => employees,
          },
          Employee: {
            __resolveReference: (reference: { employeeNumber: string }) =>
              employees.find((e) => e.employeeNumber === reference.employeeNumber),
            account: (employee: Employee) => ({ id: employee.accountId }),
            workDomain: (employee: Employee) => ({ name: employee.workDomain }),
          },
          Account: {
            __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
            employeeNumber: (account: { id: string }) => byAccount.get(account.id)?.employeeNumber ?? null,
            manager: (account: { id: string }) => {
              const managerId = byAccount.get(account.id)?.managerAccountId;
              return managerId ? { id: managerId } : null;
            },
          },
        } as never,
      },
    ]),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

/** Employee records for some of the demo organization's accounts. */
export function demoEmployees(demo: DemoData): Employee[] {
  const { accounts } = demo.acme;
  return [
    { employeeNumber: 'E-1001', accountId: accounts.graceLee, managerAccountId: null, workDomain: 'acme.com' },
    {
      employeeNumber: 'E-1002',
      accountId: accounts.alice,
      managerAccountId: accounts.graceLee,
      workDomain: 'acme.com',
    },
    {
      employeeNumber: 'E-1003',
      accountId: accounts.aliceSmith,
      managerAccountId: accounts.alice,
      workDomain: 'acme.com',
    },
    {
      employeeNumber: 'E-1004',
      accountId: accounts.dave,
      managerAccountId: accounts.graceLee,
      workDomain: 'acme-legacy.com',
    },
  ];
}
