import { JsonValue } from '@backstage/types';
import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { processEnvironment, readCredentialInventory, RuntimeEnvironment } from './runtimeContext';

export const CREDENTIAL_INVENTORY_CHECK_ID = 'runtime/credential-inventory';
export const CREDENTIALS_DATA_KEY = 'credentials';

const LITERAL_REMEDIATION =
  'Move the value out of the config file into the environment (`${NAME}` substitution) or a mounted secret file (`$file: /run/secrets/name`) fed by your secrets manager, then rotate it: it is in the file history of every copy of the repository.';
const PAT_REMEDIATION =
  'Replace the personal access token with a GitHub App installed only on the repositories the portal needs (`integrations.github[].apps`): its tokens are short-lived, scoped per installation and not tied to a person.';

/**
 * Every credential of the running backend's config by path, kind, reach and source, and the
 * credential-looking environment variables the config does not reference (names only).
 */
export function createCredentialInventoryCheck(runtime: () => RuntimeEnvironment = processEnvironment) {
  return createSecurityCheck({
    meta: {
      id: CREDENTIAL_INVENTORY_CHECK_ID,
      version: 1,
      title: 'Credential inventory of the backend',
      category: 'runtime',
      defaultSeverity: 'high',
      description:
        'Lists every credential in the merged config (integrations, AWS accounts, Kubernetes service account tokens, proxy headers, sign-in client secrets, TechDocs publishers, the database password, external access tokens, and other keys named like credentials) by config path, kind and reach, and whether it comes from a `${ENV}` substitution, a `$file`, or a literal in a config file; environment variables named like credentials that no config file references are listed by name. Never a value. Literal credentials in config files fail as high; GitHub personal access tokens fail as medium. Publishes the inventory under `credentials` (also as CSV).',
      remediation: LITERAL_REMEDIATION,
      docsUrl: 'https://backstage.io/docs/conf/writing#environment-variable-substitution',
    },
    async run(context) {
      const inventory = await readCredentialInventory(context, runtime());
      const rows: JsonValue[] = [
        ...inventory.credentials.map(c => ({
          path: c.path,
          kind: c.kind,
          reach: c.reach,
          target: c.target,
          source: c.source,
          sourceDetail: c.detail,
          secret: c.secret,
        })),
        ...inventory.unreferencedEnv.map(name => ({
          path: `env:${name}`,
          kind: 'environment variable named like a credential, not referenced by config',
          reach: 'unknown',
          target: '',
          source: 'env',
          sourceDetail: name,
          secret: true,
        })),
      ];
      context.publish(CREDENTIALS_DATA_KEY, {
        configFilesFrom: inventory.configFilesFrom,
        configFiles: inventory.configFiles.map(f => (f.error ? `${f.file} (${f.error})` : f.file)).join(', '),
        credentials: rows,
      });

      const results: CheckResult[] = [];
      for (const c of inventory.credentials) {
        if (c.source === 'literal' && c.secret) {
          results.push({
            outcome: 'fail',
            target: { type: 'config', path: c.path },
            location: c.detail,
            title: `Literal credential in ${c.detail}: ${c.path}`,
            message: `${c.kind} (${c.reach}${c.target ? `, ${c.target}` : ''}) is written as a literal in ${c.detail}: anyone who can read the file or its history holds it`,
            evidence: { path: c.path, kind: c.kind, reach: c.reach, source: c.source, file: c.detail },
          });
        }
        if (/^GitHub personal access token$/.test(c.kind)) {
          results.push({
            outcome: 'fail',
            severity: 'medium',
            target: { type: 'config', path: c.path },
            location: 'github-pat',
            title: `GitHub personal access token where a GitHub App is possible: ${c.target}`,
            message: `${c.path} is a personal access token for ${c.target}: long-lived, tied to a person and usually broader than the portal needs; a GitHub App gives short-lived, per-installation tokens. ${PAT_REMEDIATION}`,
            evidence: { path: c.path, host: c.target, source: c.source },
          });
        }
      }
      if (!results.length) {
        const unknown = inventory.credentials.filter(c => c.source === 'unknown').length;
        results.push({
          outcome: 'pass',
          target: { type: 'deployment' },
          message: `${inventory.credentials.length} credential(s) in the config, no secret written as a literal in a config file${
            unknown ? ` (${unknown} of unknown source)` : ''
          }; ${inventory.unreferencedEnv.length} credential-like environment variable(s) not referenced by config`,
          evidence: {
            credentials: inventory.credentials.length,
            unknownSource: unknown,
            unreferencedEnv: inventory.unreferencedEnv.length,
          },
        });
      }
      return results;
    },
  });
}
