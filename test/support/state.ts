/** Set by global setup in the environment the test workers inherit; read by test files and teardown. */
export interface TestDatabaseState {
  adminUrl: string;
  template: string;
  runId: string;
  embeddedDataDir?: string;
}

const VARIABLE = 'GOVERNANCE_TEST_DATABASE_STATE';

export function saveState(state: TestDatabaseState): void {
  process.env[VARIABLE] = JSON.stringify(state);
}

export function loadState(): TestDatabaseState {
  const raw = process.env[VARIABLE];
  if (!raw)
    throw new Error(
      'Test database state is missing: run the tests through jest (its global setup prepares the database).',
    );
  return JSON.parse(raw) as TestDatabaseState;
}
