/*
 * The demo identities are what the README and dev/README.md say: Dana owns nothing (no entity or
 * template is owned by her, her guild, its ancestor `acme`, or `engineering`), Sam owns the
 * payments-checkout services. Checked on the real catalog's ownership relations over every demo
 * catalog file and template, so the permission coverage check's "user who owns nothing" (Dana)
 * really owns nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { DEMO_OWNERSHIP } from './__testUtils__/identities';

const devDir = path.resolve(__dirname, '../../../dev');
const templateFiles = fs
  .readdirSync(path.join(devDir, 'templates'))
  .map(name => path.join(devDir, 'templates', name, 'template.yaml'))
  .filter(file => fs.existsSync(file));
const catalogFiles = ['org', 'systems', 'components', 'apis', 'resources'].map(name =>
  path.join(devDir, 'catalog', `${name}.yaml`),
);

describe('the demo organisation', () => {
  let server: any;
  const alice = mockCredentials.user.header('user:default/alice');
  const query = async (filter: string) => {
    const res = await request(server)
      .get(`/api/catalog/entities/by-query?limit=500&filter=${encodeURIComponent(filter)}`)
      .set('Authorization', alice);
    expect(res.status).toBe(200);
    return res.body.items as Array<{ kind: string; metadata: { name: string } }>;
  };

  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => {});
    jest.spyOn(console, 'info').mockImplementation(() => {});
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        mockServices.rootLogger.factory({ level: 'error' }),
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Domain', 'Group', 'User', 'Template'] }],
              locations: [...catalogFiles, ...templateFiles].map(target => ({ type: 'file', target })),
              processingInterval: { seconds: 1 },
            },
          },
        }),
      ],
    });
    server = backend.server;
    // every template the catalog accepts (legacy-v1beta2 has an apiVersion it no longer reads)
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const templates = await query('kind=template');
      const components = await query('kind=component');
      if (templates.length >= templateFiles.length - 1 && components.length >= 18) break;
      await new Promise(r => setTimeout(r, 500));
    }
  }, 90_000);

  afterAll(() => jest.restoreAllMocks());

  it('ingested every template and component', async () => {
    expect((await query('kind=template')).map(t => t.metadata.name).sort()).toEqual(
      templateFiles
        .map(file => path.basename(path.dirname(file)))
        .filter(name => name !== 'legacy-v1beta2')
        .sort(),
    );
    expect(await query('kind=component')).toHaveLength(18);
  });

  it('Dana owns nothing: no entity or template is owned by her, her guild, acme or engineering', async () => {
    const refs = [...DEMO_OWNERSHIP['user:default/dana'], 'group:default/engineering'];
    expect(refs).toEqual([
      'user:default/dana',
      'group:default/guild-frontend',
      'group:default/acme',
      'group:default/engineering',
    ]);
    for (const ref of refs) {
      expect([ref, await query(`relations.ownedBy=${ref}`)]).toEqual([ref, []]);
    }
    const dana = await query('kind=user,metadata.name=dana');
    expect(dana).toHaveLength(1);
    expect((dana[0] as any).spec.memberOf).toEqual(['guild-frontend']);
  });

  it('Sam owns the payments-checkout services through his sub-team', async () => {
    expect(
      (await query('relations.ownedBy=group:default/payments-checkout'))
        .map(e => `${e.kind.toLowerCase()}:${e.metadata.name}`)
        .sort(),
    ).toEqual(
      expect.arrayContaining([
        'api:payments-rest-api',
        'component:checkout-web',
        'component:payments-api',
        'resource:payments-db',
      ]),
    );
  });
});
