import { DatabaseService, resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { SentNotification, SentNotificationStore } from './SentNotificationStore';

const TABLE = 'security_posture_sent_notifications';
// Its own migrations table: the plugin's knex migrations would refuse files they do not know.
const MIGRATIONS_TABLE = 'security_posture_notifications_knex_migrations';

const migrationsDir = resolvePackagePath(
  '@security-posture/plugin-security-posture-backend-module-notifications',
  'migrations',
);

export class DatabaseSentNotificationStore implements SentNotificationStore {
  static async create(options: { database: DatabaseService }) {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir, tableName: MIGRATIONS_TABLE });
    }
    return new DatabaseSentNotificationStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async claim(record: SentNotification): Promise<boolean> {
    try {
      await this.db(TABLE).insert({
        alert_key: record.alertKey,
        kind: record.kind,
        recipients: JSON.stringify(record.recipients),
        sent_at: record.sentAt,
      });
      return true;
    } catch (e) {
      // A unique violation (another event or replica claimed it first), in any database's words.
      if (await this.get(record.alertKey)) return false;
      throw e;
    }
  }

  async release(alertKey: string): Promise<void> {
    await this.db(TABLE).where({ alert_key: alertKey }).delete();
  }

  async get(alertKey: string): Promise<SentNotification | undefined> {
    const row = await this.db(TABLE).where({ alert_key: alertKey }).first();
    if (!row) return undefined;
    return {
      alertKey: row.alert_key,
      kind: row.kind,
      recipients: JSON.parse(row.recipients),
      sentAt: row.sent_at,
    };
  }
}
