import { stringifyEntityRef } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
import {
  CoverageDecision,
  CoveragePrincipal,
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
  Severity,
  SEVERITIES,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
  EntityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import { analyzeEntity, catalogAnalysisInputs, catalogCheckSettings, SecretHit } from './entityAnalysis';
import { ReferenceHit } from '@security-posture/static-analysis';

const CATALOG_ENTITY_READ = 'catalog.entity.read';
// Principals that are not the entity's owners nor the platform team.
const OUTSIDER_KINDS = new Set(['unauthenticated', 'guest', 'user-owns-nothing']);
// A conditional decision that uses only these rules lets nobody but owners read.
const OWNER_ONLY_RULES = new Set(['IS_ENTITY_OWNER']);

/** Who, besides the owners, can read any catalog entity. */
export type CatalogReadExposure =
  | { state: 'everyone'; basis: string }
  | { state: 'outsiders'; readableBy: string[]; basis: string }
  | { state: 'restricted'; basis: string }
  | { state: 'unknown'; reason: string };

function isMatrix(value: JsonValue | undefined): value is PermissionCoverageMatrix & JsonValue {
  const v = value as Partial<PermissionCoverageMatrix> | undefined;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.frameworkEnabled === 'boolean' &&
    Array.isArray(v.principals) &&
    Array.isArray(v.cells)
  );
}

function principalName(p: CoveragePrincipal) {
  return p.label ? `${p.id} (${p.label})` : p.id;
}

/** Reads who can read catalog entities from config and the permission coverage matrix. */
export async function catalogReadExposure(
  context: Pick<EntityCheckContext, 'config' | 'getPublished'>,
): Promise<CatalogReadExposure> {
  if (!(context.config.getOptionalBoolean('permission.enabled') ?? false)) {
    return {
      state: 'everyone',
      basis: 'permission.enabled is not true: every catalog read is allowed, guests included',
    };
  }
  const published = await context.getPublished(
    POLICY_COVERAGE_CHECK_ID,
    POLICY_COVERAGE_MATRIX_KEY,
  );
  if (published === undefined) {
    return {
      state: 'unknown',
      reason: `no permission coverage data from ${POLICY_COVERAGE_CHECK_ID} (disabled, errored or not yet run)`,
    };
  }
  if (!isMatrix(published)) {
    return {
      state: 'unknown',
      reason: `${POLICY_COVERAGE_CHECK_ID} published data of an unknown shape`,
    };
  }
  const matrix = published as PermissionCoverageMatrix;
  if (!matrix.frameworkEnabled) {
    return {
      state: 'everyone',
      basis: 'the permission coverage matrix reports the framework disabled: every read is allowed',
    };
  }
  const outsiders = matrix.principals.filter(p => OUTSIDER_KINDS.has(p.kind));
  if (!outsiders.length) {
    return {
      state: 'unknown',
      reason: 'the coverage matrix evaluated no principal outside the owners',
    };
  }
  const decisionFor = (principal: string): CoverageDecision | undefined =>
    matrix.cells.find(c => c.permission === CATALOG_ENTITY_READ && c.principal === principal)
      ?.decision;

  const readableBy: string[] = [];
  const undetermined: string[] = [];
  for (const principal of outsiders) {
    const decision = decisionFor(principal.id);
    if (!decision) {
      undetermined.push(`${principal.id}: ${CATALOG_ENTITY_READ} not evaluated`);
    } else if (decision.result === 'ALLOW') {
      readableBy.push(principalName(principal));
    } else if (decision.result === 'CONDITIONAL') {
      if (!decision.rules.every(rule => OWNER_ONLY_RULES.has(rule))) {
        undetermined.push(
          `${principal.id}: conditional on ${
            decision.rules.join(', ') || 'no rules'
          }, which cannot be evaluated per entity from the matrix`,
        );
      }
    } else if (decision.result !== 'DENY') {
      undetermined.push(`${principal.id}: ${decision.result}`);
    }
  }
  if (readableBy.length) {
    return {
      state: 'outsiders',
      readableBy,
      basis: `the permission policy allows ${CATALOG_ENTITY_READ} to principals outside the owners`,
    };
  }
  if (undetermined.length) return { state: 'unknown', reason: undetermined.join('; ') };
  return {
    state: 'restricted',
    basis: `${CATALOG_ENTITY_READ} is denied or owner-only for every principal outside the owners`,
  };
}

// One evaluation per check context, i.e. per scan, not per entity. Once it has settled, its value
// is at hand, so the entities after it are evaluated synchronously (no promise per entity).
const exposureCache = new WeakMap<
  object,
  { promise: Promise<CatalogReadExposure>; value?: CatalogReadExposure }
>();

