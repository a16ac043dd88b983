import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * SQLite always; PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING points at
 * one (.ci/run starts Debian's PostgreSQL and sets it). In CI a missing PostgreSQL is an error.
 */
export function createTestDatabases() {
  const databases = TestDatabases.create({
    ids: ['POSTGRES_15', 'SQLITE_3'],
    disableDocker: true,
  });
  if (process.env.CI && !databases.supports('POSTGRES_15')) {
    throw new Error(
      'PostgreSQL store tests cannot run: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (see .ci/run)',
    );
  }
  return databases;
}

export type { TestDatabaseId };
