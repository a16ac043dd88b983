import { SecurityCheckMeta } from '@security-posture/plugin-security-posture-node';

/**
 * Deployment checks of the auth and permissions families whose results depend on the app-config
 * only (and, where they read it, the installed-plugin list, which is unknown in CLI mode and
 * treated as such by the checks). They run when `--config` is given.
 */
export const CONFIG_ONLY_CHECKS: ReadonlySet<string> = new Set([
  'auth/guest-outside-development',
  'auth/development-environment',
  'auth/default-auth-policy-disabled',
  'auth/external-access',
  'auth/legacy-backend-keys',
  'auth/sign-in-resolvers',
  'auth/cors-wildcard',
  'auth/csp-weakened',
  'auth/reading-allow-wildcard',
  'auth/plain-http-base-url',
  'auth/audit-events-hidden',
  'permissions/framework-disabled',
]);

/** Deployment checks that need a running backend: skipped in CLI mode, with the reason. */
export const BACKEND_ONLY_CHECKS: Readonly<Record<string, string>> = {
  'auth/live-probes': 'probes the running backend over HTTP',
  'permissions/policy-coverage':
    "reads each installed plugin's permission metadata and evaluates the running policy",
  'permissions/allow-all-policy': 'evaluates the running permission policy',
  'plugins/inventory': "inventories the running backend's installed plugins",
  'plugins/live-data-unavailable': 'reports on live registry and advisory sources',
  'plugins/outdated-plugin': 'compares installed versions with the npm registry',
  'plugins/deprecated-package': 'reads deprecation notices from the npm registry',
  'plugins/unmaintained-community-plugin': 'reads release dates from the npm registry',
  'plugins/community-privileged-integration': "inventories the running backend's installed plugins",
  'plugins/duplicate-core-versions': "inventories the running backend's installed packages",
};

/** Entity checks whose answer depends on the deployment's config: they need `--config`. */
export const CONFIG_DEPENDENT_ENTITY_CHECKS: ReadonlySet<string> = new Set([
  'catalog/exposed-sensitive-entity',
]);

/** The template check: run for every `kind: Template` document. */
export const TEMPLATE_CHECK_ID = 'templates/template-risk';

/** Matched offline against lockfiles with the bundled advisory dataset. */
export const ADVISORY_CHECK_ID = 'plugins/known-vulnerability';

/** Checks of the CLI itself, about the files rather than their content. */
export const NOT_INSPECTED_CHECK: SecurityCheckMeta = {
  id: 'files/not-inspected',
  title: 'File not inspected',
  category: 'files',
  defaultSeverity: 'high',
  description:
    'A file that could not be read or is larger than the CLI inspects (64 MiB; 16 MiB for the YAML structure of a file): what it holds was not checked.',
  remediation:
    'Split the file, or check it by other means; a catalog or template file of this size is unusual.',
};

export const TEXT_SECRET_CHECK: SecurityCheckMeta = {
  id: 'files/secret-in-text',
  title: 'Secret in file text',
  category: 'files',
  defaultSeverity: 'high',
  description:
    'The raw text of every scanned file is searched with the catalog secret detectors: comments, keys, unparseable files, config files and fields the entity checks do not inspect. A credential in a YAML comment is still published in git. Values inside fields the entity and template checks inspect are left to them (they know the field and its context).',
  remediation:
    'Rotate the credential (it is in the git history), remove it from the file and its history, and read it from a secret store or an `${ENV_VAR}` substitution instead.',
  docsUrl: 'https://backstage.io/docs/conf/writing',
};

export const SUPPRESSION_EXPIRED_CHECK: SecurityCheckMeta = {
  id: 'files/suppression-expired',
  title: 'Suppression expired',
  category: 'files',
  defaultSeverity: 'info',
  description:
    'A suppression whose expiry date has passed no longer suppresses: the findings it covered are reported again.',
  remediation:
    'Fix the finding, or renew the suppression with a new expiry date and a reason that still holds.',
};

/**
 * The CLI's own checks. Parse problems are not among them: they are diagnostics
 * (`report.diagnostics`, `--fail-on-diagnostics`), not findings.
 */
export const CLI_CHECKS = [NOT_INSPECTED_CHECK, TEXT_SECRET_CHECK, SUPPRESSION_EXPIRED_CHECK];
