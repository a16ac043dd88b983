import request from 'supertest';
import { createApiHarness, PRINCIPALS } from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('NUL characters in requests on %p', databaseId => {
  it('are refused with a 400 before they reach the database (PostgreSQL text cannot hold one)', async () => {
    const harness = await createApiHarness(databaseId, { databases, catalogInternalFailures: false });
    for (const url of [
      '/api/security-posture/findings?entityKind=%00',
      '/api/security-posture/export.csv?owner=%00',
      '/api/security-posture/export.csv?category=catalog&entityKind=%00&bom=true',
      '/api/security-posture/findings?text=a%00b',
    ]) {
      const res = await request(harness.app).get(url).set('Authorization', PRINCIPALS.platform);
      expect({ url, status: res.status, error: res.body?.error?.name }).toEqual({
        url,
        status: 400,
        error: 'InputError',
      });
    }
  }, 60_000);
});
