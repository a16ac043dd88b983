import fs from 'node:fs/promises';
import path from 'node:path';
import { JsonObject, JsonValue } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { fakes, hex, mixed } from '@security-posture/static-analysis/testUtils';
import { createCredentialInventoryCheck } from './credentialInventory';
import { removeDir, withConfigFiles, writeConfigRepo } from './testHelpers';

const planted = {
  githubToken: fakes.github(),
  appKey: fakes.privateKey(),
  appClientSecret: hex(40),
  webhookSecret: mixed(32),
  gitlabToken: fakes.gitlab(),
  bbCloudPassword: mixed(24),
  bbServerToken: mixed(44),
  azureToken: mixed(52),
  s3Secret: fakes.awsSecret(),
  gerritPassword: fakes.password(),
  awsAccountSecret: fakes.awsSecret(),
  k8sToken: fakes.jwt(),
  proxyAuth: `Bearer ${mixed(40)}`,
  pagerDutyToken: mixed(20),
  oauthSecret: hex(40),
  techdocsSecret: fakes.awsSecret(),
  azureBlobKey: fakes.azureKey(),
  dbPassword: fakes.password(),
  staticToken: mixed(48),
  legacySecret: mixed(48),
  vaultToken: fakes.vault(),
  strayEnv: mixed(36),
  appConfigEnv: mixed(30),
};
const values = Object.values(planted);

/** The config files as written: literals, `${ENV}` substitutions and `$file` references. */
const files = {
  'app-config.yaml': {
    integrations: {
      github: [
        { host: 'github.com', token: planted.githubToken },
        {
          host: 'ghe.example.com',
          apps: [
            {
              appId: 1,
              clientId: 'Iv1.client',
              privateKey: { $file: '/run/secrets/github-app.pem' },
              clientSecret: '${GITHUB_APP_CLIENT_SECRET}',
              webhookSecret: '${GITHUB_WEBHOOK_SECRET}',
            },
          ],
        },
      ],
      gitlab: [{ host: 'gitlab.com', token: '${GITLAB_TOKEN}' }],
      bitbucketCloud: [{ username: 'svc', appPassword: { $env: 'BB_APP_PASSWORD' } }],
      bitbucketServer: [{ host: 'bitbucket.example.com', token: '${BB_SERVER_TOKEN}' }],
      azure: [{ host: 'dev.azure.com', token: '${AZURE_TOKEN}' }],
      awsS3: [{ host: 'amazonaws.com', accessKeyId: '${S3_KEY_ID}', secretAccessKey: '${S3_SECRET}', roleArn: 'arn:aws:iam::123456789012:role/backstage' }],
      gerrit: [{ host: 'gerrit.example.com', username: 'svc', password: '${GERRIT_PASSWORD}' }],
    },
    aws: { accounts: [{ accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: '${AWS_ACCOUNT_SECRET}' }] },
    kubernetes: {
      clusterLocatorMethods: [
        { type: 'config', clusters: [{ name: 'prod', url: 'https://k8s.example.com', authProvider: 'serviceAccount', serviceAccountToken: '${K8S_SA_TOKEN}' }] },
      ],
    },
    proxy: {
      endpoints: {
        '/pagerduty': { target: 'https://api.pagerduty.com', headers: { Authorization: planted.proxyAuth } },
        '/public': { target: 'https://status.example.com', headers: { Accept: 'application/json' } },
      },
    },
    auth: { providers: { github: { production: { clientId: 'abc', clientSecret: '${AUTH_GITHUB_CLIENT_SECRET}' } } } },
    techdocs: {
      publisher: {
        type: 'awsS3',
        awsS3: { bucketName: 'docs', credentials: { accessKeyId: 'x', secretAccessKey: '${TECHDOCS_S3_SECRET}' } },
        azureBlobStorage: { containerName: 'docs', credentials: { accountName: 'acct', accountKey: '${TECHDOCS_AZURE_KEY}' } },
      },
    },
    backend: {
      database: { client: 'pg', connection: { host: 'db.internal', user: 'backstage', password: '${POSTGRES_PASSWORD}' } },
      auth: {
        externalAccess: [
          { type: 'static', options: { token: planted.staticToken, subject: 'ci' } },
          { type: 'legacy', options: { secret: '${LEGACY_SECRET}', subject: 'old' } },
        ],
      },
    },
  },
  // Loaded second: overrides the database password with a literal.
  'app-config.production.yaml': {
    backend: { database: { connection: { password: planted.dbPassword } } },
  },
};

