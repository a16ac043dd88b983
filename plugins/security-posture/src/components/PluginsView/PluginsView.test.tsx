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
    expect(
      screen.getByText(/Advisory sources that failed: osv \(offline\)/),
    ).toBeInTheDocument();

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
