import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  compareSeverity,
  SENSITIVE_REFERENCE_CLASSES,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { ReferenceHit } from '@security-posture/static-analysis';
import { analyzeEntity, catalogAnalysisInputs, catalogCheckSettings } from './entityAnalysis';

/** Fields the message spells out; the rest are counted. */
export const MESSAGE_FIELD_LIMIT = 5;
/** Fields (and rules) the evidence lists; `fieldCount` keeps the total. */
export const EVIDENCE_FIELD_LIMIT = 50;

function labelOf(cls: string) {
  return SENSITIVE_REFERENCE_CLASSES[cls as keyof typeof SENSITIVE_REFERENCE_CLASSES]?.label ?? cls;
}

/** The entity's hits by class, in the order the analysis found them. */
function byClass(hits: ReferenceHit[]): Map<string, ReferenceHit[]> {
  const groups = new Map<string, ReferenceHit[]>();
  for (const hit of hits) {
    const group = groups.get(hit.class);
    if (group) group.push(hit);
    else groups.set(hit.class, [hit]);
  }
  return groups;
}

function fieldList(fields: string[]): string {
  const shown = fields.slice(0, MESSAGE_FIELD_LIMIT);
  const rest = fields.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length === 1) return shown[0];
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

function classResult(entityRef: string, cls: string, hits: ReferenceHit[]): CheckResult {
  const fields = [...new Set(hits.map(h => h.path))];
  const rules = [...new Set(hits.map(h => h.rule))];
  const severity = hits.map(h => h.severity).sort(compareSeverity)[0];
  const label = labelOf(cls);
  return {
    outcome: 'fail',
    target: { type: 'entity', entityRef },
    // One finding per entity and class: its identity must not change as fields come and go.
    location: `sensitive-reference#${cls}`,
    title: `${label} in catalog entity`,
    // Field paths only, never values: the path is enough to find a value, and a value that also
    // carries a credential would otherwise be repeated here.
    message: `${
      fields.length === 1 ? '1 field reveals' : `${fields.length} fields reveal`
    } ${label.toLocaleLowerCase(
      'en-US',
    )} (${cls}) to everyone who can read this entity: ${fieldList(fields)}`,
    severity,
    evidence: {
      class: cls,
      fields: fields.slice(0, EVIDENCE_FIELD_LIMIT),
      rules: rules.slice(0, EVIDENCE_FIELD_LIMIT),
      fieldCount: fields.length,
    },
  };
}

/**
 * Not secrets, but reconnaissance: secret-store paths, incident routing, cluster namespaces and
 * IAM roles, internal hosts, dashboards and runbooks. One finding per entity and class, listing
 * the fields: an entity's references are one decision for its owners, not one per field.
 */
export const sensitiveReferenceCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/sensitive-reference',
    // 2: one finding per entity and class (was one per field); re-evaluates every entity.
    version: 2,
    title: 'Catalog entity reveals sensitive infrastructure details',
    category: 'catalog',
    defaultSeverity: 'low',
    description:
      'Finds annotations, labels, links and spec values with reconnaissance value, classed as secret-reference (Vault paths and roles, AWS Secrets Manager ARNs, SSM parameters), incident-routing (PagerDuty, Opsgenie), infra-topology (Kubernetes namespaces and selectors, IAM role and resource ARNs), internal-endpoint (RFC 1918 addresses, *.internal, *.svc.cluster.local, corporate hosts), observability (dashboards, Sentry/Datadog) and runbook. One finding per entity and class lists the fields, at the highest severity among them. Adopters add their own annotation patterns and classes under `securityPosture.checks.catalog.sensitive-reference.options`.',
    remediation:
      'Keep these references only where the owning team needs them and restrict who can read such entities: in your permission policy, make `catalog.entity.read` conditional (e.g. `catalogConditions.isEntityOwner` plus the platform team) for entities that carry them. Move secret-store paths and internal endpoints into service configuration where the catalog does not need them.',
    docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
  },
  evaluationInputs: ({ config }) => catalogAnalysisInputs(config),
  evaluate(entity, { config }) {
    const entityRef = stringifyEntityRef(entity);
    const analysis = analyzeEntity(entity, catalogCheckSettings(config));
    return [...byClass(analysis.references)].map(([cls, hits]) =>
      classResult(entityRef, cls, hits),
    );
  },
});
