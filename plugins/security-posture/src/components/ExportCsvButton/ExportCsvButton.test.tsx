import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { alertApiRef } from '@backstage/core-plugin-api';
import { toastApiRef } from '@backstage/frontend-plugin-api';
import { TestApiProvider } from '@backstage/test-utils';
import { BACKEND, renderWithBackend, setupBackend } from '../../__testUtils__';
import { ExportCsvButton } from './ExportCsvButton';

const server = setupBackend();

function failExport() {
  server.use(
    http.get(`${BACKEND}/export.csv`, () =>
      HttpResponse.json(
        { error: { name: 'NotAllowedError', message: 'Not allowed to export' } },
        { status: 403 },
      ),
    ),
  );
}

describe('ExportCsvButton', () => {
  it('reports a failed export through the ToastApi when the app has one', async () => {
    failExport();
    const toast = { post: jest.fn(() => ({ close: () => {} })) };
    const alert = { post: jest.fn(), alert$: jest.fn() };
    await renderWithBackend(
      <TestApiProvider apis={[[toastApiRef, toast], [alertApiRef, alert]]}>
        <ExportCsvButton />
      </TestApiProvider>,
    );
    await userEvent.click(screen.getByTestId('export-csv-button'));
    await waitFor(() => expect(toast.post).toHaveBeenCalled());
    expect(toast.post).toHaveBeenCalledWith(
      expect.objectContaining({
        title: expect.stringMatching(/^CSV export failed: .*Not allowed to export/),
        status: 'danger',
      }),
    );
    expect(alert.post).not.toHaveBeenCalled();
  });

  it('falls back to the AlertApi in apps without a ToastApi (Backstage releases before it)', async () => {
    failExport();
    const alert = { post: jest.fn(), alert$: jest.fn() };
    await renderWithBackend(
      <TestApiProvider apis={[[alertApiRef, alert]]}>
        <ExportCsvButton />
      </TestApiProvider>,
    );
    await userEvent.click(screen.getByTestId('export-csv-button'));
    await waitFor(() => expect(alert.post).toHaveBeenCalled());
    expect(alert.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: expect.stringMatching(/^CSV export failed: .*Not allowed to export/),
        severity: 'error',
      }),
    );
  });
});
