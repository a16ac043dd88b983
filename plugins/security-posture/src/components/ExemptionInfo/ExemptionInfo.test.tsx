import { screen, within } from '@testing-library/react';
import { Exemption } from '@security-posture/plugin-security-posture-common';
import { makeFinding, renderWithBackend, setupBackend } from '../../__testUtils__';
import { FindingDetails } from '../FindingDetails';

const exemption: Exemption = {
  id: 'ex-1',
  scope: { type: 'target', checkId: 'catalog/secret-in-annotation', entityRef: 'component:default/checkout-api' },
  kind: 'mitigated-elsewhere',
  reason: 'The WAF strips the header\n(see the runbook)',
  ticket: 'https://tickets.example.com/SEC-9',
  createdBy: 'user:default/alice',
  createdAt: '2027-01-10T12:00:00.000Z',
  expiresAt: '2027-04-01T00:00:00.000Z',
  state: 'active',
};

setupBackend();

/** In the plugin's providers: the details read the finding's entity from the catalog. */
function render(finding = makeFinding()) {
  return renderWithBackend(<FindingDetails finding={finding} />);
}

describe('FindingDetails with an exemption', () => {
  it('shows an exempted finding as exempted, with reason, scope, who, until when and the ticket', async () => {
    await render(makeFinding({ status: 'exempted', exemption }));
    expect(screen.getByTestId('finding-status')).toHaveTextContent('Exempted');
    const info = screen.getByTestId('exemption-info-active');
    expect(info).toHaveTextContent('Exempted (Mitigated elsewhere): this finding does not count');
    expect(info).toHaveTextContent('The WAF strips the header');
    expect(info).toHaveTextContent(
      'catalog/secret-in-annotation on component:default/checkout-api',
    );
    expect(info).toHaveTextContent('user:default/alice, 2027-01-10 12:00 UTC');
    expect(info).toHaveTextContent('2027-04-01');
    expect(within(info).getByRole('link')).toHaveAttribute('href', 'https://tickets.example.com/SEC-9');
  });

  it('shows an expired exemption on an open finding: it counts again', async () => {
    await render(makeFinding({ status: 'open', exemption: { ...exemption, state: 'expired' } }));
    expect(screen.getByTestId('finding-status')).toHaveTextContent('Open');
    expect(screen.getByTestId('exemption-info-expired')).toHaveTextContent(
      'The exemption expired on 2027-04-01: this finding counts again.',
    );
  });

  it('shows no exemption on a finding without one', async () => {
    await render();
    expect(screen.queryByTestId(/exemption-info/)).not.toBeInTheDocument();
  });
});
