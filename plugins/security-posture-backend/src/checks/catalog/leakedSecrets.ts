import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CheckResult,
  createEntitySecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { entityStrings } from './entityStrings';
import { detectSecrets } from './secretDetectors';

// Longer values are inspected up to this size; a secret is short, a hostile value is not.
const MAX_VALUE_LENGTH = 256 * 1024;

/** Credentials pasted into catalog entities are readable by everyone who can read the catalog. */
export const leakedSecretsCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/leaked-secret',
    title: 'Secret leaked in a catalog entity',
    category: 'catalog',
    defaultSeverity: 'high',
    description:
      'Inspects every string of every catalog entity (annotations, labels, links, description, spec) for credentials: cloud keys, VCS tokens, chat webhooks, private keys and URLs with embedded passwords.',
    remediation:
      'Rotate the credential now (it has been readable by every catalog user), remove it from the entity source file and its git history, and reference the secret by path (e.g. a Vault or Secrets Manager reference) instead.',
  },
  evaluate(entity) {
    const entityRef = stringifyEntityRef(entity);
    const results: CheckResult[] = [];
    for (const { path, value } of entityStrings(entity)) {
      const text = value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
      for (const match of detectSecrets(text)) {
        results.push({
          outcome: 'fail',
          target: { type: 'entity', entityRef },
          location: `${path}#${match.kind}`,
          title: match.example
            ? `Documentation example credential (${match.kind})`
            : `Leaked ${match.kind}`,
          message: match.example
            ? `${path} holds a well-known documentation example ${match.kind}; not a live credential`
            : `${path} contains a ${match.kind}`,
          severity: match.severity,
          evidence: { field: path, classification: match.example ? 'example' : 'secret' },
          secret: { value: match.value, kind: match.kind },
        });
      }
    }
    return results;
  },
});
