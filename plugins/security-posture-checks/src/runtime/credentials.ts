import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { LoadedConfigFile, PathSegment, sourceOf, SourceAnswer } from './configSources';

/** What a credential lets whoever holds it do. */
export type CredentialReach =
  | 'push to repos'
  | 'cluster access'
  | 'cloud provisioning'
  | 'incident management'
  | 'identity provider'
  | 'database'
  | 'API access';

/** Weight of each reach in the blast-radius score (documented in docs/checks/runtime.md). */
export const REACH_WEIGHTS: Record<CredentialReach, number> = {
  'cluster access': 5,
  'cloud provisioning': 5,
  'push to repos': 4,
  database: 3,
  'incident management': 2,
  'identity provider': 2,
  'API access': 2,
};

export interface Credential {
  /** Config path, e.g. `integrations.github[0].token`. Never the value. */
  path: string;
  segments: PathSegment[];
  kind: string;
  reach: CredentialReach;
  /** What it reaches: a host, a cluster name, a proxy target host; never the value. */
  target: string;
  /**
   * False for what grants reach without being a secret itself (an AWS role the backend assumes
   * with its ambient credentials): listed, but a literal one is no finding.
   */
  secret: boolean;
}

export interface InventoriedCredential extends Credential, SourceAnswer {}

type Json = JsonValue | undefined;

function isObject(value: Json): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSet(value: Json): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}

function pathText(segments: PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function hostOf(url: Json): string {
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

const INCIDENT = /pagerduty|opsgenie|victorops|splunkoncall|firehydrant|incident/i;

/** Integration providers that hold source code (a token there can push to repositories). */
const SCM: Record<string, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  bitbucket: 'Bitbucket',
  bitbucketCloud: 'Bitbucket Cloud',
  bitbucketServer: 'Bitbucket Server',
  azure: 'Azure DevOps',
  gerrit: 'Gerrit',
  gitea: 'Gitea',
  harness: 'Harness',
  awsCodeCommit: 'AWS CodeCommit',
};

/** Keys of secret values under `integrations.*` (packages/integration/config.d.ts). */
const INTEGRATION_SECRET_KEYS = new Set([
  'token',
  'privateKey',
  'clientSecret',
  'webhookSecret',
  'appPassword',
  'password',
  'secretAccessKey',
  'personalAccessToken',
  'apiKey',
]);

const INTEGRATION_KEY_KIND: Record<string, string> = {
  token: 'personal access token',
  privateKey: 'app private key',
  clientSecret: 'OAuth client secret',
  webhookSecret: 'webhook secret',
  appPassword: 'app password',
  password: 'password',
  secretAccessKey: 'secret access key',
  personalAccessToken: 'personal access token',
  apiKey: 'API key',
};

/** A header that carries a credential (proxy endpoints). */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|private-token|x-auth-token|[a-z0-9-]{0,60}(?:token|secret|key|password))$/i;

/** Keys that name a credential anywhere else in the config. */
const SECRET_KEY = /(?:token|secret|password|passwd|apikey|api_key|privatekey|accesskey|accountkey|credentials)$/i;

/** Roots handled by the specific rules (the generic sweep skips them). */
const HANDLED_ROOTS = new Set([
  'integrations',
  'aws',
  'kubernetes',
  'proxy',
  'auth',
  'techdocs',
  'backend',
  'securityPosture',
]);

function walkLeaves(
  node: Json,
  segments: PathSegment[],
  visit: (segments: PathSegment[], key: string, value: Json) => void,
  depth = 0,
) {
  if (depth > 32 || node === undefined || node === null) return;
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkLeaves(item, [...segments, i], visit, depth + 1));
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (isObject(value) || Array.isArray(value)) {
        // `credentials` of techdocs/GCS may be an object: a credential on its own.
        if (isObject(value) && /credentials$/i.test(key) && !Object.keys(value).some(k => SECRET_KEY.test(k))) {
          visit([...segments, key], key, value);
        } else {
          walkLeaves(value, [...segments, key], visit, depth + 1);
        }
      } else {
        visit([...segments, key], key, value);
      }
    }
  }
}

/**
 * Every credential in the merged config, by path, kind and reach; values are read only to know
 * that they are set, and never kept.
 */
