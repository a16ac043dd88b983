import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  InventoryPackage,
  PluginInventory,
} from '@security-posture/plugin-security-posture-common';
import {
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  findingsHandler,
  makeCheckData,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import {
  behindText,
  PLUGIN_INVENTORY_CHECK_ID,
  PLUGIN_INVENTORY_KEY,
  PluginsView,
} from './PluginsView';

jest.setTimeout(30_000);

const server = setupBackend();

function pkg(overrides: Partial<InventoryPackage>): InventoryPackage {
  return {
    name: '@backstage/plugin-example',
    kind: 'backend-plugin',
    core: true,
    loaded: true,
    foundIn: ['backend', 'lockfile'],
    installedVersions: ['1.0.0'],
    latest: '1.0.0',
    behind: { major: 0, minor: 0, patch: 0, releases: 0, breaking: false },
    lastPublishedAt: '2026-11-01T00:00:00.000Z',
    advisories: [],
    dataSource: 'registry',
    ...overrides,
  };
}

const scaffolder = pkg({
  name: '@backstage/plugin-scaffolder-backend',
  installedVersions: ['3.1.0'],
  latest: '4.2.0',
  behind: { major: 1, minor: 0, patch: 0, releases: 9, breaking: true },
  lastPublishedAt: '2026-11-17T00:00:00.000Z',
  installedPublishedAt: '2026-01-10T00:00:00.000Z',
  advisories: [
    {
      id: 'GHSA-xxxx-yyyy-zzzz',
      aliases: ['CVE-2026-0001'],
      severity: 'high',
      summary: 'Symlink escape in fetch actions',
      url: 'https://github.com/advisories/GHSA-xxxx-yyyy-zzzz',
      vulnerableRange: '<3.1.1',
      affectedVersions: ['3.1.0'],
      firstPatchedVersion: '3.1.1',
      recommendedVersion: '3.1.1',
      sources: ['bundled'],
    },
  ],
});
const catalog = pkg({
  name: '@backstage/plugin-catalog-backend',
  installedVersions: ['4.0.0'],
  latest: '4.0.2',
  behind: { major: 0, minor: 0, patch: 2, releases: 2, breaking: false },
  lastPublishedAt: '2026-11-20T00:00:00.000Z',
});
const local = pkg({
  name: 'backend-module-acme',
  kind: 'backend-module',
  core: false,
  installedVersions: ['0.1.0', '0.0.9'],
  latest: undefined,
  behind: undefined,
  lastPublishedAt: undefined,
  dataSource: 'none',
});

const inventory: PluginInventory = {
  generatedAt: '2026-11-29T08:00:00.000Z',
  backstageRelease: '1.55.0',
  sources: { lockfile: 'package-lock.json', lockfileFormat: 'npm' },
  registry: {
    url: 'https://registry.npmjs.org',
    status: 'offline',
    error: 'ENOTFOUND',
    snapshotAsOf: '2026-11-20T00:00:00.000Z',
  },
  advisorySources: [
    {
      name: 'bundled',
      status: 'ok',
      advisories: 42,
      asOf: '2026-11-20T00:00:00.000Z',
    },
    { name: 'osv', status: 'failed', advisories: 0, error: 'offline' },
  ],
  packages: [catalog, local, scaffolder],
  unmappedFeatures: [],
  warnings: ['The app package was not found.'],
};

function rows() {
  return within(screen.getByTestId('plugin-inventory'))
    .getAllByRole('row')
    .map(r => r.getAttribute('data-testid'))
    .filter(Boolean);
}

describe('PluginsView', () => {
  it('lists packages with versions, staleness, publish dates and advisories', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataHandler(
        makeCheckData(
          PLUGIN_INVENTORY_CHECK_ID,
          PLUGIN_INVENTORY_KEY,
          inventory,
        ),
      ),
    );
    await renderWithBackend(<PluginsView />);

    await screen.findByTestId('plugin-inventory');
    // Vulnerable first, then by name.
    expect(rows()).toEqual([
      'package-row-@backstage/plugin-scaffolder-backend',
      'package-row-@backstage/plugin-catalog-backend',
      'package-row-backend-module-acme',
    ]);
    const row = screen.getByTestId(
      'package-row-@backstage/plugin-scaffolder-backend',
    );
    expect(row).toHaveTextContent('3.1.0');
    expect(row).toHaveTextContent('4.2.0');
    expect(row).toHaveTextContent('1 major (breaking)');
    expect(row).toHaveTextContent('2026-11-17');
    expect(row).toHaveTextContent('installed: 2026-01-10');
    expect(row).toHaveTextContent('High');
    expect(
      screen.getByTestId('package-row-backend-module-acme'),
    ).toHaveTextContent('duplicated');
    expect(
      screen.getByText(
        /3 packages; 1 with known advisories; Backstage release 1.55.0/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByTestId('registry-status')).toHaveTextContent(
      'unreachable: ENOTFOUND',
    );
    // OSV failed: the page says matching rests on the bundled dataset, and how old it is.
    expect(screen.getByTestId('advisory-sources-notice')).toHaveTextContent(
      'No live advisory source answered',
    );
    expect(screen.getByTestId('advisory-sources-notice')).toHaveTextContent(
      'compiled 2026-11-20, 9 days old',
    );
    expect(screen.getByTestId('advisory-source-osv')).toHaveTextContent(
      'unreachable',
    );

    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show advisories of @backstage/plugin-scaffolder-backend',
      }),
    );
    const advisories = await screen.findByRole('table', {
      name: 'Advisories of @backstage/plugin-scaffolder-backend',
    });
    const advisory = within(advisories).getAllByRole('row')[1];
    expect(advisory).toHaveTextContent('GHSA-xxxx-yyyy-zzzz');
    expect(advisory).toHaveTextContent('Symlink escape in fetch actions');
    expect(advisory).toHaveTextContent('<3.1.1');
    expect(within(advisory).getAllByRole('cell')[3]).toHaveTextContent('3.1.1');
  });

  const withSources = (
    advisorySources: PluginInventory['advisorySources'],
    packages = inventory.packages,
  ) =>
    checkDataHandler(
      makeCheckData(PLUGIN_INVENTORY_CHECK_ID, PLUGIN_INVENTORY_KEY, {
        ...inventory,
        advisorySources,
        packages,
      }),
    );

  it('shows each advisory source with its state, when it answered and its data age', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      withSources([
        { name: 'bundled', status: 'ok', advisories: 49, asOf: '2026-11-25' },
        {
          name: 'osv',
          status: 'ok',
          advisories: 12,
          url: 'https://api.osv.dev',
          checkedAt: '2026-11-29T07:59:00.000Z',
          queried: 2538,
          answered: 2538,
        },
        { name: 'npm', status: 'disabled', advisories: 0 },
      ]),
    );
    await renderWithBackend(<PluginsView />);
    const osv = await screen.findByTestId('advisory-source-osv');
    expect(osv).toHaveTextContent('answered');
    expect(osv).toHaveTextContent(
      '12 advisories for 2538 of 2538 package versions',
    );
    expect(osv).toHaveTextContent('https://api.osv.dev');
    expect(osv).toHaveTextContent(/asked 2026-11-29/);
    expect(screen.getByTestId('advisory-source-bundled')).toHaveTextContent(
      'compiled 2026-11-25, 4 days old',
    );
    expect(screen.getByTestId('advisory-source-npm')).toHaveTextContent('off');
    // A live source answered: no notice.
    expect(screen.queryByTestId('advisory-sources-notice')).toBeNull();
  });

  it('tells a first-time user when every live source is off, and flags an old dataset', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      withSources([
        { name: 'bundled', status: 'ok', advisories: 49, asOf: '2026-10-01' },
        { name: 'osv', status: 'disabled', advisories: 0 },
        { name: 'npm', status: 'disabled', advisories: 0 },
        { name: 'github', status: 'disabled', advisories: 0 },
      ]),
    );
    await renderWithBackend(<PluginsView />);
    const notice = await screen.findByTestId('advisory-sources-notice');
    expect(notice).toHaveTextContent('Every live advisory source is off');
    expect(notice).toHaveTextContent('compiled 2026-10-01, 59 days old');
    expect(notice).toHaveTextContent('advisorySources.osv.enabled: false');
    expect(screen.getByTestId('advisory-source-bundled')).toHaveTextContent(
      '(more than 30 days)',
    );
  });

  it('names the plugin that pulls a transitive package in, with its path', async () => {
    const transitive = pkg({
      name: '@octokit/request',
      kind: 'library',
      core: false,
      loaded: false,
      installedVersions: ['8.4.0'],
      scope: 'runtime',
      pulledInBy: ['@roadiehq/backstage-plugin-github-insights'],
      dependencyPaths: [
        {
          version: '8.4.0',
          lockfile: 'dev/fixtures/plugins/app/package-lock.json',
          workspace: '',
          via: 'dependencies',
          chain: [
            '@roadiehq/backstage-plugin-github-insights',
            '@octokit/request',
          ],
          runtime: true,
        },
      ],
      advisories: [{ ...scaffolder.advisories[0], id: 'GHSA-rmvr-2pp2-xj38' }],
    });
    const devTool = pkg({
      name: 'bundler-kit',
      kind: 'library',
      core: false,
      loaded: false,
      scope: 'development',
      advisories: [{ ...scaffolder.advisories[0], id: 'GHSA-2222-3333-6666' }],
    });
    server.use(
      checksHandler,
      findingsHandler([]),
      withSources(inventory.advisorySources, [transitive, devTool]),
    );
    await renderWithBackend(<PluginsView />);
    await screen.findByTestId('plugin-inventory');
    expect(screen.getByTestId('package-row-bundler-kit')).toHaveTextContent(
      'dev only',
    );
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show advisories of @octokit/request',
      }),
    );
    const by = await screen.findByTestId('pulled-in-by-@octokit/request');
    expect(by).toHaveTextContent(
      'Pulled in by @roadiehq/backstage-plugin-github-insights',
    );
    expect(by).toHaveTextContent(
      'dev/fixtures/plugins/app/package-lock.json root › @roadiehq/backstage-plugin-github-insights › @octokit/request@8.4.0 (dependencies)',
    );
  });

  it('filters and sorts the inventory', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataHandler(
        makeCheckData(
          PLUGIN_INVENTORY_CHECK_ID,
          PLUGIN_INVENTORY_KEY,
          inventory,
        ),
      ),
    );
    await renderWithBackend(<PluginsView />);
    await screen.findByTestId('plugin-inventory');

    await userEvent.click(screen.getByRole('button', { name: 'Package' }));
    expect(rows()).toEqual([
      'package-row-@backstage/plugin-catalog-backend',
      'package-row-@backstage/plugin-scaffolder-backend',
      'package-row-backend-module-acme',
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Behind by' }));
    expect(rows()[0]).toBe('package-row-@backstage/plugin-scaffolder-backend');

    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Behind latest' }),
    );
    expect(rows()).toEqual([
      'package-row-@backstage/plugin-scaffolder-backend',
      'package-row-@backstage/plugin-catalog-backend',
    ]);
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'With advisories' }),
    );
    expect(rows()).toEqual([
      'package-row-@backstage/plugin-scaffolder-backend',
    ]);
    await userEvent.type(screen.getByTestId('inventory-filter'), 'catalog');
    await waitFor(() =>
      expect(
        screen.getByText('No package matches these filters.'),
      ).toBeInTheDocument(),
    );
  });

  it('says when the inventory has not been published', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataErrorHandler(
        PLUGIN_INVENTORY_CHECK_ID,
        PLUGIN_INVENTORY_KEY,
        404,
      ),
    );
    await renderWithBackend(<PluginsView />);
    expect(await screen.findByTestId('not-published')).toHaveTextContent(
      'No plugin inventory yet',
    );
  });

  it('describes how far behind a package is', () => {
    expect(behindText(undefined)).toBe('unknown');
    expect(
      behindText({
        major: 0,
        minor: 0,
        patch: 0,
        releases: 0,
        breaking: false,
      }),
    ).toBe('up to date');
    expect(
      behindText({ major: 0, minor: 3, patch: 1, releases: 5, breaking: true }),
    ).toBe('3 minor (breaking)');
    expect(
      behindText({
        major: 0,
        minor: 0,
        patch: 2,
        releases: 2,
        breaking: false,
      }),
    ).toBe('2 patch');
  });
});
