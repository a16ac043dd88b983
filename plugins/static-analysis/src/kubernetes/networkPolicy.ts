import {
  asArray,
  asRecord,
  isRecord,
  KubernetesObject,
  labelsOf,
  nameOf,
  namespaceOf,
} from './objects';

/**
 * Whether a label selector (`matchLabels`, `matchExpressions` with In, NotIn, Exists,
 * DoesNotExist) selects pods with these labels. The empty selector selects every pod; a selector
 * that is no mapping or has an unknown operator selects nothing (as the API would reject it).
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  for (const [key, value] of Object.entries(labelsOf(selector.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(selector.matchExpressions)) {
    const { key, operator, values } = asRecord(expression);
    if (typeof key !== 'string') return false;
    const wanted = asArray(values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !wanted.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && wanted.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a policy restricts egress: `policyTypes` says Egress, or (absent) it has an `egress` section. */
export function restrictsEgress(policy: KubernetesObject): boolean {
  const spec = asRecord(policy.spec);
  const types = spec.policyTypes;
  if (Array.isArray(types)) return types.includes('Egress');
  return spec.egress !== undefined;
}

const ANY_CIDR = new Set(['0.0.0.0/0', '::/0']);
// Ports that only resolve names; DNS to anywhere is what a restrictive policy allows anyway.
const DNS_PORTS = new Set(['53', 'dns', 'dns-tcp']);

/** What one egress rule lets the pods reach. */
type RuleReach = 'anywhere' | 'anywhere-on-ports' | 'listed';

function ruleReach(rule: unknown): { reach: RuleReach; ports: string[] } {
  const { to, ports } = asRecord(rule);
  const portNames = asArray(ports).map(p => String(asRecord(p).port ?? 'all'));
  const peers = asArray(to);
  // No `to` (or an empty one) allows every destination; an ipBlock of 0.0.0.0/0 or ::/0 without
  // exceptions allows every address outside the cluster.
  const anyDestination =
    to === undefined ||
    peers.length === 0 ||
    peers.some(peer => {
      const block = asRecord(asRecord(peer).ipBlock);
      return ANY_CIDR.has(String(block.cidr)) && asArray(block.except).length === 0;
    });
  if (!anyDestination) return { reach: 'listed', ports: portNames };
  const allPorts = ports === undefined || portNames.length === 0 || portNames.includes('all');
  return { reach: allPorts ? 'anywhere' : 'anywhere-on-ports', ports: portNames };
}

export type EgressVerdict =
  /** No NetworkPolicy of the namespace selects the pods with an Egress policy type. */
  | 'none'
  /** A selecting policy has a rule that allows every destination on every port. */
  | 'allow-all'
  /** Every destination is allowed on some ports beyond DNS (e.g. 443 to anywhere). */
  | 'open-ports'
  /** Egress is limited to listed destinations (and DNS), or denied. */
  | 'restricted';

export interface EgressAssessment {
  verdict: EgressVerdict;
  /** Names of the NetworkPolicies that select the pods and restrict egress. */
  policies: string[];
  /** Index (in the list given) of each selecting policy, for locating it. */
  policyIndexes: number[];
  /** Names of NetworkPolicies that select the pods for ingress only. */
  ingressOnly: string[];
  /** For `allow-all` and `open-ports`: the policy and rule that opens egress, and its ports. */
  opening?: { policy: string; index: number; rule: number; ports: string[] };
}

/**
 * The egress posture of pods with these labels in this namespace, from the NetworkPolicies
 * given. Policies are additive: one rule that allows everything opens egress, whatever the others
 * deny. A policy with the Egress type and no rules denies all egress (`restricted`).
 */
export function assessEgress(
  objects: KubernetesObject[],
  namespace: string,
  podLabels: Record<string, string>,
): EgressAssessment {
  const selecting = objects
    .map((object, index) => ({ object, index }))
    .filter(
      ({ object }) =>
        object.kind === 'NetworkPolicy' &&
        namespaceOf(object) === namespace &&
        selectorMatches(asRecord(object.spec).podSelector, podLabels),
    );
  const egress = selecting.filter(({ object }) => restrictsEgress(object));
  const assessment: EgressAssessment = {
    verdict: egress.length ? 'restricted' : 'none',
    policies: egress.map(({ object }) => nameOf(object)),
    policyIndexes: egress.map(({ index }) => index),
    ingressOnly: selecting.filter(s => !egress.includes(s)).map(({ object }) => nameOf(object)),
  };
  for (const { object, index } of egress) {
    const rules = asArray(asRecord(object.spec).egress);
    for (const [ruleIndex, rule] of rules.entries()) {
      const { reach, ports } = ruleReach(rule);
      const opening = { policy: nameOf(object), index, rule: ruleIndex, ports };
      if (reach === 'anywhere') return { ...assessment, verdict: 'allow-all', opening };
      if (
        reach === 'anywhere-on-ports' &&
        ports.some(p => !DNS_PORTS.has(p.toLowerCase())) &&
        assessment.verdict === 'restricted'
      ) {
        assessment.verdict = 'open-ports';
        assessment.opening = opening;
      }
    }
  }
  return assessment;
}
