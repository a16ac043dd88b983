import { Config } from '@backstage/config';
import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { SIGN_IN_RESOLVER_SNIPPETS } from './remediationSnippets';
import {
  AuthProviderInventoryItem,
  PROVIDER_INVENTORY_KEY,
} from '@security-posture/plugin-security-posture-common';
import { authEnvironment, installedModules, nodeEnv } from './environment';

/** Providers configured as one flat block (no per-environment sub-blocks). */
const FLAT_PROVIDERS = new Set(['guest', 'demo']);

/** Auth backend modules that register a provider under a different id than `<id>-provider`. */
const MODULE_FOR_PROVIDER: Record<string, string> = {
  demo: 'demo-provider',
  guest: 'guest-provider',
  microsoft: 'microsoft-provider',
  oidc: 'oidc-provider',
};

interface ResolverEntry {
  name: string;
  options: Config;
  path: string;
}

interface ProviderBlock {
  providerId: string;
  environment?: string;
  path: string;
  resolvers: ResolverEntry[];
}

function readResolvers(block: Config, path: string): ResolverEntry[] {
  return (block.getOptionalConfigArray('signIn.resolvers') ?? []).map((r, i) => ({
    name: r.getOptionalString('resolver') ?? 'unknown',
    options: r,
    path: `${path}.signIn.resolvers[${i}]`,
  }));
}

/** Each configured provider's blocks: one flat block, or one per environment sub-block. */
function providerBlocks(config: Config): ProviderBlock[] {
  const providers = config.getOptionalConfig('auth.providers');
  if (!providers) return [];
  const blocks: ProviderBlock[] = [];
  for (const providerId of providers.keys()) {
    const path = `auth.providers.${providerId}`;
    const provider = providers.getOptionalConfig(providerId);
    if (!provider) continue;
    const envKeys = provider
      .keys()
      .filter(
        k =>
          k !== 'signIn' &&
          typeof provider.getOptional(k) === 'object' &&
          !Array.isArray(provider.getOptional(k)),
      );
    if (FLAT_PROVIDERS.has(providerId) || provider.has('signIn') || envKeys.length === 0) {
      blocks.push({ providerId, path, resolvers: readResolvers(provider, path) });
      continue;
    }
    for (const environment of envKeys) {
      const envPath = `${path}.${environment}`;
      blocks.push({
        providerId,
        environment,
        path: envPath,
        resolvers: readResolvers(provider.getConfig(environment), envPath),
      });
    }
  }
  return blocks;
}

/**
 * Inventory of sign-in providers and their resolvers, with the resolver options that let the
 * wrong people in: sign-in without a catalog user, e-mail local part matching without a domain
 * allow-list, and the dev-only demo provider outside development.
 */
export const signInResolversCheck = createSecurityCheck({
  meta: {
    id: 'auth/sign-in-resolvers',
    version: 1,
    title: 'Risky sign-in provider or resolver configuration',
    category: 'auth',
    defaultSeverity: 'high',
    description:
      'Lists every provider under `auth.providers` with its sign-in resolvers (`auth.providers.<id>.<env>.signIn.resolvers[]`) and flags `dangerouslyAllowSignInWithoutUserInCatalog: true`, `emailLocalPartMatchingUserEntityName` without `allowedDomains`, and the demo provider configured outside development. Publishes the inventory under `providers`.',
    remediation:
      'Remove `dangerouslyAllowSignInWithoutUserInCatalog` from every resolver so only catalog users sign in; give `emailLocalPartMatchingUserEntityName` an `allowedDomains` list of your own domains (or use `emailMatchingUserEntityProfileEmail`); remove `auth.providers.demo` from every non-development config.',
    remediationSnippets: SIGN_IN_RESOLVER_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/auth/identity-resolver',
  },
  async run({ config, instanceMetadata, publish }) {
    const modules = await installedModules(instanceMetadata);
    const authModules = modules?.get('auth');
    const activeEnv = authEnvironment(config);
    const results: CheckResult[] = [];
    const inventory: AuthProviderInventoryItem[] = [];

    for (const block of providerBlocks(config)) {
      const risks: string[] = [];
      const active = block.environment === undefined || block.environment === activeEnv;
      for (const resolver of block.resolvers) {
        if (resolver.options.getOptionalBoolean('dangerouslyAllowSignInWithoutUserInCatalog')) {
          risks.push(`${resolver.name}: dangerouslyAllowSignInWithoutUserInCatalog`);
          results.push({
            outcome: 'fail',
            target: { type: 'config', path: resolver.path },
            location: `${resolver.path}.dangerouslyAllowSignInWithoutUserInCatalog`,
            title: 'Sign-in allowed without a catalog user',
            message: `${resolver.path} (${resolver.name}) signs in anyone the provider authenticates, even without a User entity in the catalog`,
            severity: active ? 'high' : 'medium',
            evidence: {
              provider: block.providerId,
              resolver: resolver.name,
              activeEnvironment: active,
            },
          });
        }
        if (
          resolver.name === 'emailLocalPartMatchingUserEntityName' &&
          !resolver.options.getOptionalStringArray('allowedDomains')?.length
        ) {
          risks.push(`${resolver.name}: no allowedDomains`);
          results.push({
            outcome: 'fail',
            target: { type: 'config', path: resolver.path },
            location: `${resolver.path}.allowedDomains`,
            title: 'E-mail local part matched without allowed domains',
            message: `${resolver.path} signs in alice@any-domain as user alice: no allowedDomains`,
            severity: active ? 'high' : 'medium',
            evidence: {
              provider: block.providerId,
              resolver: resolver.name,
              activeEnvironment: active,
            },
          });
        }
      }
      if (block.providerId === 'demo') {
        const devOnly = nodeEnv() === 'development' && activeEnv === 'development';
        risks.push('impersonation provider for development');
        results.push({
          outcome: devOnly ? 'pass' : 'fail',
          target: { type: 'config', path: block.path },
          location: block.path,
          title: 'Demo sign-in provider configured outside development',
          message: devOnly
            ? 'The demo provider is configured and the backend runs in development (NODE_ENV and auth.environment)'
            : `The demo impersonation provider is configured while NODE_ENV is ${
                nodeEnv() ?? 'unset'
              } and auth.environment is ${activeEnv}`,
          evidence: { NODE_ENV: nodeEnv() ?? 'unset', 'auth.environment': activeEnv },
        });
      }
      if (block.providerId === 'guest') {
        risks.push('guest sign-in (see auth/guest-outside-development)');
      }
      const moduleId = MODULE_FOR_PROVIDER[block.providerId] ?? `${block.providerId}-provider`;
      inventory.push({
        providerId: block.providerId,
        ...(block.environment ? { environment: block.environment } : {}),
        resolvers: block.resolvers.map(r => r.name),
        risks,
        ...(authModules ? { moduleInstalled: authModules.has(moduleId) } : {}),
      });
    }

    publish(PROVIDER_INVENTORY_KEY, inventory);
    if (!results.some(r => r.outcome === 'fail')) {
      results.push({
        outcome: 'pass',
        target: { type: 'config', path: 'auth.providers' },
        location: 'auth.providers',
        message: inventory.length
          ? `No risky resolver options among ${
              inventory.length
            } provider configuration(s): ${inventory
              .map(i => i.providerId + (i.environment ? `.${i.environment}` : ''))
              .join(', ')}`
          : 'No auth providers are configured',
        evidence: { providers: inventory.map(i => i.providerId) },
      });
    }
    return results;
  },
});
