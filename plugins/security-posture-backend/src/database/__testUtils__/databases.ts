import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * SQLite always; PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING points at
 * one (.ci/run starts Debian's PostgreSQL and sets it). In CI (SECURITY_POSTURE_REQUIRE_POSTGRES, set by scripts/run-unit-tests.js) a missing
 * PostgreSQL is an error.
 */
export function createTestDatabases() {
  const databases = TestDatabases.create({
    ids: ['POSTGRES_15', 'SQLITE_3'],
    disableDocker: true,
  });
  if (process.env.SECURITY_POSTURE_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
    throw new Error(
      'PostgreSQL store tests cannot run: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (see .ci/run)',
    );
  }
  return databases;
}

export type { TestDatabaseId };
