import {
  CoverageDecision,
  CoveragePrincipal,
  ExposureLevel,
  Finding,
  FindingExposure,
  PermissionCoverageMatrix,
} from '@security-posture/plugin-security-posture-common';

const ENTITY_READ = 'catalog.entity.read';
const TEMPLATE_RUN = 'scaffolder.task.create';

/** Principals outside the owners and the platform team, and the exposure each stands for. */
const OUTSIDERS: Array<{ kind: CoveragePrincipal['kind']; level: ExposureLevel }> = [
  { kind: 'unauthenticated', level: 'anyone' },
  { kind: 'guest', level: 'guests' },
  { kind: 'user-owns-nothing', level: 'signed-in' },
];

// A conditional decision on these rules only lets nobody but owners through.
const OWNER_ONLY_RULES = new Set(['IS_ENTITY_OWNER']);

/** Widest first. */
export const EXPOSURE_LEVELS: readonly ExposureLevel[] = ['anyone', 'guests', 'signed-in', 'owners'];

/**
 * Rank of an exposure in the fix order, lower first: anyone, guests, signed-in users, then
 * findings whose exposure is not assessed (deployment settings), then owners only.
 */
export function exposureRank(exposure: FindingExposure | undefined): number {
  if (!exposure) return 3;
  return exposure.level === 'owners' ? 4 : EXPOSURE_LEVELS.indexOf(exposure.level);
}

/** Who may use one permission, from the coverage matrix; undefined when the matrix cannot say. */
function permissionExposure(
  matrix: PermissionCoverageMatrix,
  permission: string,
): FindingExposure | undefined {
  const cellOf = (principal: CoveragePrincipal): CoverageDecision | undefined =>
    matrix.cells.find(c => c.permission === permission && c.principal === principal.id)?.decision;
  let undecided = false;
  let signedInEvaluated = false;
  for (const outsider of OUTSIDERS) {
    // A principal that could not be obtained is no one (no guest session: guests cannot sign in).
    const principals = matrix.principals.filter(
      p => p.kind === outsider.kind && p.source !== 'not-available',
    );
    for (const principal of principals) {
      const decision = cellOf(principal);
      if (decision?.result === 'ALLOW') {
        return {
          level: outsider.level,
          permission,
          basis: `${permission} is allowed for ${principal.label}`,
        };
      }
      const ownersOnly =
        decision?.result === 'DENY' ||
        (decision?.result === 'CONDITIONAL' &&
          decision.rules.every(rule => OWNER_ONLY_RULES.has(rule)));
      if (ownersOnly) {
        if (outsider.kind === 'user-owns-nothing') signedInEvaluated = true;
      } else {
        // not evaluated, an error, or conditions the matrix cannot apply per finding
        undecided = true;
      }
    }
  }
  if (!matrix.frameworkEnabled) {
    return {
      level: 'signed-in',
      permission,
      basis: 'the permission framework is disabled: every signed-in user may do everything',
    };
  }
  // Owners only needs the word of a signed-in user who owns nothing, not just of the anonymous.
  if (undecided || !signedInEvaluated) return undefined;
  return {
    level: 'owners',
    permission,
    basis: `${permission} is denied, or granted to owners only, for every principal outside the owners`,
  };
}

/** The wider of two exposures; unknown when one is unknown and the other says owners only. */
function wider(a: FindingExposure | undefined, b: FindingExposure | undefined) {
  if (!a || !b) {
    const known = a ?? b;
    return known?.level === 'owners' ? undefined : known;
  }
  return EXPOSURE_LEVELS.indexOf(b.level) < EXPOSURE_LEVELS.indexOf(a.level) ? b : a;
}

/**
 * Exposure of findings from the permission coverage matrix of the last scan
 * (permissions/policy-coverage): who can read a finding's catalog entity, who can read or run its
 * template, who holds the permission a policy finding is about. Deployment settings, packages and
 * findings the matrix cannot decide have no exposure (not assessed).
 */
export class ExposureModel {
  private readonly cache = new Map<string, FindingExposure | undefined>();

  constructor(private readonly matrix: PermissionCoverageMatrix | undefined) {}

  private of(permission: string): FindingExposure | undefined {
    if (!this.matrix) return undefined;
    if (!this.cache.has(permission)) {
      this.cache.set(permission, permissionExposure(this.matrix, permission));
    }
    return this.cache.get(permission);
  }

  exposureOf(
    finding: Pick<Finding, 'target' | 'evidence' | 'outcome'>,
  ): FindingExposure | undefined {
    if (finding.outcome !== 'fail') return undefined;
    switch (finding.target.type) {
      case 'entity':
        return this.of(ENTITY_READ);
      case 'template':
        return wider(this.of(ENTITY_READ), this.of(TEMPLATE_RUN));
      default: {
        const permission = finding.evidence?.permission;
        return typeof permission === 'string' &&
          this.matrix?.permissions.some(p => p.name === permission)
          ? this.of(permission)
          : undefined;
      }
    }
  }
}

/** Whether published data has the shape of a coverage matrix. */
export function isCoverageMatrix(value: unknown): value is PermissionCoverageMatrix {
  const v = value as Partial<PermissionCoverageMatrix> | undefined;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.frameworkEnabled === 'boolean' &&
    Array.isArray(v.principals) &&
    Array.isArray(v.cells) &&
    Array.isArray(v.permissions)
  );
}
