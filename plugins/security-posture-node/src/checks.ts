import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import {
  CheckOutcome,
  FindingCategory,
  FindingEvidence,
  FindingTarget,
  RemediationSnippet,
  Severity,
} from '@security-posture/plugin-security-posture-common';

/** What every check declares about itself. */
export interface SecurityCheckMeta {
  /** `<category>/<kebab-name>`, e.g. `auth/guest-outside-development`. */
  id: string;
  /**
   * The version of the check's logic, a positive integer (default 1). Bump it whenever a change
   * can alter the results for the same input (a new rule, a fixed false positive, a changed
   * message or severity): incremental scans re-evaluate an entity only when the entity, or the
   * version or configuration of a check that evaluates it, changed since the last pass.
   */
  version?: number;
  title: string;
  category: FindingCategory;
  defaultSeverity: Severity;
  description: string;
  /** What to do about a failure; shown beside every finding of the check. */
  remediation: string;
  /**
   * Copyable fixes where the fix is mechanical (the app-config keys to set, a line of code):
   * shown with the findings they fit (`configPaths`). Real keys only: the built-in ones are
   * checked against the installed Backstage packages' config schemas.
   */
  remediationSnippets?: RemediationSnippet[];
  docsUrl?: string;
}

/**
 * A secret that a check found. The engine turns it into a mask and a fingerprint before anything
 * is stored, logged or returned, and scrubs the raw value from the rest of the result: checks
 * never mask on their own.
 */
export interface DetectedSecret {
  value: string;
  /** e.g. `aws-access-key-id`, `github-token`. */
  kind: string;
}

/** One observation of a check. Only `fail` and `error` results become findings. */
export interface CheckResult {
  outcome: CheckOutcome;
  target: FindingTarget;
  location?: string;
  /** Defaults to the check's title. */
  title?: string;
  message: string;
  /** Defaults to the check's (possibly overridden) severity. */
  severity?: Severity;
  evidence?: FindingEvidence;
  secret?: DetectedSecret;
  /**
   * The catalog entity the result is about, when a deployment-wide check reads entities itself
   * (the template check streams `kind: Template`): the finding then carries the entity's ref,
   * kind and owners (`spec.owner` and its `ownedBy` relations), exactly like a finding of an
   * entity check, so kind and owner filters, visibility rules and exports treat it the same.
   * Entity checks need not set it: the engine knows their entity.
   */
  entity?: Entity;
}

/** Read access to the catalog, paged so a check never holds the whole catalog in memory. */
export interface CheckCatalogAccess {
  /** Yields pages of entities matching an optional catalog filter, e.g. `{ kind: 'Template' }`. */
  streamEntities(options?: {
    filter?: Record<string, string | string[]>;
    pageSize?: number;
  }): AsyncIterable<Entity[]>;
}

/** Installed plugins of this backend instance (root instance metadata). */
export interface CheckInstanceMetadata {
  getInstalledPlugins(): Promise<
    ReadonlyArray<{ pluginId: string; modules: ReadonlyArray<{ moduleId: string }> }>
  >;
}

/** Backend services a check may use, beyond config and the catalog. */
export interface CheckServices {
  /** The plugin's own auth service: service credentials and plugin request tokens. */
  auth: AuthService;
  discovery: DiscoveryService;
  /** `fetch` for probes and registries; tests replace it. */
  fetch: typeof fetch;
  /**
   * The deployment's permission policy, when the adopter registered it for evaluation through
   * {@link SecurityPostureChecksExtensionPoint.addPolicyForEvaluation}; Backstage gives a plugin
   * no other way to ask what the policy decides for a principal it cannot sign in as.
   */
  permissionPolicy?: PermissionPolicy;
}

export interface SecurityCheckContext {
  /** The root config of the deployment. */
  config: Config;
  logger: LoggerService;
  catalog: CheckCatalogAccess;
  instanceMetadata: CheckInstanceMetadata;
  services: CheckServices;
  /** Aborted when the check runs past its timeout or the scan is cancelled. */
  signal: AbortSignal;
  /** Check-specific options from `securityPosture.checks.<category>.<name>.options`. */
  options: Config;
  /**
   * Publishes structured data for the UI and for other checks (a matrix, an inventory, scores),
   * under a kebab-case key. It replaces what the check published under that key when the run
   * completes without error; an errored run keeps the previous data. The engine scrubs secrets.
   */
  publish(key: string, data: JsonValue): void;
  /** The latest data another check published (this scan's if it already ran), if any. */
  getPublished(checkId: string, key: string): Promise<JsonValue | undefined>;
}

