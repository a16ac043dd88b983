import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { authChecks } from './auth';
import { catalogChecks } from './catalog';
import { permissionsChecks } from './permissions';
import { pluginsChecks } from './plugins';
import { runtimeChecks } from './runtime';
import { templatesChecks } from './templates';

/** Checks that ship with security-posture, one list per family (each family's index.ts). */
export const builtInChecks: SecurityCheck[] = [
  ...authChecks,
  ...permissionsChecks,
  ...pluginsChecks,
  ...templatesChecks,
  ...catalogChecks,
  ...runtimeChecks,
];

// The backend plugin registers these; offline tools such as the CLI (`@security-posture/cli`) run
// the same checks over files, with the same finding factory (the one place that masks secrets)
// and override resolution. The pure analysis they are built on is `@security-posture/static-analysis`.
export {
  authChecks,
  catalogChecks,
  permissionsChecks,
  pluginsChecks,
  runtimeChecks,
  templatesChecks,
};
export { loadPackagedBundledData } from './plugins/PluginAnalysisService';
// The CLI asks the same live source, and attributes findings the same way, as the plugins checks.
export { OsvCache, osvAdvisorySource } from './plugins/osvSource';
export type { LiveAdvisorySource, LiveAnswer } from './plugins/advisorySources';
export { isPluginName, pathText } from './plugins/attribution';
export { BUNDLED_ADVISORIES_MAX_AGE_DAYS } from './plugins/analysis';
// The CLI hands the Kubernetes manifests it scans to the runtime/k8s-* checks through this option.
export {
  KUBERNETES_MANIFEST_CHECK_IDS,
  MANIFESTS_OPTION,
} from './runtime/kubernetes';
export type { LocatedObject } from './runtime/kubernetes';
export { FindingFactory } from './engine/FindingFactory';
export { EventLoopTurns, yieldToEventLoop } from './engine/eventLoopTurns';
export type { NewFinding } from './engine/FindingFactory';
export { CheckRegistry } from './engine/CheckRegistry';
export { stableHash, stableJson } from './engine/stableHash';
export { digestText } from './engine/digest';
export { entityContentHash } from './engine/entityContentHash';
export type { ResolvedCheck } from './engine/CheckRegistry';
export {
  countOutcomes,
  emptyCounts,
  evaluateEntityCheck,
  findingsDigest,
  joinFindingsDigests,
  splitFindingsDigests,
  TimeoutError,
  withOverride,
  withTimeout,
} from './engine/entityEvaluation';
export type {
  EntityCheckEvaluation,
  EntityCheckSettings,
  OutcomeCounts,
} from './engine/entityEvaluation';
// Entity checks evaluated in worker threads; `runEntityEvaluationWorker` is the workers' body.
export {
  defaultEvaluationWorkers,
  EntityEvaluationPool,
} from './engine/workers/EntityEvaluationPool';
export { CatalogPageReadError } from './engine/workers/poolWorker';
export { DEFAULT_WORKER_NICENESS } from './engine/workers/threadPriority';
export { runEntityEvaluationWorker } from './engine/workers/evaluationWorker';
export { EvaluationResults } from './engine/workers/packedEvaluations';
export { plannedAppliesTo } from './engine/workers/catalogPageReading';
export type {
  EvaluationItem,
  EvaluationSession,
  HeldCatalogPage,
} from './engine/workers/EntityEvaluationPool';
export type {
  CatalogPageRequest,
  HeldPageItem,
  ReadEntity,
} from './engine/workers/protocol';
