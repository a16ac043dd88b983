#!/usr/bin/env node
/*
 * Runs every jest suite of the workspace once (CI mode, never watch). PostgreSQL store tests run
 * when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set (.ci/run starts Debian's
 * PostgreSQL and sets it); in CI they are required.
 */
const { spawnSync } = require('node:child_process');

const env = { ...process.env, BACKSTAGE_TEST_DISABLE_DOCKER: '1' };
// repo test needs CI=true to avoid watch mode, so "PostgreSQL is required" travels separately.
if (env.CI) env.SECURITY_POSTURE_REQUIRE_POSTGRES = 'true';
if (!env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
  const message =
    'PostgreSQL is not configured (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING); store tests run on SQLite only. ' +
    'Run `source scripts/postgres-for-tests.sh` after `apt-get install postgresql` to include PostgreSQL.';
  if (env.CI) {
    console.error(`error: ${message}`);
    process.exit(1);
  }
  console.warn(`warning: ${message}`);
}

const result = spawnSync(
  'npx',
  ['backstage-cli', 'repo', 'test', '--ci', '--maxWorkers=2', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...env, CI: 'true' } },
);
process.exit(result.status ?? 1);
