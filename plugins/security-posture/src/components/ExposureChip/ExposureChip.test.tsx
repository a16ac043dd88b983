import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { ExposureChip } from './ExposureChip';

describe('ExposureChip', () => {
  it('names who can reach the finding and explains it on hover', async () => {
    await renderInTestApp(
      <ExposureChip
        exposure={{
          level: 'guests',
          permission: 'catalog.entity.read',
          basis:
            'catalog.entity.read is allowed for Guest (user:development/guest)',
        }}
      />,
    );
    const chip = screen.getByTestId('exposure-guests');
    expect(chip).toHaveTextContent('Open to guests');
    await userEvent.hover(chip);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'catalog.entity.read is allowed for Guest (user:development/guest)',
    );
  });

  it('says owners only', async () => {
    await renderInTestApp(
      <ExposureChip
        exposure={{
          level: 'owners',
          permission: 'catalog.entity.read',
          basis: 'b',
        }}
      />,
    );
    expect(screen.getByTestId('exposure-owners')).toHaveTextContent(
      'Owners only',
    );
  });
});