export function collectCredentials(config: Config): Credential[] {
  const found: Credential[] = [];
  const add = (
    segments: PathSegment[],
    kind: string,
    reach: CredentialReach,
    target: string,
    secret = true,
  ) => found.push({ path: pathText(segments), segments, kind, reach, target, secret });
  const get = (key: string): Json => config.getOptional(key);

  // integrations.<provider>[] (and googleGcs, an object)
  const integrations = get('integrations');
  if (isObject(integrations)) {
    for (const [provider, entries] of Object.entries(integrations)) {
      const list = Array.isArray(entries) ? entries : [entries];
      list.forEach((entry, i) => {
        if (!isObject(entry)) return;
        const base: PathSegment[] = Array.isArray(entries)
          ? ['integrations', provider, i]
          : ['integrations', provider];
        const host = typeof entry.host === 'string' ? entry.host : hostOf(entry.endpoint) || provider;
        let reach: CredentialReach = 'push to repos';
        if (provider === 'awsS3' || provider === 'googleGcs') reach = 'cloud provisioning';
        const name = SCM[provider] ?? provider;
        walkLeaves(entry, base, (segments, key, value) => {
          if (!INTEGRATION_SECRET_KEYS.has(key) || !isSet(value)) return;
          const inApps = segments.includes('apps');
          let kind = `${name} ${INTEGRATION_KEY_KIND[key]}`;
          if (inApps) kind = `${name} App ${key === 'privateKey' ? 'private key' : INTEGRATION_KEY_KIND[key]}`;
          const keyReach: CredentialReach = key === 'webhookSecret' ? 'API access' : reach;
          add(segments, kind, keyReach, host);
        });
        if (provider === 'awsS3' && isSet(entry.roleArn)) {
          add([...base, 'roleArn'], 'AWS role assumed by the backend', 'cloud provisioning', host, false);
        }
      });
    }
  }

  // aws.mainAccount, aws.accounts[] (@backstage/integration-aws-node)
  const aws = get('aws');
  if (isObject(aws)) {
    const accounts: Array<[PathSegment[], Json]> = [[['aws', 'mainAccount'], aws.mainAccount]];
    if (Array.isArray(aws.accounts)) {
      aws.accounts.forEach((a, i) => accounts.push([['aws', 'accounts', i], a]));
    }
    for (const [base, account] of accounts) {
      if (!isObject(account)) continue;
      const target = typeof account.accountId === 'string' ? `account ${account.accountId}` : 'AWS';
      if (isSet(account.secretAccessKey)) {
        add([...base, 'secretAccessKey'], 'AWS secret access key', 'cloud provisioning', target);
      }
      if (isSet(account.roleName)) {
        add([...base, 'roleName'], 'AWS role assumed by the backend', 'cloud provisioning', target, false);
      }
    }
  }

  // kubernetes.clusterLocatorMethods[].clusters[].serviceAccountToken (plugins/kubernetes-backend)
  const methods = get('kubernetes.clusterLocatorMethods');
  if (Array.isArray(methods)) {
    methods.forEach((method, i) => {
      if (!isObject(method) || !Array.isArray(method.clusters)) return;
      method.clusters.forEach((cluster, j) => {
        if (!isObject(cluster)) return;
        const name = typeof cluster.name === 'string' ? cluster.name : hostOf(cluster.url);
        if (isSet(cluster.serviceAccountToken)) {
          add(
            ['kubernetes', 'clusterLocatorMethods', i, 'clusters', j, 'serviceAccountToken'],
            'Kubernetes service account token',
            'cluster access',
            name,
          );
        }
      });
    });
  }

  // proxy.endpoints.<path>.headers.<name> (plugins/proxy-backend), and the legacy proxy.'/path'
  const proxy = get('proxy');
  if (isObject(proxy)) {
    const endpoints: Array<[PathSegment[], Json]> = [];
    if (isObject(proxy.endpoints)) {
      for (const [p, e] of Object.entries(proxy.endpoints)) endpoints.push([['proxy', 'endpoints', p], e]);
    }
    for (const [p, e] of Object.entries(proxy)) {
      if (p.startsWith('/')) endpoints.push([['proxy', p], e]);
    }
    for (const [base, endpoint] of endpoints) {
      if (!isObject(endpoint) || !isObject(endpoint.headers)) continue;
      const target = hostOf(endpoint.target) || String(base[base.length - 1]);
      const reach: CredentialReach = INCIDENT.test(target) || INCIDENT.test(String(base[base.length - 1]))
        ? 'incident management'
        : 'API access';
      for (const [header, value] of Object.entries(endpoint.headers)) {
        if (CREDENTIAL_HEADER.test(header) && isSet(value)) {
          add([...base, 'headers', header], `proxy ${header} header`, reach, target);
        }
      }
    }
  }

  // auth.providers.<provider>.<environment>.clientSecret, auth.session.secret
  const providers = get('auth.providers');
  if (isObject(providers)) {
    for (const [provider, envs] of Object.entries(providers)) {
      if (!isObject(envs)) continue;
      for (const [env, settings] of Object.entries(envs)) {
        if (!isObject(settings)) continue;
        for (const key of ['clientSecret', 'privateKey', 'secret']) {
          if (isSet(settings[key])) {
            add(['auth', 'providers', provider, env, key], `${provider} sign-in ${key}`, 'identity provider', provider);
          }
        }
      }
    }
  }
  if (isSet(get('auth.session.secret'))) {
    add(['auth', 'session', 'secret'], 'session cookie secret', 'identity provider', 'auth backend');
  }

  // techdocs.publisher.{awsS3,azureBlobStorage,googleGcs}.credentials (plugins/techdocs-backend)
  const publisher = get('techdocs.publisher');
  if (isObject(publisher)) {
    for (const store of ['awsS3', 'azureBlobStorage', 'googleGcs', 'openStackSwift']) {
      const settings = publisher[store];
      if (!isObject(settings)) continue;
      const credentials = settings.credentials;
      const base: PathSegment[] = ['techdocs', 'publisher', store, 'credentials'];
      if (typeof credentials === 'string' && isSet(credentials)) {
        add(base, `TechDocs ${store} service account key`, 'cloud provisioning', store);
      } else if (isObject(credentials)) {
        for (const key of ['secretAccessKey', 'accountKey', 'secret', 'password', 'roleArn']) {
          if (isSet(credentials[key])) {
            add([...base, key], `TechDocs ${store} ${key}`, 'cloud provisioning', store, key !== 'roleArn');
          }
        }
      }
    }
  }

  // backend.database (packages/backend-defaults): connection.password, or a URI with one
  const database = get('backend.database');
  if (isObject(database)) {
    const connections: Array<[PathSegment[], Json]> = [[['backend', 'database', 'connection'], database.connection]];
    if (isObject(database.plugin)) {
      for (const [id, p] of Object.entries(database.plugin)) {
        if (isObject(p)) connections.push([['backend', 'database', 'plugin', id, 'connection'], p.connection]);
      }
    }
    for (const [base, connection] of connections) {
      const client = typeof database.client === 'string' ? database.client : 'database';
      if (isObject(connection) && isSet(connection.password)) {
        add([...base, 'password'], `${client} password`, 'database', hostOf(`x://${connection.host ?? ''}`) || client);
      } else if (typeof connection === 'string' && /^[a-z0-9+.-]{1,40}:\/\/[^/@\s:]{0,200}:[^/@\s]{1,200}@/i.test(connection)) {
        add(base, `${client} connection string with a password`, 'database', client);
      }
    }
  }

  // backend.auth.externalAccess[] (static tokens, legacy secrets), backend.auth.keys[].secret
  const access = get('backend.auth.externalAccess');
  if (Array.isArray(access)) {
    access.forEach((entry, i) => {
      if (!isObject(entry) || !isObject(entry.options)) return;
      const subject = typeof entry.options.subject === 'string' ? entry.options.subject : '';
      if (entry.type === 'static' && isSet(entry.options.token)) {
        add(['backend', 'auth', 'externalAccess', i, 'options', 'token'], 'static external access token', 'API access', subject || 'backend');
      }
      if (entry.type === 'legacy' && isSet(entry.options.secret)) {
        add(['backend', 'auth', 'externalAccess', i, 'options', 'secret'], 'legacy external access secret', 'API access', subject || 'backend');
      }
    });
  }
  const keys = get('backend.auth.keys');
  if (Array.isArray(keys)) {
    keys.forEach((k, i) => {
      if (isObject(k) && isSet(k.secret)) {
        add(['backend', 'auth', 'keys', i, 'secret'], 'legacy backend signing secret', 'API access', 'backend');
      }
    });
  }

  // Anything else whose key names a credential (e.g. pagerDuty.apiToken, vault.token).
  const root = config.get<JsonValue>();
  if (isObject(root)) {
    for (const [key, value] of Object.entries(root)) {
      if (HANDLED_ROOTS.has(key)) continue;
      walkLeaves(value, [key], (segments, leafKey, leaf) => {
        if (!SECRET_KEY.test(leafKey) || !(isSet(leaf) || isObject(leaf))) return;
        const p = pathText(segments);
        add(segments, `${leafKey} under ${key}`, INCIDENT.test(p) ? 'incident management' : 'API access', key);
      });
    }
  }
  return found;
}

/** The credentials with where each comes from. */
export function inventoryCredentials(
  config: Config,
  files: LoadedConfigFile[],
  env: Record<string, string | undefined>,
): InventoriedCredential[] {
  return collectCredentials(config).map(c => ({ ...c, ...sourceOf(files, c.segments, env) }));
}

/**
 * Env variable names that look like credentials: `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, `*_KEY`, …
 * (`APP_CONFIG_*` variables are config: their credentials are in the inventory by path).
 */
const CREDENTIAL_ENV_NAME = /(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|KEY|APIKEY|PAT|CREDENTIALS?)$/i;

export function credentialLikeEnvNames(
  env: Record<string, string | undefined>,
  referenced: Set<string>,
): string[] {
  return Object.keys(env)
    .filter(n => n.length <= 200 && CREDENTIAL_ENV_NAME.test(n) && !referenced.has(n) && !!env[n])
    .filter(n => !n.startsWith('npm_') && !n.startsWith('APP_CONFIG_'))
    .sort();
}