function exposureOf(context: EntityCheckContext) {
  let exposure = exposureCache.get(context);
  if (!exposure) {
    const entry: { promise: Promise<CatalogReadExposure>; value?: CatalogReadExposure } = {
      promise: catalogReadExposure(context),
    };
    // A rejection is left to every evaluation that awaits the promise, as before.
    entry.promise.then(
      value => {
        entry.value = value;
      },
      () => {},
    );
    exposure = entry;
    exposureCache.set(context, exposure);
  }
  return exposure;
}

function higher(severity: Severity): Severity {
  const index = SEVERITIES.indexOf(severity);
  return SEVERITIES[Math.max(0, index - 1)];
}

function worst(severities: Severity[]): Severity {
  return SEVERITIES.find(s => severities.includes(s)) ?? 'info';
}

/** The result for an entity that carries secrets or sensitive references. */
function exposureResults(
  entityRef: string,
  secrets: SecretHit[],
  references: ReferenceHit[],
  result: CatalogReadExposure,
): CheckResult[] {
  const target = { type: 'entity' as const, entityRef };
  const location = CATALOG_ENTITY_READ;
  const secretKinds = [...new Set(secrets.map(s => s.kind))].sort();
  const referenceClasses = [...new Set(references.map(r => r.class))].sort();
  const carried = [
    secrets.length ? `${secrets.length} leaked secret(s) (${secretKinds.join(', ')})` : '',
    references.length
      ? `${references.length} sensitive reference(s) (${referenceClasses.join(', ')})`
      : '',
  ]
    .filter(Boolean)
    .join(' and ');

  if (result.state === 'unknown') {
    return [
      {
        outcome: 'notApplicable',
        target,
        location,
        message: `${entityRef} carries ${carried}, but who can read it is unknown: ${result.reason}`,
      },
    ];
  }
  if (result.state === 'restricted') {
    return [
      {
        outcome: 'pass',
        target,
        location,
        message: `${entityRef} carries ${carried}; ${result.basis}`,
      },
    ];
  }
  const readableBy = result.state === 'everyone' ? ['everyone'] : result.readableBy;
  const severity: Severity = secrets.length
    ? 'critical'
    : higher(worst(references.map(r => r.severity)));
  return [
    {
      outcome: 'fail',
      target,
      location,
      title: secrets.length
        ? 'Entity with leaked secrets is readable outside its owners'
        : 'Entity with sensitive references is readable outside its owners',
      message: `${entityRef} carries ${carried} and is readable by ${readableBy.join(', ')}: ${
        result.basis
      }`,
      severity,
      evidence: {
        readableBy,
        basis: result.basis,
        secretKinds,
        referenceClasses,
        fields: [...new Set([...secrets.map(s => s.path), ...references.map(r => r.path)])],
      },
    } satisfies CheckResult,
  ];
}

/**
 * The exposure join: an entity with secrets or sensitive references that people outside its
 * owners can read (per `permission.enabled` and the permission coverage matrix).
 */
export const exposedSensitiveEntityCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/exposed-sensitive-entity',
    version: 1,
    title: 'Sensitive catalog entity readable outside its owners',
    category: 'catalog',
    defaultSeverity: 'high',
    description:
      'Joins the findings of catalog/leaked-secret and catalog/sensitive-reference with who may read catalog entities: when `permission.enabled` is not true, or when the permission coverage matrix (check permissions/policy-coverage) shows `catalog.entity.read` allowed to guests, unauthenticated callers or users who own nothing, every entity that carries a secret or a sensitive reference is exposed. Critical for secrets; one level above the references otherwise. Not applicable when the coverage data is missing or the policy decision cannot be evaluated per entity.',
    remediation:
      'Restrict `catalog.entity.read` for such entities in your permission policy: return `createCatalogConditionalDecision(request.permission, catalogConditions.isEntityOwner({ claims: user.info.ownershipEntityRefs }))` for non-platform users (optionally only for entities carrying the sensitive annotations, with `catalogConditions.hasAnnotation`), enable the framework with `permission.enabled: true`, and remove the secrets themselves (see catalog/leaked-secret).',
    docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
  },
  // Who may read entities is decided outside the entity: a policy change re-evaluates them all.
  async evaluationInputs(context) {
    return {
      analysis: catalogAnalysisInputs(context.config),
      exposure: JSON.parse(JSON.stringify(await catalogReadExposure(context))),
    };
  },
  evaluate(entity, context) {
    const entityRef = stringifyEntityRef(entity);
    const analysis = analyzeEntity(entity, catalogCheckSettings(context.config));
    const secrets = analysis.secrets;
    const references = analysis.references;
    if (!secrets.length && !references.length) return [];

    const exposure = exposureOf(context);
    if (exposure.value) return exposureResults(entityRef, secrets, references, exposure.value);
    return exposure.promise.then(result =>
      exposureResults(entityRef, secrets, references, result),
    );
  },
});
