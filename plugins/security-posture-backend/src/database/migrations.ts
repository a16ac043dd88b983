import { Knex } from 'knex';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

const migrationsDir = resolvePackagePath(
  '@security-posture/plugin-security-posture-backend',
  'migrations',
);

/** Brings the plugin's tables up to date (every store of the plugin may call it; later calls do nothing). */
export async function migrateToLatest(client: Knex): Promise<void> {
  await client.migrate.latest({ directory: migrationsDir });
}