/** A check that runs once per scan over deployment-wide data (config, probes, packages). */
export interface DeploymentSecurityCheck {
  meta: SecurityCheckMeta;
  scope: 'deployment';
  run(context: SecurityCheckContext): Promise<CheckResult[]>;
}

/**
 * A check that looks at one catalog entity at a time. The engine streams the catalog once per
 * scan and hands every entity to every entity check, so adding one costs no extra catalog pass.
 */
export interface EntitySecurityCheck {
  meta: SecurityCheckMeta;
  scope: 'entity';
  /** Cheap pre-filter; entities it rejects are not evaluated. */
  appliesTo?(entity: Entity): boolean;
  evaluate(entity: Entity, context: EntityCheckContext): Promise<CheckResult[]> | CheckResult[];
  /**
   * What the results depend on besides the entity, the check's version and its own options
   * (`securityPosture.checks.<id>.options`): other config keys, data other checks published.
   * Read once per scan and hashed; when it changes, every entity the check applies to is
   * evaluated again. Without it, such inputs are only picked up by the periodic full pass.
   */
  evaluationInputs?(context: EntityCheckContext): Promise<JsonValue> | JsonValue;
  /**
   * Where an evaluation worker thread loads this check from, so the catalog pass evaluates it
   * off the backend's event loop. Only for checks whose `evaluate` needs nothing but the entity,
   * `config`, `options`, `logger` and `signal` (no services, instance metadata or published
   * data): the worker's context has no others. Without it, the check runs on the main thread.
   */
  workerModule?: CheckWorkerModule;
}

/**
 * A module a worker thread can `require` (a package name or an absolute path) and the name of
 * its export holding the check, or an array of checks in which it is found by id.
 */
export interface CheckWorkerModule {
  module: string;
  exportName: string;
}

/** What an entity check sees: no catalog stream (it is inside one) and nothing to publish. */
export type EntityCheckContext = Omit<SecurityCheckContext, 'catalog' | 'publish'>;

export type SecurityCheck = DeploymentSecurityCheck | EntitySecurityCheck;

const CHECK_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\/[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function validateMeta(meta: SecurityCheckMeta) {
  if (!CHECK_ID.test(meta.id)) {
    throw new Error(
      `Invalid security check id '${meta.id}': expected '<category>/<kebab-name>'`,
    );
  }
  if (!meta.id.startsWith(`${meta.category}/`)) {
    throw new Error(
      `Security check id '${meta.id}' must start with its category '${meta.category}/'`,
    );
  }
  if (meta.version !== undefined && !(Number.isInteger(meta.version) && meta.version >= 1)) {
    throw new Error(`Security check '${meta.id}' has version ${meta.version}: expected a positive integer`);
  }
  for (const field of ['title', 'description', 'remediation'] as const) {
    if (!meta[field]?.trim()) {
      throw new Error(`Security check '${meta.id}' has no ${field}`);
    }
  }
  for (const snippet of meta.remediationSnippets ?? []) {
    if (!snippet.title?.trim() || !snippet.code?.trim()) {
      throw new Error(`Security check '${meta.id}' has a remediation snippet without title or code`);
    }
    if (!['yaml', 'typescript', 'shell'].includes(snippet.language)) {
      throw new Error(
        `Security check '${meta.id}' has a remediation snippet in '${snippet.language}': expected yaml, typescript or shell`,
      );
    }
  }
}

/** Declares a deployment-wide check. Validates its metadata eagerly. */
export function createSecurityCheck(check: {
  meta: SecurityCheckMeta;
  run(context: SecurityCheckContext): Promise<CheckResult[]>;
}): DeploymentSecurityCheck {
  validateMeta(check.meta);
  return { ...check, scope: 'deployment' };
}

/** Declares a per-entity check. Validates its metadata eagerly. */
export function createEntitySecurityCheck(check: {
  meta: SecurityCheckMeta;
  appliesTo?(entity: Entity): boolean;
  evaluate(entity: Entity, context: EntityCheckContext): Promise<CheckResult[]> | CheckResult[];
  evaluationInputs?(context: EntityCheckContext): Promise<JsonValue> | JsonValue;
  workerModule?: CheckWorkerModule;
}): EntitySecurityCheck {
  validateMeta(check.meta);
  return { ...check, scope: 'entity' };
}
