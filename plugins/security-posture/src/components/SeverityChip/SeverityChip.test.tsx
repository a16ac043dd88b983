import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { SeverityChip, SeverityCountChips } from './SeverityChip';

describe('SeverityChip', () => {
  it('names the severity', async () => {
    await renderInTestApp(<SeverityChip severity="critical" />);
    expect(screen.getByTestId('severity-chip-critical')).toHaveTextContent(
      'Critical',
    );
  });

  it('lists non-zero counts worst first', async () => {
    await renderInTestApp(
      <SeverityCountChips
        counts={{ critical: 0, high: 2, medium: 0, low: 1, info: 4 }}
      />,
    );
    const chips = screen.getAllByTestId(/^severity-count-/);
    expect(chips.map(c => c.textContent)).toEqual([
      'High: 2',
      'Low: 1',
      'Info: 4',
    ]);
  });

  it('can show zero counts', async () => {
    await renderInTestApp(
      <SeverityCountChips
        counts={{ critical: 0, high: 0, medium: 0, low: 0, info: 0 }}
        showZero
      />,
    );
    expect(screen.getAllByTestId(/^severity-count-/)).toHaveLength(5);
  });
});
