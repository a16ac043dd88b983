import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import {
  DEFAULT_AUTH_POLICY_SNIPPETS,
  EXTERNAL_ACCESS_SNIPPETS,
  LEGACY_KEYS_SNIPPETS,
} from './remediationSnippets';

const DISABLE_POLICY = 'backend.auth.dangerouslyDisableDefaultAuthPolicy';
const EXTERNAL_ACCESS = 'backend.auth.externalAccess';
const LEGACY_KEYS = 'backend.auth.keys';
/** Where each long-lived external access type keeps its secret. */
const SECRET_FIELD: Record<string, string | undefined> = { static: 'token', legacy: 'secret' };

/** Without the default auth policy, unauthenticated requests reach every plugin's routes. */
export const defaultAuthPolicyDisabledCheck = createSecurityCheck({
  meta: {
    id: 'auth/default-auth-policy-disabled',
    version: 1,
    title: 'Default backend auth policy is disabled',
    category: 'auth',
    defaultSeverity: 'critical',
    description: `Reads \`${DISABLE_POLICY}\`. When true, the backend no longer refuses requests without a token: every plugin route is reachable anonymously, and only the permission policy (which then sees no user) stands in the way.`,
    remediation: `Remove \`${DISABLE_POLICY}\` (default false). Give callers outside Backstage their own credentials through \`${EXTERNAL_ACCESS}\` with \`accessRestrictions\`.`,
    remediationSnippets: DEFAULT_AUTH_POLICY_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/tutorials/auth-service-migration',
  },
  async run({ config }) {
    const disabled = config.getOptionalBoolean(DISABLE_POLICY) ?? false;
    return [
      {
        outcome: disabled ? 'fail' : 'pass',
        target: { type: 'config', path: DISABLE_POLICY },
        location: DISABLE_POLICY,
        message: disabled
          ? `${DISABLE_POLICY} is true: unauthenticated requests reach every plugin`
          : 'The default auth policy requires a user or service token on every plugin route',
        evidence: { [DISABLE_POLICY]: disabled },
      },
    ];
  },
});

/**
 * External access entries are credentials that outlive any user session. `static` tokens and
 * `legacy` shared secrets are long-lived bearer secrets in config; any entry without
 * `accessRestrictions` may call every plugin with service privileges (and service principals
 * are always ALLOWed by the permission framework).
 */
export const externalAccessCheck = createSecurityCheck({
  meta: {
    id: 'auth/external-access',
    version: 1,
    title: 'Unrestricted or long-lived external access credentials',
    category: 'auth',
    defaultSeverity: 'high',
    description: `Reads every \`${EXTERNAL_ACCESS}[]\` entry: \`static\` tokens and \`legacy\` shared secrets are long-lived bearer secrets in config, and an entry without \`accessRestrictions\` grants service access to every plugin (service principals bypass permission policies).`,
    remediation: `Give each \`${EXTERNAL_ACCESS}\` entry \`accessRestrictions\` naming only the plugins (and permissions) its caller needs; prefer \`type: jwks\` (short-lived tokens from your identity provider) over \`static\` and \`legacy\`; keep static tokens in environment variables and rotate them.`,
    remediationSnippets: EXTERNAL_ACCESS_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/auth/service-to-service-auth',
  },
  async run({ config }) {
    const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS) ?? [];
    if (!entries.length) {
      return [
        {
          outcome: 'pass',
          target: { type: 'config', path: EXTERNAL_ACCESS },
          location: EXTERNAL_ACCESS,
          message: 'No external access methods are configured',
          evidence: { entries: 0 },
        },
      ];
    }
    return entries.map((entry, index): CheckResult => {
      const path = `${EXTERNAL_ACCESS}[${index}]`;
      const type = entry.getOptionalString('type') ?? 'unknown';
      const restrictions = entry.getOptionalConfigArray('accessRestrictions') ?? [];
      const plugins = restrictions
        .map(r => r.getOptionalString('plugin'))
        .filter((p): p is string => Boolean(p));
      const subject =
        entry.getOptionalString('options.subject') ??
        entry.getOptionalString('options.subjectPrefix');
      const longLived = type === 'static' || type === 'legacy';
      const secretField = SECRET_FIELD[type];
      const secretValue = secretField
        ? entry.getOptionalString(`options.${secretField}`)
        : undefined;
      const evidence = {
        type,
        subject: subject ?? null,
        accessRestrictions: restrictions.length ? plugins : 'none (every plugin)',
        ...(secretField ? { secretField: `${path}.options.${secretField}` } : {}),
      };
      const problems: string[] = [];
      if (!restrictions.length)
        problems.push('has no accessRestrictions: it may call every plugin as a service');
      if (longLived) problems.push(`is a long-lived ${type} ${secretField} kept in config`);
      return {
        outcome: problems.length ? 'fail' : 'pass',
        target: { type: 'config', path },
        location: path,
        severity: restrictions.length ? 'medium' : 'high',
        title: restrictions.length
          ? `Long-lived ${type} external access credential`
          : `External access without accessRestrictions (${type})`,
        message: problems.length
          ? `${path} (${type}${subject ? `, subject ${subject}` : ''}) ${problems.join(' and ')}`
          : `${path} (${type}) is limited to ${plugins.join(', ') || 'the listed restrictions'}`,
        evidence,
        ...(problems.length && secretValue
          ? { secret: { value: secretValue, kind: `backstage-${type}-external-access` } }
          : {}),
      };
    });
  },
});

/** `backend.auth.keys` are the deprecated shared secrets of the old backend system. */
export const legacyBackendKeysCheck = createSecurityCheck({
  meta: {
    id: 'auth/legacy-backend-keys',
    version: 1,
    title: 'Deprecated shared backend keys are configured',
    category: 'auth',
    defaultSeverity: 'medium',
    description: `Reads \`${LEGACY_KEYS}\`: deprecated shared secrets with which anyone holding them can mint service tokens that every plugin accepts.`,
    remediation: `Remove \`${LEGACY_KEYS}\`. Plugins of the new backend system authenticate each other with generated keys; give external callers a \`${EXTERNAL_ACCESS}\` entry (\`type: jwks\` or \`static\`) with \`accessRestrictions\`.`,
    remediationSnippets: LEGACY_KEYS_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/auth/service-to-service-auth',
  },
  async run({ config }) {
    const keys = config.getOptionalConfigArray(LEGACY_KEYS) ?? [];
    return [
      {
        outcome: keys.length ? 'fail' : 'pass',
        target: { type: 'config', path: LEGACY_KEYS },
        location: LEGACY_KEYS,
        message: keys.length
          ? `${LEGACY_KEYS} holds ${keys.length} shared secret(s) that mint service tokens for every plugin`
          : `${LEGACY_KEYS} is not configured`,
        evidence: { keyCount: keys.length },
      },
    ];
  },
});
