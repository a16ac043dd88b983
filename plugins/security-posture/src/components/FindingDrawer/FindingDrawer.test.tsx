import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import {
  BACKEND,
  makeFinding,
  renderWithBackend,
  setupBackend,
  checksHandler,
} from '../../__testUtils__';
import { FindingDrawer } from './FindingDrawer';

jest.setTimeout(30_000);

const server = setupBackend();
// The finding's remediation snippets come from the check metadata (none here).
beforeEach(() => server.use(checksHandler));

function answer(status: number, message: string) {
  server.use(
    http.get(`${BACKEND}/findings/:fingerprint`, () =>
      HttpResponse.json(
        {
          error: {
            name: status === 404 ? 'NotFoundError' : 'Error',
            message,
          },
        },
        { status },
      ),
    ),
  );
}

describe('FindingDrawer', () => {
  it('says "not found, or not yours to see" for a finding the API will not show', async () => {
    // The API answers 404 for findings the caller may not see, as for unknown ones.
    answer(404, 'No finding fp-hidden');
    await renderWithBackend(
      <FindingDrawer fingerprint="fp-hidden" onClose={() => {}} />,
    );
    const drawer = await screen.findByRole('dialog');
    const state = await within(drawer).findByTestId('finding-not-available');
    expect(state).toHaveTextContent('Finding not found, or not yours to see');
    expect(state).toHaveTextContent('fp-hidden');
    expect(state).toHaveTextContent(
      'belongs to an entity whose details you may not see',
    );
    expect(
      within(drawer).queryByText(/Could not load the finding/),
    ).not.toBeInTheDocument();
  });

  it('still reports other failures as errors', async () => {
    answer(500, 'Database unavailable');
    await renderWithBackend(
      <FindingDrawer fingerprint="fp-1" onClose={() => {}} />,
    );
    const drawer = await screen.findByRole('dialog');
    expect(
      await within(drawer).findByText(/Could not load the finding/),
    ).toBeInTheDocument();
    expect(
      within(drawer).queryByTestId('finding-not-available'),
    ).not.toBeInTheDocument();
  });

  it('shows the finding when the API returns it', async () => {
    server.use(
      http.get(`${BACKEND}/findings/fp-1`, () =>
        HttpResponse.json(makeFinding()),
      ),
    );
    await renderWithBackend(
      <FindingDrawer fingerprint="fp-1" onClose={() => {}} />,
    );
    expect(
      await screen.findByTestId('finding-details-fp-1'),
    ).toBeInTheDocument();
  });
});
