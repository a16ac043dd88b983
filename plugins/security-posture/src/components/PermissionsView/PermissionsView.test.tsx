import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
} from '@security-posture/plugin-security-posture-common';
import {
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  currentSearch,
  findingsHandler,
  makeCheckData,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { PermissionsView } from './PermissionsView';

jest.setTimeout(30_000);

const server = setupBackend();

const matrix: PermissionCoverageMatrix = {
  generatedAt: '2026-11-29T08:00:00.000Z',
  frameworkEnabled: true,
  policyRegistered: true,
  plugins: [
    { pluginId: 'catalog', status: 'ok', permissionCount: 2 },
    { pluginId: 'scaffolder', status: 'ok', permissionCount: 1 },
    {
      pluginId: 'kubernetes',
      status: 'error',
      message: 'timeout after 5000 ms',
      permissionCount: 0,
    },
  ],
  permissions: [
    {
      name: 'catalog.entity.read',
      type: 'resource',
      resourceType: 'catalog-entity',
      action: 'read',
      pluginId: 'catalog',
      sensitive: false,
    },
    {
      name: 'catalog.entity.delete',
      type: 'resource',
      resourceType: 'catalog-entity',
      action: 'delete',
      pluginId: 'catalog',
      sensitive: true,
    },
    {
      name: 'scaffolder.action.execute',
      type: 'resource',
      resourceType: 'scaffolder-action',
      pluginId: 'scaffolder',
      sensitive: true,
    },
  ],
  principals: [
    { id: 'guest', label: 'Guest', kind: 'guest', source: 'live' },
    {
      id: 'owner',
      label: 'Owner of component:default/payments-api',
      kind: 'owner',
      source: 'policy-evaluation',
    },
    {
      id: 'nobody',
      label: 'Anonymous',
      kind: 'unauthenticated',
      source: 'not-available',
      note: 'no request possible',
    },
  ],
  cells: [
    {
      permission: 'catalog.entity.read',
      principal: 'guest',
      decision: { result: 'ALLOW' },
    },
    {
      permission: 'catalog.entity.read',
      principal: 'owner',
      decision: { result: 'ALLOW' },
    },
    {
      permission: 'catalog.entity.read',
      principal: 'nobody',
      decision: { result: 'NOT_EVALUATED', reason: 'no token' },
    },
    {
      permission: 'catalog.entity.delete',
      principal: 'guest',
      decision: { result: 'ALLOW' },
    },
    {
      permission: 'catalog.entity.delete',
      principal: 'owner',
      decision: { result: 'CONDITIONAL', rules: ['IS_ENTITY_OWNER'] },
    },
    {
      permission: 'catalog.entity.delete',
      principal: 'nobody',
      decision: { result: 'NOT_EVALUATED' },
    },
    {
      permission: 'scaffolder.action.execute',
      principal: 'guest',
      decision: { result: 'DENY' },
    },
    {
      permission: 'scaffolder.action.execute',
      principal: 'owner',
      decision: { result: 'ERROR', message: 'policy threw' },
    },
    {
      permission: 'scaffolder.action.execute',
      principal: 'nobody',
      decision: { result: 'NOT_EVALUATED' },
    },
  ],
  restrictedShareForOrdinaryUser: 0.667,
  notes: ['Guest decisions come from a real guest session.'],
};

function serveMatrix(data: PermissionCoverageMatrix = matrix) {
  server.use(
    checksHandler,
    findingsHandler([]),
    checkDataHandler(
      makeCheckData(POLICY_COVERAGE_CHECK_ID, POLICY_COVERAGE_MATRIX_KEY, data),
    ),
  );
}

function rowNames() {
  return within(screen.getByTestId('coverage-matrix'))
    .getAllByRole('row')
    .slice(1)
    .map(row => row.getAttribute('data-testid'));
}

describe('PermissionsView', () => {
  it('shows permissions × principals with sensitive permissions first and highlighted', async () => {
    serveMatrix();
    await renderWithBackend(<PermissionsView />);

    const table = await screen.findByTestId('coverage-matrix');
    const headers = within(table)
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toEqual([
      'Permission',
      'Guestlive request',
      'Owner of component:default/payments-apipolicy evaluated',
      'Anonymousnot available',
    ]);
    expect(rowNames()).toEqual([
      'matrix-row-catalog.entity.delete',
      'matrix-row-scaffolder.action.execute',
      'matrix-row-catalog.entity.read',
    ]);
    const deleteRow = screen.getByTestId('matrix-row-catalog.entity.delete');
    expect(deleteRow).toHaveAttribute('data-sensitive', 'true');
    expect(deleteRow).toHaveTextContent('Sensitive');
    // A sensitive permission open to a guest is flagged; an ordinary one is not.
    expect(
      within(deleteRow).getByLabelText(
        /^Guest: ALLOW \(sensitive permission open/,
      ),
    ).toHaveTextContent('ALLOW ⚠');
    const readRow = screen.getByTestId('matrix-row-catalog.entity.read');
    expect(within(readRow).getByLabelText('Guest: ALLOW')).toHaveTextContent(
      /^ALLOW$/,
    );
    expect(
      within(readRow).getByLabelText('Anonymous: Not evaluated: no token'),
    ).toHaveTextContent('n/a');
    expect(
      within(deleteRow).getByLabelText(
        'Owner of component:default/payments-api: Conditional: IS_ENTITY_OWNER',
      ),
    ).toHaveTextContent('CONDITIONAL');
    expect(
      within(
        screen.getByTestId('matrix-row-scaffolder.action.execute'),
      ).getByLabelText(
        'Owner of component:default/payments-api: Error: policy threw',
      ),
    ).toHaveTextContent('ERROR');

    expect(screen.getByTestId('restricted-share')).toHaveTextContent(
      '67% of the registered permissions',
    );
    expect(
      screen.getByText(/kubernetes \(timeout after 5000 ms\)/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Guest decisions come from a real guest session.'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('framework-disabled')).not.toBeInTheDocument();
  });

  it('filters by plugin, sensitivity and name, keeping the filters in the URL', async () => {
    serveMatrix();
    await renderWithBackend(<PermissionsView />);
    await screen.findByTestId('coverage-matrix');

    await userEvent.click(
      within(screen.getByTestId('matrix-plugin-filter')).getByRole('button'),
    );
    await userEvent.click(screen.getByRole('option', { name: 'catalog' }));
    await waitFor(() =>
      expect(rowNames()).toEqual([
        'matrix-row-catalog.entity.delete',
        'matrix-row-catalog.entity.read',
      ]),
    );
    expect(currentSearch(screen.getByTestId('location')).get('plugin')).toBe(
      'catalog',
    );

    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Sensitive permissions only' }),
    );
    await waitFor(() =>
      expect(rowNames()).toEqual(['matrix-row-catalog.entity.delete']),
    );
    expect(currentSearch(screen.getByTestId('location')).get('sensitive')).toBe(
      'true',
    );

    await userEvent.type(
      screen.getByTestId('matrix-permission-filter'),
      'read',
    );
    expect(await screen.findByTestId('matrix-empty')).toHaveTextContent(
      'No permission matches these filters.',
    );
  });

  it('reads its filters from a shared URL', async () => {
    serveMatrix();
    await renderWithBackend(<PermissionsView />, {
      routeEntries: ['/?plugin=scaffolder'],
    });
    await screen.findByTestId('coverage-matrix');
    expect(rowNames()).toEqual(['matrix-row-scaffolder.action.execute']);
  });

  it('warns when the permission framework is off', async () => {
    serveMatrix({
      ...matrix,
      frameworkEnabled: false,
      policyRegistered: false,
    });
    await renderWithBackend(<PermissionsView />);
    expect(await screen.findByTestId('framework-disabled')).toHaveTextContent(
      'permission.enabled is not true',
    );
    expect(
      screen.getByText(/No policy is registered for evaluation/),
    ).toBeInTheDocument();
  });

  it('says when the matrix has not been published, or failed to load', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataErrorHandler(
        POLICY_COVERAGE_CHECK_ID,
        POLICY_COVERAGE_MATRIX_KEY,
        404,
      ),
    );
    const { unmount } = await renderWithBackend(<PermissionsView />);
    expect(await screen.findByTestId('not-published')).toHaveTextContent(
      'No coverage matrix yet',
    );
    unmount();

    server.use(
      checkDataErrorHandler(
        POLICY_COVERAGE_CHECK_ID,
        POLICY_COVERAGE_MATRIX_KEY,
        403,
        'Not allowed',
      ),
    );
    await renderWithBackend(<PermissionsView />);
    expect(
      await screen.findByText(/Could not load the coverage matrix/),
    ).toBeInTheDocument();
  });
});
