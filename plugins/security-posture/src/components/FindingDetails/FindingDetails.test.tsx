import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { makeFinding } from '../../__testUtils__';
import { FindingDetails } from './FindingDetails';

describe('FindingDetails', () => {
  it('labels the mask as a masked secret and explains the token checksum', async () => {
    await renderInTestApp(
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
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
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
});
