import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { relationOf } from './describe';
import { PluginAnalysisService } from './PluginAnalysisService';

/** An integration that holds credentials to infrastructure, and the core packages for it. */
interface PrivilegedDomain {
  domain: string;
  /** Name tokens (split at `@`, `/`, `-`) that mark a package as belonging to the domain. */
  tokens: string[];
  corePackages: string[];
}

export const PRIVILEGED_DOMAINS: PrivilegedDomain[] = [
  {
    domain: 'Kubernetes',
    tokens: ['kubernetes', 'k8s'],
    corePackages: ['@backstage/plugin-kubernetes-backend', '@backstage/plugin-kubernetes'],
  },
  {
    domain: 'AWS',
    tokens: [
      'aws',
      'amazon',
      's3',
      'ecr',
      'ecs',
      'eks',
      'lambda',
      'cloudformation',
      'codebuild',
      'codepipeline',
    ],
    corePackages: [
      '@backstage/plugin-catalog-backend-module-aws',
      '@backstage/integration-aws-node',
    ],
  },
  {
    domain: 'secrets management',
    tokens: [
      'vault',
      'secret',
      'secrets',
      'keyvault',
      '1password',
      'onepassword',
      'sops',
      'infisical',
      'doppler',
      'conjur',
      'cyberark',
    ],
    corePackages: [],
  },
];

export function privilegedDomainOf(name: string): PrivilegedDomain | undefined {
  const tokens = new Set(name.toLowerCase().split(/[@/-]/));
  return PRIVILEGED_DOMAINS.find(d => d.tokens.some(t => tokens.has(t)));
}

/**
 * Plugins run with every secret the backend holds; for integrations that hold infrastructure
 * credentials the hardening guide prefers packages maintained by the Backstage core team.
 */
export function createCommunityPrivilegedIntegrationCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/community-privileged-integration',
      version: 1,
      title: 'Community plugin for a privileged integration',
      category: 'plugins',
      defaultSeverity: 'medium',
      description:
        'Reports plugins and modules outside the `@backstage` scope for Kubernetes, AWS or secrets management: integrations that hold infrastructure credentials. Where a core `@backstage/*` package covers the domain the finding names it; where none exists it is reported as low, for review.',
      remediation:
        'Prefer the `@backstage/*` package for the integration (e.g. `@backstage/plugin-kubernetes-backend`, `@backstage/plugin-catalog-backend-module-aws`). If a community plugin is needed, review its code and maintainers, pin its version, give it a credential scoped to what it needs, and require CODEOWNERS approval for changes to it.',
    },
    async run(context) {
      const analysis = await service.get(context);
      const results: CheckResult[] = [];
      for (const pkg of analysis.inventory.packages) {
        if (pkg.core || pkg.kind === 'library') continue;
        const domain = privilegedDomainOf(pkg.name);
        if (!domain) continue;
        const hasCore = domain.corePackages.length > 0;
        results.push({
          outcome: 'fail',
          target: { type: 'package', name: pkg.name, version: pkg.installedVersions[0] },
          location: pkg.name,
          title: `Community ${domain.domain} plugin: ${pkg.name}`,
          ...(hasCore ? {} : { severity: 'low' as const }),
          message: `${pkg.name} (${relationOf(pkg, analysis)}) is a community package for ${
            domain.domain
          }, which holds infrastructure credentials; ${
            hasCore
              ? `core packages for it: ${domain.corePackages.join(', ')}`
              : 'no core @backstage package covers it: review the package and scope its credentials'
          }`,
          evidence: {
            domain: domain.domain,
            corePackages: domain.corePackages,
            installedVersions: pkg.installedVersions,
            loaded: pkg.loaded,
          },
        });
      }
      if (!results.length) {
        results.push({
          outcome: 'pass',
          target: { type: 'deployment' },
          message: 'No community plugin for Kubernetes, AWS or secrets management is installed',
        });
      }
      return results;
    },
  });
}
