import { RemediationSnippet } from '@security-posture/plugin-security-posture-common';

/*
 * Copyable fixes of the config checks. Every YAML key is a real Backstage config key:
 * remediationSnippets.test.ts checks each against the config schemas of the installed Backstage
 * packages (backend-defaults, auth-backend, the guest provider, permission-common), and the
 * sign-in resolver keys against the provider modules' config.d.ts (google provider).
 */

const PRODUCTION_CONFIG = 'app-config.production.yaml';
const BACKEND_INDEX = 'packages/backend/src/index.ts';

export const AUDIT_EVENTS_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Log every audit severity at a level the logger keeps',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.auditor.severityLogLevelMappings', 'backend.logger.level'],
    code: `backend:
  auditor:
    severityLogLevelMappings:
      low: info
      medium: info
      high: warn
      critical: error
  logger:
    level: info
`,
  },
];

export const DEVELOPMENT_ENVIRONMENT_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Use the production auth environment (provider settings under its name)',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['auth.environment'],
    code: `auth:
  environment: production
  providers:
    google:
      production:
        clientId: \${AUTH_GOOGLE_CLIENT_ID}
        clientSecret: \${AUTH_GOOGLE_CLIENT_SECRET}
`,
  },
  {
    title: 'Start the deployed backend with NODE_ENV=production',
    language: 'shell',
    code: `NODE_ENV=production node packages/backend --config app-config.yaml --config ${PRODUCTION_CONFIG}
`,
  },
];

export const GUEST_OUTSIDE_DEVELOPMENT_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Do not let guests sign in outside development',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['auth.providers.guest'],
    code: `auth:
  providers:
    guest:
      dangerouslyAllowOutsideDevelopment: false
`,
  },
  {
    title: 'Better: leave the guest provider out of deployed backends',
    language: 'typescript',
    file: BACKEND_INDEX,
    configPaths: ['auth.providers.guest'],
    code: `// Remove from deployed backends:
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
`,
  },
];

export const CORS_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Allow only your app origin',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.cors'],
    code: `backend:
  cors:
    origin: https://backstage.example.com
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
`,
  },
];

export const CSP_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'List the hosts the app talks to instead of any host',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.csp'],
    code: `backend:
  csp:
    # no 'false' entries, no http: / https: / * sources
    connect-src: ["'self'", 'https://api.github.com']
`,
  },
];

export const READING_ALLOW_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Allow URL reading from exact hosts, with paths on shared hosts',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.reading.allow'],
    code: `backend:
  reading:
    allow:
      - host: github.com
        paths: [/your-org/]
      - host: docs.example.com
`,
  },
];

export const PLAIN_HTTP_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Serve Backstage over https',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['app.baseUrl', 'backend.baseUrl'],
    code: `app:
  baseUrl: https://backstage.example.com
backend:
  baseUrl: https://backstage.example.com
`,
  },
];

const RESTRICTED_STATIC_TOKEN = `backend:
  auth:
    externalAccess:
      - type: static
        options:
          token: \${CI_CATALOG_TOKEN}
          subject: ci-catalog-reader
        accessRestrictions:
          - plugin: catalog
            permissionAttribute:
              action: read
`;

export const DEFAULT_AUTH_POLICY_SNIPPETS: RemediationSnippet[] = [
  {
    title:
      'Remove dangerouslyDisableDefaultAuthPolicy; give callers outside Backstage their own restricted token',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.auth.dangerouslyDisableDefaultAuthPolicy'],
    code: RESTRICTED_STATIC_TOKEN,
  },
];

export const EXTERNAL_ACCESS_SNIPPETS: RemediationSnippet[] = [
  {
    title: "Short-lived tokens from your identity provider, limited to what the caller needs",
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.auth.externalAccess'],
    code: `backend:
  auth:
    externalAccess:
      - type: jwks
        options:
          url: https://idp.example.com/.well-known/jwks.json
          issuer: https://idp.example.com
          audience: backstage
        accessRestrictions:
          - plugin: catalog
            permission: catalog.entity.read
`,
  },
];

export const LEGACY_KEYS_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Replace backend.auth.keys with a restricted external access token',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['backend.auth.keys'],
    code: RESTRICTED_STATIC_TOKEN,
  },
];

export const SIGN_IN_RESOLVER_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Sign in only users of the catalog (no dangerouslyAllowSignInWithoutUserInCatalog)',
    language: 'yaml',
    file: PRODUCTION_CONFIG,
    configPaths: ['auth.providers'],
    code: `auth:
  providers:
    google:
      production:
        clientId: \${AUTH_GOOGLE_CLIENT_ID}
        clientSecret: \${AUTH_GOOGLE_CLIENT_SECRET}
        signIn:
          resolvers:
            - resolver: emailMatchingUserEntityProfileEmail
            - resolver: emailLocalPartMatchingUserEntityName
              allowedDomains: [example.com]
`,
  },
];

export const PERMISSION_FRAMEWORK_SNIPPETS: RemediationSnippet[] = [
  {
    title: 'Turn the permission framework on',
    language: 'yaml',
    file: 'app-config.yaml',
    configPaths: ['permission.enabled'],
    code: `permission:
  enabled: true
`,
  },
  {
    title: 'Install the permission backend with your policy module',
    language: 'typescript',
    file: BACKEND_INDEX,
    configPaths: ['permission.enabled'],
    code: `backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./modules/permissionPolicy')); // your policy module
`,
  },
];