/** The merged, resolved config the backend holds: every value is a planted fake. */
const merged: JsonObject = {
  integrations: {
    github: [
      { host: 'github.com', token: planted.githubToken },
      { host: 'ghe.example.com', apps: [{ appId: 1, clientId: 'Iv1.client', privateKey: planted.appKey, clientSecret: planted.appClientSecret, webhookSecret: planted.webhookSecret }] },
    ],
    gitlab: [{ host: 'gitlab.com', token: planted.gitlabToken }],
    bitbucketCloud: [{ username: 'svc', appPassword: planted.bbCloudPassword }],
    bitbucketServer: [{ host: 'bitbucket.example.com', token: planted.bbServerToken }],
    azure: [{ host: 'dev.azure.com', token: planted.azureToken }],
    awsS3: [{ host: 'amazonaws.com', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: planted.s3Secret, roleArn: 'arn:aws:iam::123456789012:role/backstage' }],
    gerrit: [{ host: 'gerrit.example.com', username: 'svc', password: planted.gerritPassword }],
  },
  aws: { accounts: [{ accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: planted.awsAccountSecret }] },
  kubernetes: {
    clusterLocatorMethods: [
      { type: 'config', clusters: [{ name: 'prod', url: 'https://k8s.example.com', authProvider: 'serviceAccount', serviceAccountToken: planted.k8sToken }] },
    ],
  },
  proxy: {
    endpoints: {
      '/pagerduty': { target: 'https://api.pagerduty.com', headers: { Authorization: planted.proxyAuth } },
      '/public': { target: 'https://status.example.com', headers: { Accept: 'application/json' } },
    },
  },
  auth: { providers: { github: { production: { clientId: 'abc', clientSecret: planted.oauthSecret } } } },
  techdocs: {
    publisher: {
      type: 'awsS3',
      awsS3: { bucketName: 'docs', credentials: { accessKeyId: 'x', secretAccessKey: planted.techdocsSecret } },
      azureBlobStorage: { containerName: 'docs', credentials: { accountName: 'acct', accountKey: planted.azureBlobKey } },
    },
  },
  backend: {
    database: { client: 'pg', connection: { host: 'db.internal', user: 'backstage', password: planted.dbPassword } },
    auth: {
      externalAccess: [
        { type: 'static', options: { token: planted.staticToken, subject: 'ci' } },
        { type: 'legacy', options: { secret: planted.legacySecret, subject: 'old' } },
      ],
    },
  },
  // Not in any file: set through APP_CONFIG_vault_token.
  vault: { baseUrl: 'https://vault.example.com', token: planted.vaultToken },
  // Not in any file and not from APP_CONFIG_: the source cannot be told.
  pagerDuty: { apiToken: planted.pagerDutyToken },
};

const env = {
  GITLAB_TOKEN: planted.gitlabToken,
  POSTGRES_PASSWORD: 'unused',
  STRAY_API_TOKEN: planted.strayEnv,
  DEPLOY_KEY: planted.strayEnv,
  HOME: '/home/x',
  TOKENIZER_MODE: 'on',
  EMPTY_SECRET: '',
  APP_CONFIG_vault_token: planted.vaultToken,
};

async function run(root: string, opts: { argv?: string[]; config?: JsonObject; fileOption?: string[] } = {}) {
  const published: Record<string, JsonValue> = {};
  const check = createCredentialInventoryCheck(() => ({ env, argv: opts.argv ?? ['node', 'backend'], cwd: root }));
  const config = opts.fileOption ? withConfigFiles(opts.config ?? merged, opts.fileOption) : opts.config ?? merged;
  const results = await runSecurityCheck(check, { config, onPublish: (k, d) => { published[k] = d; } });
  const rows = (published.credentials as any)?.credentials as Array<Record<string, string>>;
  return { results, published, rows, byPath: new Map(rows?.map(r => [r.path, r])) };
}

