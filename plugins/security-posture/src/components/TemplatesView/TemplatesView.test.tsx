import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  TEMPLATE_RISK_CHECK_ID,
  TEMPLATE_SCORES_KEY,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import {
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  currentSearch,
  findingsHandler,
  makeCheckData,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { TemplatesView } from './TemplatesView';

jest.setTimeout(30_000);

const server = setupBackend();

const scores: TemplateScoresData = {
  generatedAt: '2026-11-29T08:00:00.000Z',
  // Deliberately not in score order: the view ranks them.
  templates: [
    {
      entityRef: 'template:default/safe-service',
      title: 'Safe service',
      owner: 'group:default/platform-team',
      score: 0,
      band: 'none',
      legacy: false,
      findingCount: 0,
      contributions: [],
    },
    {
      entityRef: 'template:default/shell-runner',
      title: 'Shell runner',
      owner: 'group:default/payments-checkout',
      score: 82,
      band: 'critical',
      legacy: false,
      findingCount: 2,
      contributions: [
        {
          kind: 'finding',
          rule: 'command-injection',
          severity: 'critical',
          points: 60,
          location: 'steps[run].input.command',
          stepId: 'run',
          action: 'acme:shell:run',
          parameter: 'name',
          explanation: 'The parameter name reaches a shell command unquoted.',
        },
        {
          kind: 'finding',
          rule: 'path-traversal',
          severity: 'high',
          points: 30,
          location: 'steps[fetch].input.targetPath',
          stepId: 'fetch',
          action: 'fetch:template',
          explanation: 'targetPath comes from a free-text parameter.',
        },
        {
          kind: 'permission-gating',
          points: -8,
          explanation: 'Only the platform team may run custom actions.',
        },
      ],
    },
    {
      entityRef: 'template:default/docs-site',
      title: 'Docs site',
      score: 25,
      band: 'medium',
      legacy: true,
      findingCount: 1,
      diagnostics: [
        {
          location: 'steps[render].input.url',
          message: 'Expression could not be parsed (unexpected token)',
          stepId: 'render',
        },
      ],
      contributions: [],
    },
  ],
  bands: [
    { band: 'none', count: 1 },
    { band: 'low', count: 0 },
    { band: 'medium', count: 1 },
    { band: 'high', count: 0 },
    { band: 'critical', count: 1 },
  ],
  histogram: [1, 0, 1, 0, 0, 0, 0, 0, 1, 0],
  actionsList: { available: true, actionCount: 31 },
  permissionGating: {
    applied: true,
    factor: 0.9,
    reason: 'scaffolder.action.execute is conditional',
  },
  errors: [],
};

function serveScores(data: TemplateScoresData = scores) {
  server.use(
    checksHandler,
    findingsHandler([
      makeFinding({
        fingerprint: 'fp-shell',
        category: 'templates',
        checkId: 'templates/template-risk',
        title: 'Shell command built from user input',
        entityRef: 'template:default/shell-runner',
      }),
    ]),
    checkDataHandler(
      makeCheckData(TEMPLATE_RISK_CHECK_ID, TEMPLATE_SCORES_KEY, data),
    ),
  );
}

describe('TemplatesView', () => {
  it('ranks templates by risk with a histogram', async () => {
    serveScores();
    await renderWithBackend(<TemplatesView />);

    const ranking = await screen.findByTestId('template-ranking');
    const rows = within(ranking).getAllByRole('row').slice(1);
    expect(rows.map(r => r.getAttribute('data-testid'))).toEqual([
      'template-row-template:default/shell-runner',
      'template-row-template:default/docs-site',
      'template-row-template:default/safe-service',
    ]);
    expect(rows[0]).toHaveTextContent('1Shell runner');
    expect(rows[0]).toHaveTextContent('82');
    expect(rows[0]).toHaveTextContent('critical');
    expect(rows[1]).toHaveTextContent('legacy syntax');
    expect(rows[2]).toHaveTextContent('no risk');
    expect(within(rows[0]).getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      '82',
    );

    const histogram = screen.getByRole('list', {
      name: 'Templates per risk score range',
    });
    expect(
      within(histogram)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      '0–9: 1',
      '10–19: 0',
      '20–29: 1',
      '30–39: 0',
      '40–49: 0',
      '50–59: 0',
      '60–69: 0',
      '70–79: 0',
      '80–89: 1',
      '90–100: 0',
    ]);
    expect(
      screen.getByText(
        /Permission gating: scaffolder.action.execute is conditional/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/31 actions known/)).toBeInTheDocument();
    expect(
      await within(screen.getByTestId('findings-table')).findByText(
        'Shell command built from user input',
      ),
    ).toBeInTheDocument();
  });

  it('drills into one template, explaining its score step by step', async () => {
    serveScores();
    await renderWithBackend(<TemplatesView />);
    await userEvent.click(
      await screen.findByTestId('template-open-template:default/shell-runner'),
    );

    const detail = await screen.findByTestId('template-detail');
    expect(screen.getByText('Why Shell runner scores 82')).toBeInTheDocument();
    const rows = within(detail).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('+60');
    expect(rows[0]).toHaveTextContent('command-injection');
    expect(rows[0]).toHaveTextContent('run');
    expect(rows[0]).toHaveTextContent('acme:shell:run');
    expect(rows[0]).toHaveTextContent('steps[run].input.command');
    expect(rows[0]).toHaveTextContent(
      'The parameter name reaches a shell command unquoted.',
    );
    expect(rows[2]).toHaveTextContent('-8');
    expect(rows[2]).toHaveTextContent('permission-gating');
    expect(
      within(detail).getByRole('link', { name: /shell-runner/ }),
    ).toHaveAttribute('href', '/catalog/default/template/shell-runner');
    expect(currentSearch(screen.getByTestId('location')).get('template')).toBe(
      'template:default/shell-runner',
    );

    await userEvent.click(screen.getByTestId('template-detail-close'));
    await waitFor(() =>
      expect(screen.queryByTestId('template-detail')).not.toBeInTheDocument(),
    );
    expect(currentSearch(screen.getByTestId('location')).has('template')).toBe(
      false,
    );
  });

  it('opens the explanation in a drawer where the user is, not below the ranking', async () => {
    serveScores();
    await renderWithBackend(<TemplatesView />);
    await userEvent.click(
      await screen.findByTestId('template-open-template:default/shell-runner'),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Why Shell runner scores 82',
    });
    expect(within(dialog).getByTestId('template-detail')).toBeInTheDocument();
    expect(
      within(dialog).getByTestId('template-detail-close'),
    ).toHaveAccessibleName('Close template details');
    // Not part of the page's grid any more: the ranking's card does not contain it.
    expect(
      screen.getByTestId('template-ranking').closest('.MuiGrid-container'),
    ).not.toContainElement(within(dialog).getByTestId('template-detail'));

    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(currentSearch(screen.getByTestId('location')).has('template')).toBe(
      false,
    );
  });

  it('opens the drill-down of a shared link', async () => {
    serveScores();
    await renderWithBackend(<TemplatesView />, {
      routeEntries: ['/?template=template%3Adefault%2Fdocs-site'],
    });
    expect(await screen.findByTestId('template-detail')).toHaveTextContent(
      'Nothing risky was found in this template.',
    );
    // What the analyser could not read is shown apart, never as a finding.
    const diagnostics = screen.getByTestId('template-diagnostics');
    expect(diagnostics).toHaveTextContent('Not analysed (1)');
    expect(diagnostics).toHaveTextContent(
      'steps[render].input.url: Expression could not be parsed (unexpected token)',
    );
  });

  it('says when there are no templates, or no scores yet', async () => {
    serveScores({ ...scores, templates: [], histogram: Array(10).fill(0) });
    const { unmount } = await renderWithBackend(<TemplatesView />);
    expect(
      await screen.findByText('No scaffolder templates in the catalog.'),
    ).toBeInTheDocument();
    unmount();

    server.use(
      checkDataErrorHandler(TEMPLATE_RISK_CHECK_ID, TEMPLATE_SCORES_KEY, 404),
    );
    await renderWithBackend(<TemplatesView />);
    expect(await screen.findByTestId('not-published')).toHaveTextContent(
      'No template risk scores yet',
    );
  });
});
