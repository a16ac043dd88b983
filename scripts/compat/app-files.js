'use strict';
/*
 * The files of a throwaway Backstage app (npm workspaces packages/app + packages/backend) for one release, modelled
 * on what @backstage/create-app of that release generates (legacy frontend system app, new backend system), cut to
 * what the compat test needs: catalog, guest sign-in, permissions with the allow-all policy, and our plugins.
 */

const BACKEND_PLUGIN = '@security-posture/plugin-security-posture-backend';
const FRONTEND_PLUGIN = '@security-posture/plugin-security-posture';

/** Exact pin of a @backstage package from the release set (throws when the set lacks it). */
function pinOf(pins, name) {
  if (!pins[name])
    throw new Error(`the release set has no version for ${name}`);
  return pins[name];
}

function deps(pins, names) {
  return Object.fromEntries(names.map(n => [n, pinOf(pins, n)]));
}

/**
 * @param {object} o
 * @param {string} o.release  e.g. "1.45.0"
 * @param {Record<string,string>} o.pins  exact @backstage/* versions of the release
 * @param {Array<{name: string, version: string, spec: string}>} o.packs  our tarballs (spec: "file:packs/x.tgz")
 * @param {number} o.port  backend port
 */
function appFiles({ release, pins, packs, port }) {
  const ours = Object.fromEntries(packs.map(p => [p.name, p.version]));
  const hasBackend = Boolean(ours[BACKEND_PLUGIN]);
  const hasFrontend = Boolean(ours[FRONTEND_PLUGIN]);
  const files = {};
  const json = v => `${JSON.stringify(v, null, 2)}\n`;

  // ---- root --------------------------------------------------------------------------------------------------
  const rootDev = {
    '@backstage/cli': pinOf(pins, '@backstage/cli'),
    'node-gyp': '^10.0.0',
    typescript: '~5.8.0',
  };
  if (pins['@backstage/cli-defaults']) {
    // since the modular CLI (1.49+), create-app's root lists cli-defaults and the jest 30 set
    Object.assign(rootDev, {
      '@backstage/cli-defaults': pins['@backstage/cli-defaults'],
      '@jest/environment-jsdom-abstract': '~30.2.0',
      '@types/jest': '^30.0.0',
      jest: '~30.2.0',
      jsdom: '^27.1.0',
    });
  }
  // Our tarballs are root dependencies (standing in for the registry) and every reference to them anywhere in the
  // tree is overridden to those tarballs ("$name" = the root's spec).
  const rootDeps = Object.fromEntries(packs.map(p => [p.name, p.spec]));
  const overrides = {
    ...pins,
    '@types/react': '^18',
    '@types/react-dom': '^18',
    ...Object.fromEntries(packs.map(p => [p.name, `$${p.name}`])),
  };
  files['package.json'] = json({
    name: `security-posture-compat-${release}`,
    version: '1.0.0',
    private: true,
    engines: { node: '20 || 22 || 24' },
    workspaces: ['packages/*'],
    scripts: { tsc: 'tsc' },
    dependencies: rootDeps,
    devDependencies: rootDev,
    overrides,
  });
  files['.npmrc'] = 'legacy-peer-deps=true\n';
  files['backstage.json'] = json({ version: release });
  files['tsconfig.json'] = json({
    extends: '@backstage/cli/config/tsconfig.json',
    include: ['packages/*/src', 'packages/*/config.d.ts'],
    exclude: ['node_modules'],
    compilerOptions: { outDir: 'dist-types', rootDir: '.', jsx: 'react-jsx' },
  });
  files['app-config.yaml'] = `app:
  title: security-posture compat ${release}
  baseUrl: http://localhost:3000

organization:
  name: Compat

backend:
  baseUrl: http://localhost:${port}
  listen:
    port: ${port}
  csp:
    connect-src: ["'self'", 'http:', 'https:']
  cors:
    origin: http://localhost:3000
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
  database:
    client: better-sqlite3
    connection: ':memory:'

auth:
  environment: development
  providers:
    guest: {}

permission:
  enabled: true

catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Group, User, Template]
  locations:
    - type: file
      target: ../../examples/entities.yaml

securityPosture:
  # the test starts its scan itself
  schedule:
    frequency: { hours: 24 }
    timeout: { minutes: 10 }
    initialDelay: { hours: 1 }
  checks:
    plugins:
      inventory:
        options:
          # The test machines reach only the npm registry, so the app is set up as an air-gapped
          # deployment is (README): OSV off, advisories from the bundled dataset. With OSV on and
          # unreachable the scan would be partial, by design.
          advisorySources:
            osv:
              enabled: false
`;
  files['examples/entities.yaml'] = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: guests
spec:
  type: team
  children: []
  members: [guest]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: guest
spec:
  memberOf: [guests]
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: examples
spec:
  owner: guests
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: example-website
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: website
  lifecycle: experimental
  owner: guests
  system: examples
  providesApis: [example-grpc-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: example-grpc-api
spec:
  type: grpc
  lifecycle: experimental
  owner: guests
  system: examples
  definition: |
    syntax = "proto3";
    service Exampler { rpc Example (ExampleMessage) returns (ExampleMessage) {}; }
    message ExampleMessage { string example = 1; };
`;

  // ---- backend -----------------------------------------------------------------------------------------------
  const backendDeps = deps(pins, [
    '@backstage/backend-defaults',
    '@backstage/config',
    '@backstage/plugin-auth-backend',
    '@backstage/plugin-auth-backend-module-guest-provider',
    '@backstage/plugin-auth-node',
    '@backstage/plugin-catalog-backend',
    '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
    '@backstage/plugin-permission-backend',
    '@backstage/plugin-permission-backend-module-allow-all-policy',
    '@backstage/plugin-permission-common',
    '@backstage/plugin-permission-node',
  ]);
  if (hasBackend) backendDeps[BACKEND_PLUGIN] = `^${ours[BACKEND_PLUGIN]}`;
  Object.assign(backendDeps, {
    'better-sqlite3': '^12.0.0',
    'node-gyp': '^10.0.0',
  });
  files['packages/backend/package.json'] = json({
    name: 'backend',
    version: '0.0.0',
    main: 'dist/index.cjs.js',
    types: 'src/index.ts',
    private: true,
    backstage: { role: 'backend' },
    scripts: { start: 'backstage-cli package start' },
    dependencies: backendDeps,
    devDependencies: { '@backstage/cli': pinOf(pins, '@backstage/cli') },
  });
  files[
    'packages/backend/src/index.ts'
  ] = `import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

// auth plugin, with the guest provider
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);
${
  hasBackend
    ? `
// security posture
backend.add(import('${BACKEND_PLUGIN}'));
`
    : ''
}
backend.start();
`;

  // ---- app ---------------------------------------------------------------------------------------------------
  const appDeps = deps(pins, [
    '@backstage/app-defaults',
    '@backstage/catalog-model',
    '@backstage/cli',
    '@backstage/core-app-api',
    '@backstage/core-components',
    '@backstage/core-plugin-api',
    '@backstage/plugin-catalog',
    '@backstage/plugin-catalog-react',
    '@backstage/theme',
    '@backstage/ui',
  ]);
  if (hasFrontend) appDeps[FRONTEND_PLUGIN] = `^${ours[FRONTEND_PLUGIN]}`;
  Object.assign(appDeps, {
    '@material-ui/core': '^4.12.2',
    '@material-ui/icons': '^4.9.1',
    react: '^18.0.2',
    'react-dom': '^18.0.2',
    'react-router': '^6.3.0',
    'react-router-dom': '^6.3.0',
  });
  files['packages/app/package.json'] = json({
    name: 'app',
    version: '0.0.0',
    private: true,
    bundled: true,
    backstage: { role: 'frontend' },
    scripts: {
      start: 'backstage-cli package start',
      build: 'backstage-cli package build',
    },
    dependencies: appDeps,
    devDependencies: { '@types/react': '^18', '@types/react-dom': '^18' },
    browserslist: {
      production: ['>0.2%', 'not dead', 'not op_mini all'],
      development: [
        'last 1 chrome version',
        'last 1 firefox version',
        'last 1 safari version',
      ],
    },
    files: ['dist'],
  });
  files['packages/app/public/index.html'] = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title><%= config.getOptionalString('app.title') ?? 'Backstage' %></title>
  </head>
  <body>
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
  </body>
</html>
`;
  files['packages/app/src/index.tsx'] = `import '@backstage/cli/asset-types';
import ReactDOM from 'react-dom/client';
import App from './App';
import '@backstage/ui/css/styles.css';

ReactDOM.createRoot(document.getElementById('root')!).render(<App />);
`;
  files[
    'packages/app/src/App.tsx'
  ] = `import { Navigate, Route } from 'react-router-dom';
import {
  CatalogEntityPage,
  CatalogIndexPage,
} from '@backstage/plugin-catalog';
import {
  AlertDisplay,
  OAuthRequestDialog,
  SignInPage,
} from '@backstage/core-components';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';
${
  hasFrontend ? `import { SecurityPage } from '${FRONTEND_PLUGIN}';\n` : ''
}import { entityPage } from './components/catalog/EntityPage';
import { Root } from './components/Root';

const app = createApp({
  components: {
    SignInPage: props => <SignInPage {...props} auto providers={['guest']} />,
  },
});

const routes = (
  <FlatRoutes>
    <Route path="/" element={<Navigate to="catalog" />} />
    <Route path="/catalog" element={<CatalogIndexPage />} />
    <Route
      path="/catalog/:namespace/:kind/:name"
      element={<CatalogEntityPage />}
    >
      {entityPage}
    </Route>
${
  hasFrontend
    ? '    <Route path="/security" element={<SecurityPage />} />\n'
    : ''
}  </FlatRoutes>
);

export default app.createRoot(
  <>
    <AlertDisplay />
    <OAuthRequestDialog />
    <AppRouter>
      <Root>{routes}</Root>
    </AppRouter>
  </>,
);
`;
  files[
    'packages/app/src/components/Root/index.ts'
  ] = `export { Root } from './Root';\n`;
  files[
    'packages/app/src/components/Root/Root.tsx'
  ] = `import { PropsWithChildren } from 'react';
import HomeIcon from '@material-ui/icons/Home';
${
  hasFrontend ? "import SecurityIcon from '@material-ui/icons/Security';\n" : ''
}import {
  Sidebar,
  SidebarGroup,
  SidebarItem,
  SidebarPage,
} from '@backstage/core-components';

export const Root = ({ children }: PropsWithChildren<{}>) => (
  <SidebarPage>
    <Sidebar>
      <SidebarGroup label="Menu">
        <SidebarItem icon={HomeIcon} to="catalog" text="Home" />
${
  hasFrontend
    ? '        <SidebarItem icon={SecurityIcon} to="security" text="Security" />\n'
    : ''
}      </SidebarGroup>
    </Sidebar>
    {children}
  </SidebarPage>
);
`;
  files[
    'packages/app/src/components/catalog/EntityPage.tsx'
  ] = `import Grid from '@material-ui/core/Grid';
import { EntityAboutCard, EntityLayout } from '@backstage/plugin-catalog';
${
  hasFrontend
    ? `import { EntitySecurityContent } from '${FRONTEND_PLUGIN}';\n`
    : ''
}
export const entityPage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      <Grid container spacing={3}>
        <Grid item md={6}>
          <EntityAboutCard />
        </Grid>
      </Grid>
    </EntityLayout.Route>
${
  hasFrontend
    ? `    <EntityLayout.Route path="/security" title="Security">
      <EntitySecurityContent />
    </EntityLayout.Route>
`
    : ''
}  </EntityLayout>
);
`;

  // ---- the declarations check: our packages' .d.ts against this release's types ------------------------------
  const entries = [];
  for (const p of packs) {
    for (const sub of p.typedEntryPoints)
      entries.push(
        sub === '.' ? p.name : `${p.name}/${sub.replace(/^\.\//, '')}`,
      );
  }
  files['compat-types/index.ts'] = `${entries
    .map((e, i) => `export * as entry${i} from '${e}';`)
    .join('\n')}\n`;
  files['tsconfig.compat-types.json'] = json({
    extends: './tsconfig.json',
    include: ['compat-types'],
    compilerOptions: {
      skipLibCheck: false,
      noEmit: true,
      emitDeclarationOnly: false,
      declaration: false,
      incremental: false,
    },
  });
  return { files, hasBackend, hasFrontend, entries };
}

module.exports = { appFiles, BACKEND_PLUGIN, FRONTEND_PLUGIN };
