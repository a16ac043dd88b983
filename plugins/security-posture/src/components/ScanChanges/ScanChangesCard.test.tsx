import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { ScanChange } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeScan,
  renderWithBackend,
  scanChangesHandler,
  setupBackend,
} from '../../__testUtils__';
import { SecurityPageBaseProvider } from '../SecurityPage/SecurityPageContext';
import { ScanChangesCard } from './ScanChangesCard';

jest.setTimeout(30_000);

const server = setupBackend();

function change(
  fingerprint: string,
  overrides: Partial<ScanChange> = {},
): ScanChange {
  return {
    change: 'new',
    fingerprint,
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    title: `Finding ${fingerprint}`,
    severity: 'high',
    entityRef: 'component:default/payments-api',
    recordedAt: '2026-11-29T08:00:00.000Z',
    ...overrides,
  };
}

async function renderCard(onOpen = jest.fn()) {
  await renderWithBackend(
    <SecurityPageBaseProvider value="/security">
      <ScanChangesCard scan={makeScan({ id: 'scan-7' })} onOpen={onOpen} />
    </SecurityPageBaseProvider>,
  );
  return onOpen;
}

describe('ScanChangesCard', () => {
  it('counts each kind of change, lists the most severe first and links to all of them', async () => {
    const requests: string[] = [];
    server.use(
      scanChangesHandler(
        {
          counts: { new: 4, reopened: 1, resolved: 3, severity: 1 },
          totalItems: 9,
          items: [
            change('k1', { severity: 'critical' }),
            change('s1', {
              change: 'severity',
              severity: 'high',
              previousSeverity: 'low',
            }),
            change('r1', {
              change: 'resolved',
              severity: 'high',
              entityRef: undefined,
              category: 'auth',
              checkId: 'auth/guest',
            }),
          ],
        },
        requests,
      ),
    );
    const onOpen = await renderCard();
    const card = await screen.findByTestId('scan-changes-card');
    expect(
      await within(card).findByTestId('scan-changes-count-new'),
    ).toHaveTextContent('New: 4');
    expect(
      within(card).getByTestId('scan-changes-count-resolved'),
    ).toHaveTextContent('Resolved: 3');
    expect(
      within(card).getByTestId('scan-changes-count-severity'),
    ).toHaveTextContent('Severity changed: 1');
    expect(requests).toEqual(['/scans/scan-7/changes?limit=5']);

    const rows = within(card).getAllByTestId(/^scan-change-(k1|s1|r1)$/);
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(
        /^NewCritical.*Finding k1.*component:default\/payments-api/,
      ),
      expect.stringMatching(/^Severity changedHighwas Low.*Finding s1/),
      expect.stringMatching(
        /^ResolvedHigh.*Finding r1Authentication · auth\/guest$/,
      ),
    ]);
    await userEvent.click(rows[1]);
    expect(onOpen).toHaveBeenCalledWith('s1');
    expect(within(card).getByTestId('scan-changes-all')).toHaveTextContent(
      'All 9 changes of this scan',
    );
    expect(within(card).getByTestId('scan-changes-all')).toHaveAttribute(
      'href',
      '/security/scans?scan=scan-7',
    );
  });

  it('says why there are no changes: the first scan, nothing changed, or not recorded', async () => {
    server.use(scanChangesHandler({ baseline: true }));
    const { unmount } = await renderWithBackend(
      <ScanChangesCard scan={makeScan()} onOpen={jest.fn()} />,
    );
    expect(
      await screen.findByTestId('scan-changes-baseline'),
    ).toHaveTextContent('This was the first scan');
    expect(screen.queryByTestId('scan-changes-all')).toBeNull();
    unmount();

    server.use(scanChangesHandler({}));
    const second = await renderWithBackend(
      <ScanChangesCard scan={makeScan({ id: 'scan-2' })} onOpen={jest.fn()} />,
    );
    expect(await screen.findByTestId('scan-changes-none')).toHaveTextContent(
      'Nothing changed',
    );
    second.unmount();

    server.use(scanChangesHandler({ recorded: false }));
    await renderWithBackend(
      <ScanChangesCard scan={makeScan({ id: 'scan-3' })} onOpen={jest.fn()} />,
    );
    expect(
      await screen.findByTestId('scan-changes-unrecorded'),
    ).toBeInTheDocument();
  });

  it('shows an error without breaking the overview', async () => {
    server.use(
      http.get(`${BACKEND}/scans/:id/changes`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'boom' } },
          { status: 500 },
        ),
      ),
    );
    await renderWithBackend(
      <ScanChangesCard scan={makeScan()} onOpen={jest.fn()} />,
    );
    expect(
      await screen.findByText(/Could not load what the last scan changed/),
    ).toBeInTheDocument();
  });
});
