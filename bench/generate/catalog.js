'use strict';

const { createRandom, ALPHABETS } = require('./random');

/**
 * Seeded synthetic catalog: an organisation (groups in a department/team tree, users), systems,
 * and `size` components/APIs/resources with a realistic spread of annotations, links and
 * relations. A small share carries planted FAKE credentials, built here at runtime from the seed
 * (no credential literal exists in the source); they are random strings, never real secrets.
 */

const DOMAINS = [
  'payments',
  'checkout',
  'ledger',
  'identity',
  'search',
  'catalog',
  'orders',
  'shipping',
  'pricing',
  'inventory',
  'notifications',
  'analytics',
  'billing',
  'accounts',
  'media',
  'recommendations',
  'fraud',
  'support',
  'reporting',
  'platform',
];
const NOUNS = [
  'api',
  'service',
  'worker',
  'gateway',
  'web',
  'indexer',
  'scheduler',
  'adapter',
  'sync',
  'exporter',
  'ui',
  'proxy',
  'batch',
  'stream',
  'cache',
  'bridge',
  'router',
  'engine',
];
const LANGS = [
  'java',
  'kotlin',
  'go',
  'typescript',
  'python',
  'rust',
  'ruby',
  'scala',
  'csharp',
];
const TAGS = [
  'grpc',
  'rest',
  'graphql',
  'pci',
  'gdpr',
  'internal',
  'public',
  'batch',
  'kafka',
  'legacy',
];
const RESOURCE_TYPES = {
  database: 45,
  'message-queue': 15,
  's3-bucket': 20,
  cache: 10,
  'search-cluster': 10,
};

const DEFAULT_SEED = 20261129;
/** Share of components/APIs/resources carrying one planted fake credential. */
const DEFAULT_SECRET_RATE = 0.005;

const CRC32_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8'))
    crc = CRC32_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value, width) {
  let n = value;
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/** The fake credential kinds the generator plants, as `catalog/leaked-secret` names them. */
function plantSecret(rand, kind) {
  switch (kind) {
    case 'aws-access-key-id':
      return `AKIA${rand.chars(16, ALPHABETS.upperDigits)}`;
    case 'github-token': {
      // Like real tokens: 30 random characters and a base62 CRC-32 of them (detectors verify it).
      const body = rand.chars(30, ALPHABETS.alnum);
      return `ghp_${body}${base62(crc32(body), 6)}`;
    }
    case 'slack-webhook':
      return `https://hooks.slack.com/services/T${rand.chars(
        8,
        ALPHABETS.upperDigits,
      )}/B${rand.chars(8, ALPHABETS.upperDigits)}/${rand.chars(
        24,
        ALPHABETS.alnum,
      )}`;
    case 'url-credentials':
      return `postgres://svc_${rand.chars(
        6,
        ALPHABETS.lowerDigits,
      )}:${rand.chars(18, ALPHABETS.alnum)}@db-${rand.int(
        1,
        99,
      )}.internal.acme.corp:5432/app`;
    case 'private-key':
      // Only the PEM header is matched; the body is random filler.
      return `-----BEGIN RSA PRIVATE KEY-----\n${rand.chars(
        64,
        ALPHABETS.base64,
      )}\n-----END RSA PRIVATE KEY-----`;
    default:
      throw new Error(`unknown secret kind ${kind}`);
  }
}
const SECRET_KINDS = {
  'aws-access-key-id': 30,
  'github-token': 20,
  'url-credentials': 25,
  'slack-webhook': 15,
  'private-key': 10,
};

/** Values that look sensitive but are not credentials (a detector must stay quiet on them). */
function decoyAnnotation(rand) {
  switch (rand.int(0, 4)) {
    case 0:
      return ['vault.io/token', '${VAULT_TOKEN}'];
    case 1:
      return ['acme.io/last-deployed-commit', rand.chars(40, ALPHABETS.hex)];
    case 2: {
      const h = () => rand.chars(4, ALPHABETS.hex);
      return [
        'acme.io/dataset-id',
        `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(
          1,
        )}-${h()}${h()}${h()}`,
      ];
    }
    case 3:
      return [
        'acme.io/database-url',
        `postgres://db-${rand.int(1, 99)}.internal.acme.corp:5432/app`,
      ];
    default:
      return [
        'acme.io/stripe-publishable-key',
        `pk_live_${rand.chars(24, ALPHABETS.alnum)}`,
      ];
  }
}

function parseSize(size) {
  if (typeof size === 'number') return size;
  const m = /^(\d+(?:\.\d+)?)\s*([km]?)$/i.exec(String(size).trim());
  if (!m)
    throw new Error(
      `Invalid size '${size}' (expected e.g. 1k, 10k, 100k or a number)`,
    );
  const factor = { '': 1, k: 1000, m: 1_000_000 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * factor);
}

function generateOrg(rand, size) {
  const groupCount = Math.max(6, Math.round(size / 100));
  const userCount = Math.max(20, Math.round(size / 20));
  const departmentCount = Math.max(2, Math.round(groupCount / 10));
  const groups = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'acme', title: 'ACME Corp' },
      spec: { type: 'organization', children: [] },
    },
  ];
  const departments = [];
  for (let i = 0; i < departmentCount; i++) {
    const name = `${DOMAINS[i % DOMAINS.length]}-dept-${i}`;
    departments.push(name);
    groups.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name, description: `Department ${i}` },
      spec: { type: 'department', parent: 'acme', children: [] },
    });
  }
  const teams = [];
  for (let i = 0; i < groupCount - departmentCount - 1; i++) {
    const name = `${rand.pick(DOMAINS)}-team-${i}`;
    teams.push(name);
    groups.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: {
        name,
        ...(rand.chance(0.5) && {
          annotations: { 'slack.com/channel': `#${name}` },
        }),
      },
      spec: {
        type: 'team',
        parent: departments[i % departments.length],
        children: [],
      },
    });
  }
  const users = [];
  for (let i = 0; i < userCount; i++) {
    const name = `user-${i}`;
    users.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name },
      spec: {
        profile: { displayName: `User ${i}`, email: `${name}@acme.example` },
        memberOf: [teams[i % teams.length]],
      },
    });
  }
  return { groups, users, teams };
}

