import http from 'node:http';
import { AddressInfo } from 'node:net';
import { PermissionPolicy, PolicyQueryUser } from '@backstage/plugin-permission-node';
import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';

/** Permissions as a catalog, a scaffolder and security-posture register them. */
export const STAND_IN_PERMISSIONS: Record<string, object[]> = {
  catalog: [
    {
      type: 'resource',
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    },
    {
      type: 'resource',
      name: 'catalog.entity.delete',
      attributes: { action: 'delete' },
      resourceType: 'catalog-entity',
    },
    { type: 'basic', name: 'catalog.location.create', attributes: { action: 'create' } },
  ],
  scaffolder: [
    { type: 'basic', name: 'scaffolder.task.create', attributes: { action: 'create' } },
    {
      type: 'resource',
      name: 'scaffolder.action.execute',
      attributes: {},
      resourceType: 'scaffolder-action',
    },
  ],
  'security-posture': [
    { type: 'basic', name: 'security-posture.report.read', attributes: { action: 'read' } },
  ],
};

export const ENTITY_OWNERS: Record<string, string> = {
  'component:default/payments-api': 'group:default/payments',
};

const SERVICE_TOKEN = 'stand-in-service-token';
export const GUEST_TOKEN = 'stand-in-guest-session-token-0123456789';
const GUEST_REF = 'user:development/guest';

/**
 * A stand-in Backstage backend over real HTTP: permission metadata per plugin (service token
 * required), guest sign-in, a permission backend that runs `livePolicy` for the caller (401
 * without a token, like the default auth policy), and the catalog's apply-conditions endpoint
 * implementing IS_ENTITY_OWNER over {@link ENTITY_OWNERS}.
 */
export async function startStandInBackend(opts: {
  livePolicy: PermissionPolicy;
  guest: boolean;
  metadataDelayMs?: Record<string, number>;
}) {
  const calls: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const url = req.url ?? '';
    const auth = req.headers.authorization;
    calls.push(`${req.method} ${url}`);
    const send = (status: number, payload: unknown = {}) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const metadata = /^\/api\/([a-z-]+)\/\.well-known\/backstage\/permissions\/metadata$/.exec(url);
    if (metadata) {
      if (auth !== `Bearer ${SERVICE_TOKEN}`) return send(401);
      const delay = opts.metadataDelayMs?.[metadata[1]];
      if (delay) await new Promise(r => setTimeout(r, delay));
      const permissions = STAND_IN_PERMISSIONS[metadata[1]];
      return permissions ? send(200, { permissions, rules: [] }) : send(404);
    }
    if (url === '/api/auth/guest/refresh') {
      return opts.guest
        ? send(200, {
            backstageIdentity: {
              token: GUEST_TOKEN,
              identity: {
                type: 'user',
                userEntityRef: GUEST_REF,
                ownershipEntityRefs: [GUEST_REF],
              },
            },
          })
        : send(404, { error: { message: "No auth provider registered for 'guest'" } });
    }
    if (url === '/api/permission/authorize') {
      if (!auth) return send(401, { error: { message: 'Missing credentials' } });
      const userRef = auth.replace(/^Bearer obo:/, '');
      const user: PolicyQueryUser = {
        credentials: {
          $$type: '@backstage/BackstageCredentials',
          principal: { type: 'user', userEntityRef: userRef },
        },
        info: { userEntityRef: userRef, ownershipEntityRefs: [userRef] },
      };
      const items = await Promise.all(
        body.items.map(async (item: any) => ({
          id: item.id,
          ...(await opts.livePolicy.handle({ permission: item.permission }, user)),
        })),
      );
      return send(200, { items });
    }
    if (url === '/api/catalog/.well-known/backstage/permissions/apply-conditions') {
      if (auth !== `Bearer ${SERVICE_TOKEN}`) return send(401);
      return send(200, {
        items: body.items.map((item: any) => {
          const claims: string[] = item.conditions?.params?.claims ?? [];
          const owner = ENTITY_OWNERS[item.resourceRef];
          const ok =
            item.conditions?.rule === 'IS_ENTITY_OWNER' &&
            owner !== undefined &&
            claims.includes(owner);
          return { id: item.id, result: ok ? 'ALLOW' : 'DENY' };
        }),
      });
    }
    return send(401);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  const discovery: DiscoveryService = {
    getBaseUrl: async id => `${base}/${id}`,
    getExternalBaseUrl: async id => `${base}/${id}`,
  };
  const auth = {
    getOwnServiceCredentials: async () => ({
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'service', subject: 'plugin:security-posture' },
    }),
    async getPluginRequestToken({ onBehalfOf }: any) {
      return onBehalfOf.principal.type === 'user'
        ? { token: `obo:${onBehalfOf.principal.userEntityRef}` }
        : { token: SERVICE_TOKEN };
    },
    async authenticate(token: string) {
      if (token !== GUEST_TOKEN) throw new Error('invalid token');
      return {
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: GUEST_REF },
      };
    },
  } as unknown as AuthService;
  return {
    calls,
    services: { discovery, auth, fetch },
    installedPlugins: [
      'app',
      'auth',
      'catalog',
      'permission',
      'scaffolder',
      'security-posture',
    ].map(pluginId => ({
      pluginId,
    })),
    async stop() {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
