import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseSentNotificationStore } from './DatabaseSentNotificationStore';

// PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set (scripts/postgres-for-tests.sh).
const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'], disableDocker: true });
if (process.env.SECURITY_POSTURE_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error('PostgreSQL store tests cannot run: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING');
}

const record = (alertKey: string) => ({
  alertKey,
  kind: 'owners' as const,
  recipients: ['user:default/sam', 'group:default/payments'],
  sentAt: '2026-12-06T06:00:00.000Z',
});

describe.each(databases.eachSupportedId())('DatabaseSentNotificationStore on %p', databaseId => {
  async function create() {
    const knex = await databases.init(databaseId);
    const database = mockServices.database({ knex, migrations: { skip: false } });
    return { knex, store: await DatabaseSentNotificationStore.create({ database }), database };
  }

  it('claims an alert once, also when claimed concurrently, and releases it', async () => {
    const { store } = await create();
    const claims = await Promise.all([1, 2, 3, 4].map(() => store.claim(record('owners:a'))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.get('owners:a')).toEqual(record('owners:a'));
    expect(await store.claim(record('owners:b'))).toBe(true);

    await store.release('owners:a');
    expect(await store.get('owners:a')).toBeUndefined();
    expect(await store.claim(record('owners:a'))).toBe(true);
  });

  it('keeps its migrations apart from the plugin’s, and migrating twice changes nothing', async () => {
    const { knex, database } = await create();
    await DatabaseSentNotificationStore.create({ database });
    const tables = ['security_posture_sent_notifications', 'security_posture_notifications_knex_migrations'];
    for (const table of tables) expect(await knex.schema.hasTable(table)).toBe(true);
    // The plugin's own migrations table is not the module's.
    expect(await knex.schema.hasTable('knex_migrations')).toBe(false);
  });
});