describe('runtime/credential-inventory', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeConfigRepo(files);
  });
  afterAll(() => removeDir(root));

  it('inventories every credential kind with its reach and source, never a value', async () => {
    const { byPath, published } = await run(root, { fileOption: ['app-config.yaml', 'app-config.production.yaml'] });
    const expected: Array<[string, string, string, string, string?]> = [
      ['integrations.github[0].token', 'GitHub personal access token', 'push to repos', 'literal', 'app-config.yaml'],
      ['integrations.github[1].apps[0].privateKey', 'GitHub App private key', 'push to repos', 'file', '$file: /run/secrets/github-app.pem (in app-config.yaml)'],
      ['integrations.github[1].apps[0].clientSecret', 'GitHub App OAuth client secret', 'push to repos', 'env', '${GITHUB_APP_CLIENT_SECRET}'],
      ['integrations.github[1].apps[0].webhookSecret', 'GitHub App webhook secret', 'API access', 'env'],
      ['integrations.gitlab[0].token', 'GitLab personal access token', 'push to repos', 'env', '${GITLAB_TOKEN}'],
      ['integrations.bitbucketCloud[0].appPassword', 'Bitbucket Cloud app password', 'push to repos', 'env', '$env: BB_APP_PASSWORD'],
      ['integrations.bitbucketServer[0].token', 'Bitbucket Server personal access token', 'push to repos', 'env'],
      ['integrations.azure[0].token', 'Azure DevOps personal access token', 'push to repos', 'env'],
      ['integrations.awsS3[0].secretAccessKey', 'awsS3 secret access key', 'cloud provisioning', 'env', '${S3_SECRET}'],
      ['integrations.awsS3[0].roleArn', 'AWS role assumed by the backend', 'cloud provisioning', 'literal'],
      ['integrations.gerrit[0].password', 'Gerrit password', 'push to repos', 'env'],
      ['aws.accounts[0].secretAccessKey', 'AWS secret access key', 'cloud provisioning', 'env', '${AWS_ACCOUNT_SECRET}'],
      ['kubernetes.clusterLocatorMethods[0].clusters[0].serviceAccountToken', 'Kubernetes service account token', 'cluster access', 'env', '${K8S_SA_TOKEN}'],
      ['proxy.endpoints["/pagerduty"].headers.Authorization', 'proxy Authorization header', 'incident management', 'literal'],
      ['auth.providers.github.production.clientSecret', 'github sign-in clientSecret', 'identity provider', 'env'],
      ['techdocs.publisher.awsS3.credentials.secretAccessKey', 'TechDocs awsS3 secretAccessKey', 'cloud provisioning', 'env'],
      ['techdocs.publisher.azureBlobStorage.credentials.accountKey', 'TechDocs azureBlobStorage accountKey', 'cloud provisioning', 'env'],
      ['backend.database.connection.password', 'pg password', 'database', 'literal', 'app-config.production.yaml'],
      ['backend.auth.externalAccess[0].options.token', 'static external access token', 'API access', 'literal'],
      ['backend.auth.externalAccess[1].options.secret', 'legacy external access secret', 'API access', 'env', '${LEGACY_SECRET}'],
      ['vault.token', 'token under vault', 'API access', 'env', 'APP_CONFIG_vault_token'],
      ['pagerDuty.apiToken', 'apiToken under pagerDuty', 'incident management', 'unknown'],
    ];
    for (const [p, kind, reach, source, detail] of expected) {
      expect({ p, ...byPath.get(p) }).toEqual(
        expect.objectContaining({ p, kind, reach, source, ...(detail ? { sourceDetail: detail } : {}) }),
      );
    }
    // accessKeyId is an identifier, not a secret; headers without credentials are not listed.
    expect(byPath.has('integrations.awsS3[0].accessKeyId')).toBe(false);
    expect(byPath.has('proxy.endpoints["/public"].headers.Accept')).toBe(false);
    expect(byPath.get('pagerDuty.apiToken')!.sourceDetail).toBe(
      'not found in app-config.yaml, app-config.production.yaml',
    );
    expect((published.credentials as any).configFilesFrom).toMatch(/options\.configFiles/);
  });

  it('lists credential-like environment variables that no config references, by name only', async () => {
    const { byPath } = await run(root, { fileOption: ['app-config.yaml', 'app-config.production.yaml'] });
    const envRows = [...byPath.values()].filter(r => r.path.startsWith('env:')).map(r => r.sourceDetail);
    // GITLAB_TOKEN and POSTGRES_PASSWORD are referenced; TOKENIZER_MODE is not a credential name;
    // EMPTY_SECRET holds nothing.
    expect(envRows).toEqual(['DEPLOY_KEY', 'STRAY_API_TOKEN']);
  });

  it('fails literal credentials as high and GitHub personal access tokens as medium', async () => {
    const { results } = await run(root, { fileOption: ['app-config.yaml', 'app-config.production.yaml'] });
    const failures = results.map(r => [r.target.type === 'config' ? r.target.path : '', r.severity ?? 'high', r.location]);
    expect(failures).toEqual(
      expect.arrayContaining([
        ['integrations.github[0].token', 'high', 'app-config.yaml'],
        ['integrations.github[0].token', 'medium', 'github-pat'],
        ['proxy.endpoints["/pagerduty"].headers.Authorization', 'high', 'app-config.yaml'],
        ['backend.database.connection.password', 'high', 'app-config.production.yaml'],
        ['backend.auth.externalAccess[0].options.token', 'high', 'app-config.yaml'],
      ]),
    );
    expect(results.every(r => r.outcome === 'fail')).toBe(true);
    // The role ARN is a literal too, but not a secret: listed, no finding.
    expect(results).toHaveLength(5);
  });

  it('never lets a planted value into results or published data', async () => {
    const { results, published } = await run(root, { fileOption: ['app-config.yaml', 'app-config.production.yaml'] });
    const text = JSON.stringify({ results, published });
    for (const value of values) {
      expect(text.includes(value)).toBe(false);
      // nor a long piece of one (e.g. a key's body without its armour)
      expect(text.includes(value.slice(5, 25))).toBe(false);
    }
  });

  it('reads the files of the --config arguments, later files winning', async () => {
    const { byPath } = await run(root, {
      argv: ['node', 'backend', '--config', 'app-config.production.yaml', '--config=app-config.yaml'],
    });
    // app-config.yaml is loaded last here: its ${POSTGRES_PASSWORD} wins over the literal.
    expect(byPath.get('backend.database.connection.password')).toEqual(
      expect.objectContaining({ source: 'env', sourceDetail: '${POSTGRES_PASSWORD}' }),
    );
  });

  it('passes when no credential is a literal, and says unknown when no file can be read', async () => {
    const { results, byPath } = await run(root, {
      config: { kubernetes: merged.kubernetes, proxy: merged.proxy },
      fileOption: ['missing.yaml'],
    });
    expect(byPath.get('kubernetes.clusterLocatorMethods[0].clusters[0].serviceAccountToken')).toEqual(
      expect.objectContaining({ source: 'unknown', sourceDetail: 'no config file could be read; set options.configFiles' }),
    );
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'pass',
        message: expect.stringMatching(/^2 credential\(s\) in the config, no secret written as a literal .*\(2 of unknown source\)/),
      }),
    ]);
  });

  it('recognises a database URI with a password and an $include above a credential', async () => {
    const dir = await writeConfigRepo({
      'app-config.yaml': "backend:\n  database:\n    client: pg\n    connection:\n      $include: ./db.yaml\nproxy:\n  '/legacy':\n    target: https://api.example.com\n    headers:\n      X-Api-Key: ${LEGACY_KEY}\n",
    });
    try {
      const { byPath } = await run(dir, {
        config: {
          backend: { database: { client: 'pg', connection: `postgres://u:${planted.dbPassword}@db:5432/x` } },
          proxy: { '/legacy': { target: 'https://api.example.com', headers: { 'X-Api-Key': planted.proxyAuth } } },
        },
      });
      expect(byPath.get('backend.database.connection')).toEqual(
        expect.objectContaining({ kind: 'pg connection string with a password', source: 'file', sourceDetail: '$include: ./db.yaml (in app-config.yaml)' }),
      );
      expect(byPath.get('proxy["/legacy"].headers.X-Api-Key')).toEqual(
        expect.objectContaining({ reach: 'API access', source: 'env', sourceDetail: '${LEGACY_KEY}' }),
      );
    } finally {
      await removeDir(dir);
    }
  });

  it('sees an app-config edited between scans (parsed files are kept only while unchanged)', async () => {
    const dir = await writeConfigRepo({
      'app-config.yaml': 'proxy:\n  /legacy:\n    target: https://api.example.com\n    headers:\n      X-Api-Key: ${LEGACY_KEY}\n',
    });
    const config = {
      proxy: { '/legacy': { target: 'https://api.example.com', headers: { 'X-Api-Key': planted.proxyAuth } } },
    };
    const source = async () => (await run(dir, { config })).byPath.get('proxy["/legacy"].headers.X-Api-Key');
    try {
      expect(await source()).toEqual(expect.objectContaining({ source: 'env', sourceDetail: '${LEGACY_KEY}' }));
      expect(await source()).toEqual(expect.objectContaining({ source: 'env' }));
      // A deployment writes the key into the file itself.
      await fs.writeFile(
        path.join(dir, 'app-config.yaml'),
        `proxy:\n  /legacy:\n    target: https://api.example.com\n    headers:\n      X-Api-Key: ${JSON.stringify(planted.proxyAuth)}\n`,
      );
      expect(await source()).toEqual(expect.objectContaining({ source: 'literal', sourceDetail: 'app-config.yaml' }));
    } finally {
      await removeDir(dir);
    }
  });
});
