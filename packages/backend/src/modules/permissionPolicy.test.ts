import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  securityPostureEntityDetailsReadPermission,
  securityPostureExemptionCreatePermission,
  securityPostureExemptionDeletePermission,
  securityPostureReportReadPermission,
} from '@security-posture/plugin-security-posture-common';
import { DEMO_OWNERSHIP } from '../__testUtils__/identities';
import { DemoPermissionPolicy, demoPolicyMode } from './permissionPolicy';

function user(ref: string): PolicyQueryUser {
  return {
    identity: {
      type: 'user',
      userEntityRef: ref,
      ownershipEntityRefs: DEMO_OWNERSHIP[ref],
    },
    info: { userEntityRef: ref, ownershipEntityRefs: DEMO_OWNERSHIP[ref] },
    token: 'token',
    credentials: {} as PolicyQueryUser['credentials'],
  } as PolicyQueryUser;
}

const dana = user('user:default/dana');
const sam = user('user:default/sam');
const alice = user('user:default/alice');
const guest = user('user:development/guest');

// The catalog's own permissions, as @backstage/plugin-catalog-common declares them.
const catalogEntityReadPermission = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});
const catalogEntityDeletePermission = createPermission({
  name: 'catalog.entity.delete',
  attributes: { action: 'delete' },
  resourceType: 'catalog-entity',
});
const catalogEntityCreatePermission = createPermission({
  name: 'catalog.entity.create',
  attributes: { action: 'create' },
});
const catalogLocationCreatePermission = createPermission({
  name: 'catalog.location.create',
  attributes: { action: 'create' },
});

const scaffolder = (name: string) => createPermission({ name, attributes: {} });
const SCAFFOLDER = [
  'scaffolder.task.create',
  'scaffolder.action.execute',
  'scaffolder.template.management',
  'scaffolder.task.cancel',
  'scaffolder.task.read',
  'scaffolder.template.dry-run',
].map(scaffolder);

/** A decision as a short string: ALLOW, DENY, or the rules of a conditional decision. */
function show(decision: PolicyDecision): string {
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return AuthorizeResult[decision.result];
  }
  return `CONDITIONAL ${JSON.stringify(decision.conditions)}`;
}

async function decide(
  policy: DemoPermissionPolicy,
  permission: Parameters<DemoPermissionPolicy['handle']>[0]['permission'],
  who: PolicyQueryUser,
) {
  return show(await policy.handle({ permission }, who));
}

describe('DemoPermissionPolicy', () => {
  it('reads its mode from demo.permissionPolicy, open by default', () => {
    expect(demoPolicyMode(new ConfigReader({}))).toBe('open');
    expect(
      demoPolicyMode(
        new ConfigReader({ demo: { permissionPolicy: 'hardened' } }),
      ),
    ).toBe('hardened');
    expect(() =>
      demoPolicyMode(
        new ConfigReader({ demo: { permissionPolicy: 'strict' } }),
      ),
    ).toThrow(/must be 'open' or 'hardened'/);
  });

  it('open: every signed-in user reads the catalog and uses the scaffolder', async () => {
    const policy = new DemoPermissionPolicy('open');
    for (const who of [dana, sam, guest]) {
      expect(await decide(policy, catalogEntityReadPermission, who)).toBe(
        'ALLOW',
      );
      for (const permission of SCAFFOLDER) {
        expect([
          permission.name,
          await decide(policy, permission, who),
        ]).toEqual([permission.name, 'ALLOW']);
      }
    }
  });

  it('hardened: the scaffolder is the platform team’s, entities are read by owners and org kinds by all', async () => {
    const policy = new DemoPermissionPolicy('hardened');
    for (const who of [dana, sam, guest]) {
      for (const permission of SCAFFOLDER) {
        expect([
          permission.name,
          await decide(policy, permission, who),
        ]).toEqual([permission.name, 'DENY']);
      }
      const read = await policy.handle(
        { permission: catalogEntityReadPermission },
        who,
      );
      expect(read).toMatchObject({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          anyOf: [
            {
              rule: 'IS_ENTITY_OWNER',
              params: { claims: who.info.ownershipEntityRefs },
            },
            {
              rule: 'IS_ENTITY_KIND',
              params: { kinds: ['User', 'Group', 'Domain', 'System'] },
            },
          ],
        },
      });
    }
    for (const permission of [...SCAFFOLDER, catalogEntityReadPermission]) {
      expect(await decide(policy, permission, alice)).toBe('ALLOW');
    }
  });

  it.each(['open', 'hardened'] as const)(
    '%s: catalog changes and the security report stay restricted',
    async mode => {
      const policy = new DemoPermissionPolicy(mode);
      for (const who of [dana, sam, guest]) {
        expect(await decide(policy, catalogEntityCreatePermission, who)).toBe(
          'DENY',
        );
        expect(await decide(policy, catalogLocationCreatePermission, who)).toBe(
          'DENY',
        );
        expect(
          await decide(policy, securityPostureReportReadPermission, who),
        ).toBe('DENY');
        for (const permission of [
          catalogEntityDeletePermission,
          securityPostureEntityDetailsReadPermission,
        ]) {
          expect(await decide(policy, permission, who)).toBe(
            `CONDITIONAL ${JSON.stringify({
              rule: 'IS_ENTITY_OWNER',
              resourceType: 'catalog-entity',
              params: { claims: who.info.ownershipEntityRefs },
            })}`,
          );
        }
      }
      expect(
        await decide(policy, securityPostureReportReadPermission, alice),
      ).toBe('ALLOW');
    },
  );

  describe('exemptions', () => {
    const EXEMPTION_PERMISSIONS = [
      securityPostureExemptionCreatePermission,
      securityPostureExemptionDeletePermission,
    ];

    it.each(['open', 'hardened'] as const)(
      '%s: the platform team may exempt and revoke anything',
      async mode => {
        const policy = new DemoPermissionPolicy(mode);
        for (const permission of EXEMPTION_PERMISSIONS) {
          expect(await decide(policy, permission, alice)).toBe('ALLOW');
        }
      },
    );

    it('open: nobody else may exempt or revoke', async () => {
      const policy = new DemoPermissionPolicy('open');
      for (const who of [dana, sam, guest]) {
        for (const permission of EXEMPTION_PERMISSIONS) {
          expect([permission.name, await decide(policy, permission, who)]).toEqual([
            permission.name,
            'DENY',
          ]);
        }
      }
    });

    it('hardened: owners may exempt and revoke their own entities’ findings only', async () => {
      const policy = new DemoPermissionPolicy('hardened');
      for (const who of [dana, sam, guest]) {
        for (const permission of EXEMPTION_PERMISSIONS) {
          expect(await decide(policy, permission, who)).toBe(
            `CONDITIONAL ${JSON.stringify({
              rule: 'IS_ENTITY_OWNER',
              resourceType: 'catalog-entity',
              params: { claims: who.info.ownershipEntityRefs },
            })}`,
          );
        }
      }
    });
  });
});
