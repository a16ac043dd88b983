import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { CheckMetadata } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeFinding,
  makeScan,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { FindingDrawer } from './FindingDrawer';

jest.setTimeout(30_000);

const server = setupBackend();
const CHECK = 'auth/guest-outside-development';

function check(overrides: Partial<CheckMetadata> = {}): CheckMetadata {
  return {
    id: CHECK,
    title: 'Guest sign-in outside development',
    category: 'auth',
    defaultSeverity: 'critical',
    severity: 'critical',
    description: 'Guest sign-in is enabled in production',
    remediation: 'Disable the guest provider',
    enabled: true,
    scope: 'deployment',
    ...overrides,
  };
}

const finding = makeFinding({
  fingerprint: 'fp-guest',
  checkId: CHECK,
  category: 'auth',
  severity: 'critical',
  title: 'Guest sign-in enabled',
  target: { type: 'config', path: 'auth.providers.guest' },
  entityRef: undefined,
  entityKind: undefined,
  owners: [],
});

function serve(options: { enabled?: boolean; startError?: string } = {}) {
  const posted: unknown[] = [];
  let scanReads = 0;
  let finished = false;
  server.use(
    http.get(`${BACKEND}/checks`, () =>
      HttpResponse.json({ items: [check({ enabled: options.enabled ?? true })] }),
    ),
    http.get(`${BACKEND}/findings/fp-guest`, () =>
      HttpResponse.json(
        finished
          ? { ...finding, status: 'resolved', resolvedAt: '2026-12-06T07:00:00.000Z' }
          : finding,
      ),
    ),
    http.post(`${BACKEND}/scans`, async ({ request }) => {
      posted.push(await request.json());
      if (options.startError) {
        return HttpResponse.json(
          {
            error: { name: 'InputError', message: options.startError },
            request: { method: 'POST', url: '/api/security-posture/scans' },
            response: { statusCode: 400 },
          },
          { status: 400 },
        );
      }
      return HttpResponse.json(
        makeScan({ id: 'scan-9', status: 'queued', checkIds: [CHECK], progress: { done: 0, total: 0 } }),
        { status: 202 },
      );
    }),
    http.get(`${BACKEND}/scans/scan-9`, () => {
      scanReads += 1;
      if (scanReads < 2) {
        return HttpResponse.json(
          makeScan({ id: 'scan-9', status: 'running', checkIds: [CHECK], progress: { done: 0, total: 1 } }),
        );
      }
      finished = true;
      return HttpResponse.json(
        makeScan({ id: 'scan-9', status: 'succeeded', checkIds: [CHECK], progress: { done: 1, total: 1 } }),
      );
    }),
  );
  return { posted };
}

describe('FindingDrawer: Rescan this check', () => {
  it('starts a scan of the finding\'s check only, shows its progress and result, and reads the finding again', async () => {
    const { posted } = serve();
    await renderWithBackend(
      <FindingDrawer fingerprint="fp-guest" onClose={() => {}} pollIntervalMs={20} />,
    );
    const drawer = await screen.findByRole('dialog');
    const button = await within(drawer).findByTestId('rescan-check-button');
    expect(button).toHaveTextContent('Rescan this check');
    expect(within(drawer).getByTestId('finding-status')).toHaveTextContent(/open/i);

    fireEvent.click(button);
    await waitFor(() => expect(posted).toEqual([{ checkIds: [CHECK] }]));
    expect(
      await within(drawer).findByText(/Rescan succeeded/),
    ).toBeInTheDocument();
    // Its end refreshed the finding.
    await waitFor(() =>
      expect(within(drawer).getByTestId('finding-status')).toHaveTextContent(/resolved/i),
    );
    expect(within(drawer).getByTestId('rescan-check-button')).toBeEnabled();
  });

  it('says why a rescan could not start', async () => {
    serve({ startError: `Unknown check id(s): ${CHECK}` });
    await renderWithBackend(<FindingDrawer fingerprint="fp-guest" onClose={() => {}} />);
    const drawer = await screen.findByRole('dialog');
    fireEvent.click(await within(drawer).findByTestId('rescan-check-button'));
    expect(await within(drawer).findByRole('alert')).toHaveTextContent(
      `Rescan could not start: Unknown check id(s): ${CHECK}`,
    );
  });

  it('is not offered for a check that is not enabled (the API would refuse it)', async () => {
    serve({ enabled: false });
    await renderWithBackend(<FindingDrawer fingerprint="fp-guest" onClose={() => {}} />);
    const drawer = await screen.findByRole('dialog');
    expect(await within(drawer).findByTestId('finding-details-fp-guest')).toBeInTheDocument();
    // The checks list has loaded (the drawer reads it for snippets too) and hides the button.
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(within(drawer).queryByTestId('rescan-check-button')).not.toBeInTheDocument();
  });
});
