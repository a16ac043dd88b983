import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import {
  BACKEND,
  currentSearch,
  checksHandler,
  findingsHandler,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import {
  catalogFindingKind,
  catalogFindingPlace,
  CatalogView,
  groupByOwner,
} from './CatalogView';

jest.setTimeout(30_000);

const server = setupBackend();

const awsKey = makeFinding({
  fingerprint: 'fp-aws',
  category: 'catalog',
  severity: 'critical',
  checkId: 'catalog/leaked-secret',
  title: 'Leaked credential in entity',
  entityRef: 'component:default/payments-api',
  owners: ['group:default/payments-checkout'],
  location: 'metadata.annotations.acme.io/aws-secret-access-key',
  evidence: {
    field: 'metadata.annotations.acme.io/aws-secret-access-key',
    classification: 'secret',
    secretKind: 'aws-secret-access-key',
    secretMask: '…(40 chars)',
    secretFingerprint: 'sha256:1',
  },
});
const vault = makeFinding({
  fingerprint: 'fp-vault',
  category: 'catalog',
  severity: 'medium',
  checkId: 'catalog/sensitive-reference',
  title: 'Sensitive reference in entity',
  entityRef: 'component:default/payments-api',
  owners: ['group:default/payments-checkout'],
  location: 'sensitive-reference#secret-reference',
  evidence: {
    class: 'secret-reference',
    fields: ['metadata.annotations.vault.io/path', 'spec.ssm'],
    rules: ['key:vault', 'value:ssm-parameter'],
    fieldCount: 2,
  },
});
const webhook = makeFinding({
  fingerprint: 'fp-slack',
  category: 'catalog',
  severity: 'medium',
  checkId: 'catalog/leaked-secret',
  title: 'Leaked credential in entity',
  entityRef: 'resource:default/search-cluster',
  owners: ['group:default/search', 'group:default/platform-team'],
  evidence: {
    secretKind: 'slack-webhook',
    secretMask: '…(77 chars)',
    classification: 'secret',
  },
});
const example = makeFinding({
  fingerprint: 'fp-example',
  category: 'catalog',
  severity: 'info',
  entityRef: 'component:default/aws-credentials-helper',
  owners: [],
  evidence: {
    secretKind: 'aws-access-key-id',
    secretMask: 'AKIA…(20 chars)',
    classification: 'example',
  },
});

describe('CatalogView', () => {
  it('groups entities with secrets or sensitive references by owner, masks only', async () => {
    const requests: string[] = [];
    server.use(
      checksHandler,
      findingsHandler([example, webhook, vault, awsKey], requests),
    );
    await renderWithBackend(<CatalogView />);

    const groups = await screen.findByTestId('catalog-owner-groups');
    expect(requests).toContain(
      '/findings?category=catalog&status=open&orderBy=severity&order=asc&limit=500',
    );
    const owners = within(groups)
      .getAllByTestId(/^owner-group-/)
      .map(g => g.getAttribute('data-testid'));
    // Worst first; the webhook shows under both of its owners; no owner last.
    expect(owners).toEqual([
      'owner-group-group:default/payments-checkout',
      'owner-group-group:default/platform-team',
      'owner-group-group:default/search',
      'owner-group-none',
    ]);
    const payments = screen.getByTestId(
      'owner-group-group:default/payments-checkout',
    );
    expect(payments).toHaveTextContent('2 findings in 1 entity');
    const aws = within(payments).getByTestId('catalog-finding-fp-aws');
    expect(aws).toHaveTextContent('AWS secret access key');
    expect(aws).toHaveTextContent('…(40 chars)');
    expect(aws).toHaveTextContent(
      'metadata.annotations.acme.io/aws-secret-access-key',
    );
    const reference = within(payments).getByTestId('catalog-finding-fp-vault');
    expect(reference).toHaveTextContent('Secret store reference');
    expect(reference).toHaveTextContent(
      'sensitive reference (no secret value)',
    );
    // One finding per class: its first field and how many more, not its location.
    expect(reference).toHaveTextContent(
      'metadata.annotations.vault.io/path and 1 more',
    );
    expect(reference).not.toHaveTextContent('sensitive-reference#');
    expect(within(payments).getByRole('table')).toHaveTextContent(
      'Masked secret',
    );
    expect(screen.getByTestId('owner-group-none')).toHaveTextContent(
      'AWS access key id (documentation example)',
    );

    await userEvent.click(
      screen.getByTestId('catalog-secrets-only').querySelector('input')!,
    );
    expect(
      screen.queryByTestId('catalog-finding-fp-vault'),
    ).not.toBeInTheDocument();
    expect(screen.getAllByTestId('catalog-finding-fp-aws')).toHaveLength(1);
  });

  it('keeps "Secrets only" in the URL: shared links and Back restore it', async () => {
    server.use(checksHandler, findingsHandler([vault, awsKey]));
    const { unmount } = await renderWithBackend(<CatalogView />, {
      routeEntries: ['/?secrets=only'],
    });
    await screen.findByTestId('catalog-owner-groups');
    expect(
      screen.getByTestId('catalog-secrets-only').querySelector('input'),
    ).toBeChecked();
    expect(screen.getByTestId('catalog-finding-fp-aws')).toBeInTheDocument();
    expect(
      screen.queryByTestId('catalog-finding-fp-vault'),
    ).not.toBeInTheDocument();
    unmount();

    await renderWithBackend(<CatalogView />);
    await screen.findByTestId('catalog-finding-fp-vault');
    await userEvent.click(
      screen.getByTestId('catalog-secrets-only').querySelector('input')!,
    );
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).get('secrets')).toBe(
        'only',
      ),
    );
    await userEvent.click(
      screen.getByTestId('catalog-secrets-only').querySelector('input')!,
    );
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).has('secrets')).toBe(
        false,
      ),
    );
    expect(screen.getByTestId('catalog-finding-fp-vault')).toBeInTheDocument();
  });

  it('labels masks, exposures and references truthfully, and explains an invalid checksum', async () => {
    const typo = makeFinding({
      fingerprint: 'fp-typo',
      category: 'catalog',
      severity: 'critical',
      checkId: 'catalog/leaked-secret',
      entityRef: 'component:default/payments-api',
      owners: ['group:default/payments-checkout'],
      evidence: {
        classification: 'secret',
        secretKind: 'github-token',
        secretMask: 'ghp_…(40 chars)',
        checksum: 'invalid',
      },
    });
    const exposure = makeFinding({
      fingerprint: 'fp-exposure',
      category: 'catalog',
      severity: 'critical',
      checkId: 'catalog/exposed-sensitive-entity',
      title: 'Entity with leaked secrets is readable outside its owners',
      entityRef: 'component:default/payments-api',
      owners: ['group:default/payments-checkout'],
      evidence: {
        readableBy: ['everyone'],
        secretKinds: ['github-token'],
        referenceClasses: [],
      },
    });
    server.use(checksHandler, findingsHandler([typo, exposure]));
    await renderWithBackend(<CatalogView />);
    const row = await screen.findByTestId('catalog-finding-fp-typo');
    expect(row).toHaveTextContent('ghp_…(40 chars)');
    expect(row).not.toHaveTextContent('reference');
    expect(within(row).getByTestId('checksum-note')).toHaveTextContent(
      'Checksum invalid: checksum does not match: likely mistyped or truncated, still treat as exposed.',
    );
    await userEvent.hover(within(row).getByText('ghp_…(40 chars)'));
    expect(
      await screen.findByRole('tooltip', {
        name: 'Masked secret (first characters of a public prefix at most, and length)',
      }),
    ).toBeInTheDocument();
    const exposureRow = screen.getByTestId('catalog-finding-fp-exposure');
    expect(exposureRow).toHaveTextContent(
      'exposure of the leaked secrets listed with their own masks',
    );
    expect(exposureRow).not.toHaveTextContent('reference');
  });

  it('opens a finding in the view drawer', async () => {
    server.use(
      checksHandler,
      findingsHandler([awsKey]),
      http.get(`${BACKEND}/findings/fp-aws`, () => HttpResponse.json(awsKey)),
    );
    await renderWithBackend(<CatalogView />);
    const row = await screen.findByTestId('catalog-finding-fp-aws');
    await userEvent.click(
      within(row).getByRole('button', { name: 'AWS secret access key' }),
    );
    const drawer = await screen.findByRole('dialog');
    expect(
      within(drawer).getByTestId('finding-details-fp-aws'),
    ).toHaveTextContent('…(40 chars)');
    // One drawer per view, however many lists open it.
    expect(screen.getAllByRole('dialog')).toHaveLength(1);
  });

  it('says when no entity exposes anything, and shows errors', async () => {
    server.use(checksHandler, findingsHandler([]));
    const { unmount } = await renderWithBackend(<CatalogView />);
    expect(await screen.findByTestId('catalog-empty')).toHaveTextContent(
      'No entity exposes secrets or sensitive references.',
    );
    unmount();

    server.use(
      http.get(`${BACKEND}/findings`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'boom' } },
          { status: 500 },
        ),
      ),
    );
    await renderWithBackend(<CatalogView />);
    expect(
      await screen.findByText(/Could not load catalog findings/),
    ).toBeInTheDocument();
  });

  it('labels what a finding is about', () => {
    expect(catalogFindingKind(awsKey)).toBe('AWS secret access key');
    expect(catalogFindingKind(vault)).toBe('Secret store reference');
    expect(
      catalogFindingKind(makeFinding({ evidence: { class: 'adopter-class' } })),
    ).toBe('adopter-class');
    expect(
      catalogFindingKind(
        makeFinding({ title: 'Readable by guests', evidence: {} }),
      ),
    ).toBe('Readable by guests');
  });

  it('says where a finding is: a reference finding by its fields', () => {
    expect(catalogFindingPlace(vault)).toBe(
      'metadata.annotations.vault.io/path and 1 more',
    );
    const capped = makeFinding({
      checkId: 'catalog/sensitive-reference',
      location: 'sensitive-reference#runbook',
      evidence: {
        class: 'runbook',
        fields: ['metadata.links[0].url'],
        fieldCount: 60,
      },
    });
    expect(catalogFindingPlace(capped)).toBe(
      'metadata.links[0].url and 59 more',
    );
    const single = makeFinding({
      checkId: 'catalog/sensitive-reference',
      location: 'sensitive-reference#runbook',
      evidence: {
        class: 'runbook',
        fields: ['metadata.links[0].url'],
        fieldCount: 1,
      },
    });
    expect(catalogFindingPlace(single)).toBe('metadata.links[0].url');
    // Written before version 2 of the check, and findings of other checks: their location.
    const old = makeFinding({
      checkId: 'catalog/sensitive-reference',
      location: 'spec.ssm#secret-reference',
      evidence: { field: 'spec.ssm', class: 'secret-reference' },
    });
    expect(catalogFindingPlace(old)).toBe('spec.ssm#secret-reference');
    expect(catalogFindingPlace(awsKey)).toBe(
      'metadata.annotations.acme.io/aws-secret-access-key',
    );
  });

  it('counts severities per owner group', () => {
    const [first] = groupByOwner([vault, awsKey]);
    expect(first.counts).toEqual({
      critical: 1,
      high: 0,
      medium: 1,
      low: 0,
      info: 0,
    });
    expect(first.findings.map(f => f.fingerprint)).toEqual([
      'fp-aws',
      'fp-vault',
    ]);
  });
});
