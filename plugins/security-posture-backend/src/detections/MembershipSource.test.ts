import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { CatalogMembershipSource } from './MembershipSource';

const group = (name: string, parent?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [] },
  relations: parent
    ? [{ type: 'childOf', targetRef: `group:default/${parent}` }]
    : [],
});

describe('CatalogMembershipSource', () => {
  it('gives a user their groups and the groups above them, and unknown users none', async () => {
    const catalog = catalogServiceMock({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'User',
          metadata: { name: 'sam', namespace: 'default' },
          spec: {},
          relations: [
            { type: 'memberOf', targetRef: 'group:default/payments-checkout' },
          ],
        },
        group('payments-checkout', 'payments'),
        group('payments', 'engineering'),
        group('engineering'),
      ],
    });
    const source = new CatalogMembershipSource({
      catalog,
      auth: mockServices.auth(),
    });
    const groups = await source.groupsOf([
      'user:default/sam',
      'user:default/ghost',
    ]);
    expect(groups.get('user:default/sam')).toEqual([
      'group:default/payments-checkout',
      'group:default/payments',
      'group:default/engineering',
    ]);
    expect(groups.get('user:default/ghost')).toEqual([]);
  });
});
