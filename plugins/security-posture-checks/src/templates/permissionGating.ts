import { JsonValue } from '@backstage/types';
import {
  CoverageCell,
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
} from '@security-posture/plugin-security-posture-common';
import { PermissionGating } from '@security-posture/static-analysis';

export const TASK_CREATE_PERMISSION = 'scaffolder.task.create';
export const PARAMETER_READ_PERMISSION = 'scaffolder.template.parameter.read';

/** When ordinary users may not start tasks at all. */
export const TASK_CREATE_DENIED_FACTOR = 0.5;
/** When ordinary users may not read template parameters (the scaffolder then strips the form). */
export const PARAMETER_READ_DENIED_FACTOR = 0.7;
/** When either is conditional: some templates, depending on the policy's rules. */
export const CONDITIONAL_FACTOR = 0.85;

export interface GatingDecision {
  gating?: PermissionGating;
  /** Why the scores were or were not lowered. */
  reason: string;
}

function isMatrix(value: unknown): value is PermissionCoverageMatrix {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<PermissionCoverageMatrix>;
  return Array.isArray(m.principals) && Array.isArray(m.cells);
}

/**
 * Reads the permission coverage matrix (published by {@link POLICY_COVERAGE_CHECK_ID}) and
 * decides how much a restrictive scaffolder policy lowers template scores: a template nobody
 * ordinary can run is less exposed. Absent or inconclusive data means no adjustment.
 */
export function gatingFromMatrix(data: JsonValue | undefined): GatingDecision {
  if (data === undefined || data === null) {
    return {
      reason: `No permission coverage matrix from ${POLICY_COVERAGE_CHECK_ID}; scores are not adjusted for the permission policy`,
    };
  }
  if (!isMatrix(data)) {
    return {
      reason: `The data published by ${POLICY_COVERAGE_CHECK_ID} is not a coverage matrix; scores are not adjusted`,
    };
  }
  if (data.frameworkEnabled === false) {
    return {
      reason:
        'permission.enabled is not true: every user may run every template; scores are not lowered',
    };
  }
  const ordinary = data.principals.find(
    p => p.kind === 'user-owns-nothing' && p.source !== 'not-available',
  );
  if (!ordinary) {
    return {
      reason:
        'The coverage matrix has no evaluated ordinary user (one who owns nothing); scores are not adjusted',
    };
  }
  const decision = (permission: string): CoverageCell['decision'] | undefined =>
    data.cells.find(
      c => c.permission === permission && c.principal === ordinary.id,
    )?.decision;
  const create = decision(TASK_CREATE_PERMISSION);
  const read = decision(PARAMETER_READ_PERMISSION);
  if (
    !create ||
    create.result === 'ERROR' ||
    create.result === 'NOT_EVALUATED'
  ) {
    return {
      reason: `${TASK_CREATE_PERMISSION} was not evaluated for an ordinary user; scores are not adjusted`,
    };
  }
  if (create.result === 'DENY') {
    return {
      gating: {
        factor: TASK_CREATE_DENIED_FACTOR,
        reason: `The permission policy denies ${TASK_CREATE_PERMISSION} to ordinary users (${ordinary.label}): only privileged users can run templates, so the score is halved`,
      },
      reason: `${TASK_CREATE_PERMISSION} is denied to ordinary users`,
    };
  }
  if (read?.result === 'DENY') {
    return {
      gating: {
        factor: PARAMETER_READ_DENIED_FACTOR,
        reason: `The permission policy denies ${PARAMETER_READ_PERMISSION} to ordinary users: the scaffolder hides template parameters from them, so the score is lowered by 30%`,
      },
      reason: `${PARAMETER_READ_PERMISSION} is denied to ordinary users`,
    };
  }
  if (create.result === 'CONDITIONAL' || read?.result === 'CONDITIONAL') {
    const rules = [create, read].flatMap(d =>
      d?.result === 'CONDITIONAL' ? d.rules : [],
    );
    return {
      gating: {
        factor: CONDITIONAL_FACTOR,
        reason: `The permission policy grants scaffolder permissions to ordinary users only conditionally (${
          [...new Set(rules)].join(', ') || 'rules'
        }): the score is lowered by 15%`,
      },
      reason: 'scaffolder permissions are conditional for ordinary users',
    };
  }
  return {
    reason: `Ordinary users (${ordinary.label}) may run templates (${TASK_CREATE_PERMISSION}: ${create.result}); scores are not lowered`,
  };
}
