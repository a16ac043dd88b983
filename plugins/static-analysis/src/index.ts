/**
 * Static analysis behind security-posture, usable without a Backstage backend: the scaffolder
 * template analyser, the secret and sensitive-reference detectors, lockfile parsing, advisory
 * matching and the Kubernetes posture of the Backstage workload. Pure functions over parsed files
 * and catalog data: no I/O, no clock.
 */

// Scaffolder templates: taint analysis over the action model, scores, diagnostics.
export * from './templates/analyzeTemplate';
export { analyzeTemplateSource } from './templates/templateSource';
export type { SourceDocumentAnalysis } from './templates/templateSource';
export { TEMPLATE_RULES } from './templates/rules';
export type { TemplateRule } from './templates/rules';
export {
  scoreTemplate,
  SEVERITY_POINTS,
  REPEAT_FACTOR,
} from './templates/scoring';
export type {
  PermissionGating,
  ScoredFinding,
  TemplateScore,
} from './templates/scoring';
export {
  BUILT_IN_SINKS,
  matchesAction,
  matchesInput,
  SINK_KINDS,
  SinkRegistry,
} from './templates/sinks';
export type {
  ActionTraits,
  CredentialModel,
  InstalledAction,
  SinkDefinition,
  SinkKind,
  SinkMatch,
} from './templates/sinks';
export { ACTION_MODELS, actionModelOf } from './templates/actionModel';
export type { ActionInputModel, ActionModel } from './templates/actionModel';
export {
  scaffolderConfinement,
  WORKSPACE_ESCAPE_ADVISORIES,
} from './templates/scaffolderVersion';
export type { ScaffolderConfinement } from './templates/scaffolderVersion';
export { ciValuesOfSkeleton } from './templates/skeletonWorkflows';
export type {
  CiTemplateValues,
  SkeletonFile,
} from './templates/skeletonWorkflows';

// Secrets and sensitive references in catalog data and text.
export { detectSecrets, MAX_DETECTION_LENGTH } from './secrets/secretDetectors';
export type { SecretMatch } from './secrets/secretDetectors';
export { lowerCaseEn } from './secrets/text';
export * from './references/sensitiveReferences';

// Lockfiles and advisories.
export * from './advisories/lockfile';
export * from './advisories/dependencyPaths';
export * from './advisories/advisories';

// Detections over Backstage auditor events: rules as data and a sliding-window evaluator.
export * from './detections';

// Kubernetes: the Backstage workloads of manifests or of the API, and their posture.
export * from './kubernetes';
