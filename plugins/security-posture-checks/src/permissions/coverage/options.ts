import { Config } from '@backstage/config';

export const COVERAGE_OPTIONS_KEY = 'securityPosture.checks.permissions.policy-coverage.options';

export interface SyntheticPrincipalOptions {
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

export interface CoverageOptions {
  timeoutMs: number;
  userOwnsNothing: SyntheticPrincipalOptions;
  /** Undefined: pick an owned Component from the catalog. */
  owner?: SyntheticPrincipalOptions & { sampleEntityRef?: string };
  platformTeam?: SyntheticPrincipalOptions;
  extraSensitivePermissions: string[];
  sensitiveAnnotationPrefixes: string[];
}

export const DEFAULT_NOBODY_REF = 'user:default/security-posture-synthetic-nobody';
export const DEFAULT_OWNER_REF = 'user:default/security-posture-synthetic-owner';

/** Annotation key prefixes whose presence makes an entity sensitive to read. */
export const DEFAULT_SENSITIVE_ANNOTATION_PREFIXES = [
  'vault.io/',
  'vault.hashicorp.com/',
  'pagerduty.com/',
  'opsgenie.com/',
  'eks.amazonaws.com/',
  'aws.amazon.com/',
  'backstage.io/kubernetes-',
];

function principal(config: Config | undefined): SyntheticPrincipalOptions | undefined {
  const userEntityRef = config?.getOptionalString('userEntityRef');
  if (!config || !userEntityRef) return undefined;
  return {
    userEntityRef,
    ownershipEntityRefs: config.getOptionalStringArray('ownershipEntityRefs') ?? [userEntityRef],
  };
}

/** Reads `securityPosture.checks.permissions.policy-coverage.options` (shared by the permission checks). */
export function readCoverageOptions(options: Config | undefined): CoverageOptions {
  const principals = options?.getOptionalConfig('principals');
  const owner = principal(principals?.getOptionalConfig('owner'));
  return {
    timeoutMs: options?.getOptionalNumber('timeoutMs') ?? 5000,
    userOwnsNothing: principal(principals?.getOptionalConfig('userOwnsNothing')) ?? {
      userEntityRef: DEFAULT_NOBODY_REF,
      ownershipEntityRefs: [DEFAULT_NOBODY_REF],
    },
    ...(owner
      ? {
          owner: {
            ...owner,
            sampleEntityRef: principals?.getOptionalString('owner.sampleEntityRef'),
          },
        }
      : {}),
    platformTeam: principal(principals?.getOptionalConfig('platformTeam')),
    extraSensitivePermissions: options?.getOptionalStringArray('sensitivePermissions') ?? [],
    sensitiveAnnotationPrefixes:
      options?.getOptionalStringArray('sensitiveAnnotationPrefixes') ??
      DEFAULT_SENSITIVE_ANNOTATION_PREFIXES,
  };
}
