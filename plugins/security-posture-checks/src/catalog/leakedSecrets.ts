import { stringifyEntityRef } from '@backstage/catalog-model';
import { CATALOG_SECRET_KINDS } from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { analyzeEntity, catalogAnalysisInputs, catalogCheckSettings, SkippedField } from './entityAnalysis';

const SKIP_REASONS: Record<SkippedField['reason'], (skip: SkippedField) => string> = {
  oversized: s =>
    `${s.path} holds ${s.length} characters, more than securityPosture.checks.catalog.leaked-secret.options.maxValueLength: it was not inspected for secrets`,
  'entity-budget': s =>
    `${s.path} (${s.length} characters) was past the entity's inspection budget (securityPosture.checks.catalog.leaked-secret.options.maxEntityLength): it was not inspected`,
  depth: s => `${s.path} is nested too deeply: what lies below it was not inspected`,
  count: s => `The entity has too many strings: from ${s.path} on, nothing was inspected`,
};

/** Credentials pasted into catalog entities are readable by everyone who can read the catalog. */
export const leakedSecretsCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/leaked-secret',
    version: 1,
    title: 'Secret leaked in a catalog entity',
    category: 'catalog',
    defaultSeverity: 'high',
    description:
      'Inspects every string of every catalog entity (annotations, labels, links, description, tags, spec) for credentials: cloud keys (AWS, GCP service accounts, Azure storage), VCS tokens (GitHub with checksum validation, GitLab), Slack tokens and webhooks, private keys, JWTs, passwords in URLs, payment and API keys (Stripe, Google, npm, SendGrid, Datadog, PagerDuty), Vault tokens, and random-looking values under secret-named keys. Severity depends on the kind. Placeholders and documentation examples are not reported: substitutions (`${VAR}`, `${{ }}`, `{{ }}`, `<your-token>`), filler (`xxxx`, `****`, `...`), stand-in words (`dummy`, `fake`, `sample`, `your_api_key_here`, `changeme`), sequential, keyboard and repeated runs (`abcd1234`, `qwerty`, `123456789`), truncated key blocks, base64 of such words, vendor documentation values, and passwords in URLs on example or local hosts (`example.com`, `*.example`, `*.test`, `localhost`, `127.0.0.1`). A host and port before an `@` (`tcp://broker:9092@id`) is not a user and password.',
    remediation:
      'Rotate the credential now (it has been readable by every catalog reader and is in the git history of the entity file), remove it from the catalog-info.yaml and its history, store it in a secret store (Vault, AWS Secrets Manager, a Kubernetes secret) and let the service read it from there; in Backstage config, reference secrets as `${ENV_VAR}` substitutions instead of literal values.',
    docsUrl: 'https://backstage.io/docs/conf/writing',
  },
  evaluationInputs: ({ config }) => catalogAnalysisInputs(config),
  evaluate(entity, { config }) {
    const entityRef = stringifyEntityRef(entity);
    const target = { type: 'entity' as const, entityRef };
    const analysis = analyzeEntity(entity, catalogCheckSettings(config));
    const results: CheckResult[] = [];
    const seen = new Map<string, number>();

    for (const hit of analysis.secrets) {
      const label = CATALOG_SECRET_KINDS[hit.kind].label;
      // Several secrets of one kind in one field each get their own stable location.
      const base = `${hit.path}#${hit.kind}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const evidence: CheckResult['evidence'] = {
        field: hit.path,
        classification: 'secret',
        basis: hit.basis,
      };
      if (hit.checksum) evidence.checksum = hit.checksum;
      results.push({
        outcome: 'fail',
        target,
        location: n === 1 ? base : `${base}:${n}`,
        title: `Leaked ${label}`,
        message: `${hit.path} holds a ${label}, readable by everyone who can read this entity`,
        severity: hit.severity,
        evidence,
        secret: { value: hit.value, kind: hit.kind },
      });
    }

    for (const skip of analysis.skipped) {
      results.push({
        outcome: 'error',
        target,
        location: `${skip.path}#not-inspected`,
        title: 'Entity field not inspected for secrets',
        message: SKIP_REASONS[skip.reason](skip),
        evidence: {
          field: skip.path,
          reason: skip.reason,
          ...(skip.length ? { length: skip.length } : {}),
        },
      });
    }
    return results;
  },
});
