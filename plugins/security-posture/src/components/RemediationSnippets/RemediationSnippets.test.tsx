import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { CheckMetadata } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { FindingDetails } from '../FindingDetails';
import { RemediationSnippets } from './RemediationSnippets';

jest.setTimeout(30_000);

const server = setupBackend();

const guestCheck: CheckMetadata = {
  id: 'auth/guest-outside-development',
  title: 'Guest sign-in is possible outside development',
  category: 'auth',
  defaultSeverity: 'high',
  severity: 'high',
  description: 'd',
  remediation: 'Remove the guest provider.',
  enabled: true,
  scope: 'deployment',
  remediationSnippets: [
    {
      title: 'Do not let guests sign in outside development',
      language: 'yaml',
      file: 'app-config.production.yaml',
      configPaths: ['auth.providers.guest'],
      code: 'auth:\n  providers:\n    guest:\n      dangerouslyAllowOutsideDevelopment: false\n',
    },
    {
      title: 'Start with NODE_ENV=production',
      language: 'shell',
      code: 'NODE_ENV=production node packages/backend\n',
    },
    {
      title: 'About CORS, not this finding',
      language: 'yaml',
      configPaths: ['backend.cors'],
      code: 'backend:\n  cors:\n    origin: https://backstage.example.com\n',
    },
  ],
};

let checksRequests = 0;

function serveChecks(items: CheckMetadata[]) {
  server.use(
    http.get(`${BACKEND}/checks`, () => {
      checksRequests += 1;
      return HttpResponse.json({ items });
    }),
  );
}

const guestFinding = makeFinding({
  checkId: 'auth/guest-outside-development',
  target: {
    type: 'config',
    path: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
  },
  entityRef: undefined,
  owners: [],
});

describe('RemediationSnippets', () => {
  it("shows the check's snippets that fit the finding, each with a copy button", async () => {
    serveChecks([guestCheck]);
    await renderWithBackend(
      <FindingDetails
        finding={guestFinding}
        remediationExtra={<RemediationSnippets finding={guestFinding} />}
      />,
    );
    const snippets = await screen.findAllByTestId('remediation-snippet');
    expect(snippets).toHaveLength(2);
    expect(snippets[0]).toHaveTextContent(
      'Do not let guests sign in outside development',
    );
    expect(snippets[0]).toHaveTextContent('in app-config.production.yaml');
    expect(snippets[0]).toHaveTextContent(
      /dangerouslyAllowOutsideDevelopment: false/,
    );
    expect(snippets[1]).toHaveTextContent('NODE_ENV=production');
    expect(screen.queryByText('About CORS, not this finding')).toBeNull();
    for (const snippet of snippets) {
      expect(
        within(snippet).getByRole('button', { name: /copy/i }),
      ).toBeInTheDocument();
    }
    // After the remediation text, in the remediation section.
    const remediation = screen.getByTestId('finding-remediation');
    expect(
      remediation.compareDocumentPosition(snippets[0]) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('shows nothing for checks without snippets, or when the checks cannot be read', async () => {
    checksRequests = 0;
    serveChecks([{ ...guestCheck, remediationSnippets: undefined }]);
    const { unmount } = await renderWithBackend(
      <RemediationSnippets finding={guestFinding} />,
    );
    await waitFor(() => expect(checksRequests).toBe(1));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(screen.queryByTestId('remediation-snippets')).toBeNull();
    unmount();

    let failed = false;
    server.use(
      http.get(`${BACKEND}/checks`, () => {
        failed = true;
        return HttpResponse.json(
          { error: { name: 'Error', message: 'x' } },
          { status: 500 },
        );
      }),
    );
    await renderWithBackend(<RemediationSnippets finding={guestFinding} />);
    await waitFor(() => expect(failed).toBe(true));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(screen.queryByTestId('remediation-snippets')).toBeNull();
  });
});
