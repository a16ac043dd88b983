import { stringifyEntityRef } from '@backstage/catalog-model';
import { SENSITIVE_REFERENCE_CLASSES } from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { analyzeEntity, catalogAnalysisInputs, catalogCheckSettings } from './entityAnalysis';

function labelOf(cls: string) {
  return SENSITIVE_REFERENCE_CLASSES[cls as keyof typeof SENSITIVE_REFERENCE_CLASSES]?.label ?? cls;
}

/**
 * Not secrets, but reconnaissance: secret-store paths, incident routing, cluster namespaces and
 * IAM roles, internal hosts, dashboards and runbooks, each with its field path and class.
 */
export const sensitiveReferenceCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/sensitive-reference',
    version: 1,
    title: 'Catalog entity reveals sensitive infrastructure details',
    category: 'catalog',
    defaultSeverity: 'low',
    description:
      'Finds annotations, labels, links and spec values with reconnaissance value, classed as secret-reference (Vault paths and roles, AWS Secrets Manager ARNs, SSM parameters), incident-routing (PagerDuty, Opsgenie), infra-topology (Kubernetes namespaces and selectors, IAM role and resource ARNs), internal-endpoint (RFC 1918 addresses, *.internal, *.svc.cluster.local, corporate hosts), observability (dashboards, Sentry/Datadog) and runbook. Adopters add their own annotation patterns and classes under `securityPosture.checks.catalog.sensitive-reference.options`.',
    remediation:
      'Keep these references only where the owning team needs them and restrict who can read such entities: in your permission policy, make `catalog.entity.read` conditional (e.g. `catalogConditions.isEntityOwner` plus the platform team) for entities that carry them. Move secret-store paths and internal endpoints into service configuration where the catalog does not need them.',
    docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
  },
  evaluationInputs: ({ config }) => catalogAnalysisInputs(config),
  evaluate(entity, { config }) {
    const entityRef = stringifyEntityRef(entity);
    const analysis = analyzeEntity(entity, catalogCheckSettings(config));
    return analysis.references.map(
      (hit): CheckResult => ({
        outcome: 'fail',
        target: { type: 'entity', entityRef },
        location: `${hit.path}#${hit.class}`,
        title: `${labelOf(hit.class)} in catalog entity`,
        // The value itself is left out: the field path is enough to find it, and a value that
        // also carries a credential would otherwise be repeated here.
        message: `${hit.path} reveals a ${labelOf(hit.class).toLocaleLowerCase('en-US')} (${
          hit.class
        }) to everyone who can read this entity`,
        severity: hit.severity,
        evidence: { field: hit.path, class: hit.class, rule: hit.rule },
      }),
    );
  },
});
