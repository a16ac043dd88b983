import {
  CheckResult,
  createSecurityCheck,
  SecurityCheckContext,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import { KubernetesSubject, manifestSubject, NoSubject, noWorkload } from './subject';

/** Reads the backend's own pod and its namespace's policies from the API, when in a cluster. */
export type ClusterLoader = (context: SecurityCheckContext) => Promise<KubernetesSubject | NoSubject>;

/**
 * The subject of a `runtime/k8s-*` check: the manifests the CLI handed over, else the running
 * pod read from the API (in the portal, when in a cluster); else a result saying why there is none.
 */
export async function resolveSubject(
  context: SecurityCheckContext,
  cluster: ClusterLoader,
): Promise<KubernetesSubject | CheckResult> {
  const subject = manifestSubject(context.options) ?? (await cluster(context));
  if ('notApplicable' in subject) {
    return { outcome: 'notApplicable', target: { type: 'deployment' }, message: subject.notApplicable };
  }
  if ('error' in subject) {
    return { outcome: 'error', target: { type: 'deployment' }, message: subject.error };
  }
  return noWorkload(subject) ?? subject;
}

/** A check over the Backstage workloads of manifests or of the cluster. */
export function createKubernetesCheck(
  meta: SecurityCheckMeta,
  evaluate: (subject: KubernetesSubject, context: SecurityCheckContext) => Promise<CheckResult[]> | CheckResult[],
  cluster: ClusterLoader,
) {
  return createSecurityCheck({
    meta,
    async run(context) {
      const subject = await resolveSubject(context, cluster);
      if ('outcome' in subject) return [subject];
      return evaluate(subject, context);
    },
  });
}