/**
 * Generates the catalog. `size` counts components + APIs + resources (60/20/20); the org,
 * systems and templates come on top (see `counts` of the result).
 */
function generateCatalog(options = {}) {
  const size = parseSize(options.size ?? '1k');
  const rand = createRandom(options.seed ?? DEFAULT_SEED);
  const secretRate = options.secretRate ?? DEFAULT_SECRET_RATE;
  const { groups, users, teams } = generateOrg(rand, size);

  const systemCount = Math.max(5, Math.round(size / 50));
  const systems = [];
  for (let i = 0; i < systemCount; i++) {
    systems.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: { name: `${DOMAINS[i % DOMAINS.length]}-system-${i}` },
      spec: { owner: rand.pick(teams) },
    });
  }

  const apiCount = Math.round(size * 0.2);
  const resourceCount = Math.round(size * 0.2);
  const componentCount = size - apiCount - resourceCount;
  const apiNames = Array.from(
    { length: apiCount },
    (_, i) => `${rand.pick(DOMAINS)}-api-${i}`,
  );
  const resourceNames = Array.from(
    { length: resourceCount },
    (_, i) => `${rand.pick(DOMAINS)}-${rand.weighted(RESOURCE_TYPES)}-${i}`,
  );

  const planted = [];
  const examples = [];
  /** Adds the annotations and links that real installations carry, with their usual frequency. */
  const decorate = (entity, name, owner) => {
    const annotations = {};
    const slug = `acme/${name}`;
    if (rand.chance(0.9)) annotations['github.com/project-slug'] = slug;
    if (rand.chance(0.5)) annotations['backstage.io/techdocs-ref'] = 'dir:.';
    if (rand.chance(0.3)) {
      annotations[
        'backstage.io/source-location'
      ] = `url:https://github.com/${slug}/tree/main/`;
    }
    if (rand.chance(0.4)) {
      annotations['backstage.io/kubernetes-id'] = name;
      annotations['backstage.io/kubernetes-namespace'] = `${owner}-prod`;
    }
    if (rand.chance(0.15))
      annotations['pagerduty.com/service-id'] = rand.chars(
        7,
        ALPHABETS.upperDigits,
      );
    if (rand.chance(0.2))
      annotations['vault.io/secrets-path'] = `secret/data/${owner}/${name}`;
    if (rand.chance(0.1)) {
      annotations['eks.amazonaws.com/role-arn'] = `arn:aws:iam::${rand.chars(
        12,
        '0123456789',
      )}:role/${name}`;
    }
    if (rand.chance(0.3))
      annotations['sonarqube.org/project-key'] = `acme_${name}`;
    if (rand.chance(0.15)) {
      annotations[
        'datadoghq.com/dashboard-url'
      ] = `https://app.datadoghq.eu/dashboard/${rand.chars(
        11,
        ALPHABETS.lowerDigits,
      )}/${name}`;
    }
    if (rand.chance(0.1))
      annotations['jenkins.io/job-full-name'] = `${owner}/${name}`;
    if (rand.chance(0.1)) annotations['argocd/app-name'] = name;
    if (rand.chance(0.1)) {
      const [key, value] = decoyAnnotation(rand);
      annotations[key] = value;
    }
    const ref = `${entity.kind.toLowerCase()}:default/${name}`;
    if (rand.chance(secretRate)) {
      const kind = rand.weighted(SECRET_KINDS);
      const value = plantSecret(rand, kind);
      // Where people paste credentials: an annotation, the description or a link.
      const where = rand.weighted({
        annotation: 60,
        description: 25,
        link: 15,
      });
      if (where === 'annotation' || kind === 'private-key') {
        const key = `acme.io/${kind === 'private-key' ? 'deploy-key' : kind}`;
        annotations[key] = value;
        planted.push({
          entityRef: ref,
          path: `metadata.annotations["${key}"]`,
          kind,
        });
      } else if (where === 'description') {
        entity.metadata.description = `${entity.metadata.description} Connect with ${value} for now.`;
        planted.push({ entityRef: ref, path: 'metadata.description', kind });
      } else {
        // Link URLs must stay valid URLs: tokens go into a query string or the user info.
        let url = value;
        if (kind === 'aws-access-key-id')
          url = `https://s3.acme.corp/ops?AWSAccessKeyId=${value}`;
        if (kind === 'github-token')
          url = `https://ci.acme.corp/hooks/deploy?token=${value}`;
        entity.metadata.links = [
          ...(entity.metadata.links ?? []),
          { url, title: 'Ops' },
        ];
        planted.push({
          entityRef: ref,
          path: `metadata.links[${entity.metadata.links.length - 1}].url`,
          kind,
        });
      }
    } else if (rand.chance(secretRate / 5)) {
      // The AWS documentation example key: reported as an informational example only.
      annotations['acme.io/aws-access-key-id'] = [
        'AKIA',
        'IOSFODNN7',
        'EXAMPLE',
      ].join('');
      examples.push({ entityRef: ref, kind: 'aws-access-key-id' });
    }
    entity.metadata.annotations = annotations;
    if (rand.chance(0.6)) {
      const links = rand.sample(
        [
          {
            url: `https://wiki.acme.corp/runbooks/${name}`,
            title: 'Runbook',
            icon: 'docs',
          },
          {
            url: `https://grafana.internal.acme.corp/d/${name}`,
            title: 'Grafana',
            icon: 'dashboard',
          },
          {
            url: `https://sentry.io/organizations/acme/projects/${name}/`,
            title: 'Sentry',
          },
          { url: `https://status.acme.corp/${name}`, title: 'Status' },
        ],
        rand.int(1, 3),
      );
      entity.metadata.links = [...(entity.metadata.links ?? []), ...links];
    }
    const tags = rand.sample([rand.pick(LANGS), ...TAGS], rand.int(0, 4));
    if (tags.length) entity.metadata.tags = [...new Set(tags)];
    return entity;
  };

  const entities = [];
  for (let i = 0; i < componentCount; i++) {
    const name = `${rand.pick(DOMAINS)}-${rand.pick(NOUNS)}-${i}`;
    const owner = rand.pick(teams);
    const type = rand.weighted({ service: 55, website: 20, library: 25 });
    const spec = {
      type,
      lifecycle: rand.weighted({
        production: 60,
        experimental: 25,
        deprecated: 15,
      }),
      owner,
      system: rand.pick(systems).metadata.name,
    };
    if (type === 'service' && apiNames.length) {
      const provides = rand.sample(apiNames, rand.int(0, 2));
      if (provides.length) spec.providesApis = provides;
      const consumes = rand.sample(apiNames, rand.int(0, 3));
      if (consumes.length) spec.consumesApis = consumes;
    }
    const deps = rand
      .sample(resourceNames, rand.int(0, 2))
      .map(r => `resource:${r}`);
    if (deps.length) spec.dependsOn = deps;
    entities.push(
      decorate(
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name,
            title: name.replace(/-/g, ' '),
            description: `The ${name} ${type} of the ${spec.system} system.`,
          },
          spec,
        },
        name,
        owner,
      ),
    );
  }
  for (const name of apiNames) {
    const owner = rand.pick(teams);
    const type = rand.weighted({
      openapi: 70,
      asyncapi: 15,
      grpc: 10,
      graphql: 5,
    });
    entities.push(
      decorate(
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'API',
          metadata: { name, description: `The ${name} ${type} API.` },
          spec: {
            type,
            lifecycle: rand.weighted({
              production: 70,
              experimental: 20,
              deprecated: 10,
            }),
            owner,
            system: rand.pick(systems).metadata.name,
            // Inline definitions are typical and make entities a realistic size.
            definition: `openapi: 3.0.0\ninfo:\n  title: ${name}\n  version: 1.${rand.int(
              0,
              20,
            )}.0\npaths:\n  /v1/${name}:\n    get:\n      summary: List ${name}\n`,
          },
        },
        name,
        owner,
      ),
    );
  }
  for (const name of resourceNames) {
    const owner = rand.pick(teams);
    entities.push(
      decorate(
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Resource',
          metadata: { name, description: `The ${name} resource.` },
          spec: {
            type: name.split('-').slice(1, -1).join('-'),
            owner,
            system: rand.pick(systems).metadata.name,
          },
        },
        name,
        owner,
      ),
    );
  }

  return {
    seed: options.seed ?? DEFAULT_SEED,
    groups,
    users,
    systems,
    entities,
    teams,
    planted,
    examples,
    counts: {
      groups: groups.length,
      users: users.length,
      systems: systems.length,
      components: componentCount,
      apis: apiCount,
      resources: resourceCount,
      plantedSecrets: planted.length,
      documentationExamples: examples.length,
    },
  };
}

module.exports = {
  generateCatalog,
  parseSize,
  DEFAULT_SEED,
  DEFAULT_SECRET_RATE,
  SECRET_KINDS,
};
