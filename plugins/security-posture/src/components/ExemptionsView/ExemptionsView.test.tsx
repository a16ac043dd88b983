import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import {
  Exemption,
  ExemptionsPage,
} from '@security-posture/plugin-security-posture-common';
import { BACKEND, renderWithBackend, setupBackend } from '../../__testUtils__';
import { ExemptionsView } from './ExemptionsView';

jest.setTimeout(30_000);

const server = setupBackend();

function exemption(overrides: Partial<Exemption> = {}): Exemption {
  return {
    id: 'ex-1',
    scope: {
      type: 'finding',
      fingerprint: 'fp-1',
      checkId: 'catalog/leaked-secret',
      entityRef: 'component:default/payments-api',
    },
    kind: 'accepted-risk',
    reason: 'Rotation is booked with the vendor',
    ticket: 'https://tickets.example.com/SEC-7',
    createdBy: 'user:default/alice',
    createdAt: '2027-01-10T12:00:00.000Z',
    expiresAt: new Date(Date.now() + 5 * 24 * 60 * 60 * 1000).toISOString(),
    state: 'active',
    ...overrides,
  };
}

/** Serves GET /exemptions from a list the test changes, and records the queries. */
function serveExemptions(items: Exemption[]) {
  const queries: string[] = [];
  server.use(
    http.get(`${BACKEND}/exemptions`, ({ request }) => {
      const url = new URL(request.url);
      queries.push(url.search);
      const state = url.searchParams.getAll('state');
      const shown = items.filter(e => !state.length || state.includes(e.state));
      const page: ExemptionsPage = {
        items: shown,
        totalItems: shown.length,
        limit: 25,
        offset: 0,
        scope: 'all',
      };
      return HttpResponse.json(page);
    }),
  );
  return queries;
}

describe('ExemptionsView', () => {
  it('lists active exemptions first, filters by state and expiry, and renders user text as text', async () => {
    const queries = serveExemptions([
      exemption({ reason: '<img src=x onerror=alert(1)> =cmd' }),
      exemption({
        id: 'ex-2',
        state: 'expired',
        scope: { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' },
        ticket: `${'java'}script:alert(1)`,
      }),
    ]);
    await renderWithBackend(<ExemptionsView />);
    const row = await screen.findByTestId('exemption-row-ex-1');
    expect(row).toHaveTextContent('One finding of catalog/leaked-secret on component:default/payments-api');
    expect(row).toHaveTextContent('Accepted risk');
    expect(row).toHaveTextContent('<img src=x onerror=alert(1)> =cmd');
    expect(row.querySelector('img')).toBeNull();
    expect(row).toHaveTextContent(/in [45] days/);
    expect(within(row).getByRole('link', { name: /Ticket/ })).toHaveAttribute(
      'href',
      'https://tickets.example.com/SEC-7',
    );
    expect(queries.at(-1)).toBe('?state=active&limit=25&offset=0');
    expect(screen.queryByTestId('exemption-row-ex-2')).not.toBeInTheDocument();

    await userEvent.click(screen.getByTestId('exemptions-filter-expired'));
    const expired = await screen.findByTestId('exemption-row-ex-2');
    expect(expired).toHaveTextContent('auth/cors-wildcard on config backend.cors.origin');
    // Only http(s) tickets become links.
    expect(within(expired).queryByRole('link')).not.toBeInTheDocument();
    expect(queries.at(-1)).toBe('?state=expired&limit=25&offset=0');

    await userEvent.click(screen.getByTestId('exemptions-filter-expiring'));
    await waitFor(() => expect(queries.at(-1)).toBe('?expiringWithinDays=30&limit=25&offset=0'));
  });

  it('revokes after confirmation and shows the list again', async () => {
    const items = [exemption()];
    const queries = serveExemptions(items);
    const revoked: string[] = [];
    server.use(
      http.delete(`${BACKEND}/exemptions/:id`, ({ params }) => {
        revoked.push(String(params.id));
        items[0] = { ...items[0], state: 'revoked', revokedBy: 'user:default/alice', revokedAt: '2027-01-11T00:00:00.000Z' };
        return HttpResponse.json(items[0]);
      }),
    );
    await renderWithBackend(<ExemptionsView />);
    await userEvent.click(await screen.findByTestId('revoke-ex-1'));
    expect(screen.getByTestId('revoke-confirm')).toHaveTextContent('Its findings count again at once');
    expect(revoked).toEqual([]);
    await userEvent.click(screen.getByTestId('revoke-confirm-button'));
    await waitFor(() => expect(revoked).toEqual(['ex-1']));
    // The list is asked again: the revoked exemption is no longer active.
    await waitFor(() => expect(screen.getByTestId('exemptions-empty')).toBeInTheDocument());
    expect(queries.length).toBeGreaterThanOrEqual(2);
  });

  it('says why a revocation was refused', async () => {
    serveExemptions([exemption()]);
    server.use(
      http.delete(`${BACKEND}/exemptions/:id`, () =>
        HttpResponse.json(
          { error: { name: 'ConflictError', message: 'Exemption ex-1 was already revoked' } },
          { status: 409 },
        ),
      ),
    );
    await renderWithBackend(<ExemptionsView />);
    await userEvent.click(await screen.findByTestId('revoke-ex-1'));
    await userEvent.click(screen.getByTestId('revoke-confirm-button'));
    expect(await screen.findByTestId('revoke-error')).toHaveTextContent('Exemption ex-1 was already revoked');
  });
});
