import { screen, within } from '@testing-library/react';
import {
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  findingsHandler,
  makeCheckData,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import {
  BLAST_RADIUS_CHECK_ID,
  BLAST_RADIUS_KEY,
  BlastRadiusData,
  CREDENTIAL_INVENTORY_CHECK_ID,
  CREDENTIALS_KEY,
  CredentialInventoryData,
  RuntimeView,
} from './RuntimeView';

jest.setTimeout(30_000);

const server = setupBackend();

const inventory: CredentialInventoryData = {
  configFilesFrom: '--config arguments',
  configFiles: 'app-config.yaml, dev/config/app-config.demo.yaml',
  credentials: [
    {
      path: 'integrations.github[0].apps[0].privateKey',
      kind: 'GitHub App private key',
      reach: 'push to repos',
      target: 'github.com',
      source: 'env',
      sourceDetail: '${GITHUB_APP_KEY}',
    },
    {
      path: 'backend.auth.externalAccess[0].options.token',
      kind: 'static external access token',
      reach: 'API access',
      target: 'ci',
      source: 'literal',
      sourceDetail: 'dev/config/app-config.demo.yaml',
    },
    {
      path: 'env:STRAY_API_TOKEN',
      kind: 'environment variable named like a credential, not referenced by config',
      reach: 'unknown',
      target: '',
      source: 'env',
      sourceDetail: 'STRAY_API_TOKEN',
    },
  ],
};

const blast: BlastRadiusData = {
  score: 9,
  plugins: 6,
  communityPlugins: '@roadiehq/backstage-plugin-argo-cd-backend',
  pluginsFrom: 'plugins/inventory',
  credentials: [
    {
      path: 'integrations.github[0].apps[0].privateKey',
      kind: 'GitHub App private key',
      reach: 'push to repos',
      reachWeight: 4,
      source: 'env',
      readableBy: 6,
      communityReaders: '@roadiehq/backstage-plugin-argo-cd-backend',
    },
  ],
};

const literalFinding = makeFinding({
  fingerprint: 'fp-literal',
  category: 'runtime',
  checkId: CREDENTIAL_INVENTORY_CHECK_ID,
  title: 'Literal credential in dev/config/app-config.demo.yaml',
  target: { type: 'config', path: 'backend.auth.externalAccess[0].options.token' },
  entityRef: undefined,
  owners: [],
});

describe('RuntimeView', () => {
  it('shows the blast radius, the credential inventory and the runtime findings', async () => {
    const requests: string[] = [];
    server.use(
      checksHandler,
      findingsHandler([literalFinding, makeFinding()], requests),
      checkDataHandler(makeCheckData(CREDENTIAL_INVENTORY_CHECK_ID, CREDENTIALS_KEY, inventory)),
      checkDataHandler(makeCheckData(BLAST_RADIUS_CHECK_ID, BLAST_RADIUS_KEY, blast)),
    );
    await renderWithBackend(<RuntimeView />);

    const radius = await screen.findByTestId('runtime-blast-radius');
    expect(within(radius).getByTestId('blast-radius-score')).toHaveTextContent('9');
    expect(radius).toHaveTextContent(
      '1 credential(s) readable by 6 backend plugins and modules in one process; 1 community plugin(s) among them.',
    );
    expect(within(radius).getAllByTestId('community-plugin').map(c => c.textContent)).toEqual([
      '@roadiehq/backstage-plugin-argo-cd-backend',
    ]);

    const credentials = await screen.findByTestId('runtime-credentials');
    const rows = within(credentials).getAllByTestId('credential-row');
    expect(rows.map(r => r.textContent)).toEqual([
      'integrations.github[0].apps[0].privateKeyGitHub App private keypush to reposEnvironment${GITHUB_APP_KEY}',
      'backend.auth.externalAccess[0].options.tokenstatic external access tokenAPI accessLiteral in configdev/config/app-config.demo.yaml',
      'env:STRAY_API_TOKENenvironment variable named like a credential, not referenced by configunknownEnvironmentSTRAY_API_TOKEN',
    ]);
    expect(credentials).toHaveTextContent('config files (--config arguments): app-config.yaml, dev/config/app-config.demo.yaml');

    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText('Literal credential in dev/config/app-config.demo.yaml'),
    ).toBeInTheDocument();
    expect(within(table).queryByText('Secret in entity annotation')).toBeNull();
    expect(requests).toContain(
      '/findings?category=runtime&status=open&orderBy=severity&order=asc&limit=25&offset=0',
    );
  });

  it('says what is missing when the checks have not published yet', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataErrorHandler(CREDENTIAL_INVENTORY_CHECK_ID, CREDENTIALS_KEY, 404),
      checkDataErrorHandler(BLAST_RADIUS_CHECK_ID, BLAST_RADIUS_KEY, 404),
    );
    await renderWithBackend(<RuntimeView />);
    const states = await screen.findAllByTestId('not-published');
    expect(states.map(s => s.textContent)).toEqual([
      expect.stringContaining('No blast radius yet'),
      expect.stringContaining('No credential inventory yet'),
    ]);
  });
});
