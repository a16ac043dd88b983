import { screen, within } from '@testing-library/react';
import {
  checksHandler,
  findingsHandler,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { DetectionsView } from './DetectionsView';

jest.setTimeout(30_000);

const server = setupBackend();

const reconnaissance = makeFinding({
  fingerprint: 'det-1',
  checkId: 'detections/catalog-read-reconnaissance',
  category: 'detections',
  severity: 'high',
  title: 'Catalog read burst (possible reconnaissance): user:default/dana',
  message:
    'One actor read catalog entities more often than the threshold within the window.',
  target: { type: 'deployment' },
  location: undefined,
  entityRef: undefined,
  owners: [],
  evidence: {
    actor: 'user:default/dana',
    count: 51,
    threshold: 50,
    eventIds: ['catalog.entity-fetch'],
  },
});

describe('DetectionsView', () => {
  it('lists the detection findings only', async () => {
    const requests: string[] = [];
    server.use(
      checksHandler,
      findingsHandler([reconnaissance, makeFinding()], requests),
    );
    await renderWithBackend(<DetectionsView />);

    expect(screen.getByTestId('category-view-detections')).toHaveTextContent(
      'Detections',
    );
    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText(
        'Catalog read burst (possible reconnaissance): user:default/dana',
      ),
    ).toBeInTheDocument();
    expect(within(table).queryByText('Secret in entity annotation')).toBeNull();
    expect(requests).toContain(
      '/findings?category=detections&status=open&orderBy=severity&order=asc&limit=25&offset=0',
    );
  });
});
