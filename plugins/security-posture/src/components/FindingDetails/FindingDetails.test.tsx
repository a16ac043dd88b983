import { screen } from '@testing-library/react';
import { makeFinding, renderWithBackend, setupBackend } from '../../__testUtils__';
import { FindingDetails } from './FindingDetails';

setupBackend();

describe('FindingDetails', () => {
  it('labels the mask as a masked secret and explains the token checksum', async () => {
    await renderWithBackend(
      <FindingDetails
        finding={makeFinding({
          severity: 'critical',
          evidence: {
            secretKind: 'github-token',
            secretMask: 'ghp_…(40 chars)',
            checksum: 'invalid',
          },
        })}
      />,
    );
    expect(screen.getByText('Masked secret')).toBeInTheDocument();
    expect(screen.getByTestId('evidence-note-secretMask')).toHaveTextContent(
      '(first characters of a public prefix at most, and length)',
    );
    expect(screen.getByText('Token checksum')).toBeInTheDocument();
    expect(screen.getByTestId('evidence-note-checksum')).toHaveTextContent(
      "The token's built-in checksum does not match: likely mistyped or truncated, still treat as exposed.",
    );
    expect(screen.queryByText(/reference, not a secret/)).toBeNull();
  });

  it("offers the entity's edit and source links from the catalog", async () => {
    await renderWithBackend(<FindingDetails finding={makeFinding()} />, {
      catalogEntities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'checkout-api',
            namespace: 'default',
            annotations: {
              'backstage.io/edit-url': 'https://github.com/acme/checkout-api/edit/main/catalog-info.yaml',
            },
          },
        },
      ],
    });
    expect(await screen.findByTestId('finding-edit-source')).toHaveTextContent('Edit source');
    expect(screen.queryByTestId('finding-view-source')).toBeNull();
  });
});
