import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { GradeDrag } from '@security-posture/plugin-security-posture-common';
import { GradeDragList } from './GradeDragList';

const critical: GradeDrag = {
  fingerprint: 'fp-aws',
  checkId: 'catalog/leaked-secret',
  title: 'Leaked AWS secret access key',
  category: 'catalog',
  severity: 'critical',
  outcome: 'fail',
  entityRef: 'component:default/payments-api',
  exposure: {
    level: 'guests',
    permission: 'catalog.entity.read',
    basis: 'catalog.entity.read is allowed for Guest (user:development/guest)',
  },
  overallGain: 0.12,
  categoryGain: 0.6,
};
const high: GradeDrag = {
  fingerprint: 'fp-scaffolder',
  checkId: 'permissions/policy-coverage',
  title: 'scaffolder.task.create is open to every signed-in user',
  category: 'permissions',
  severity: 'high',
  outcome: 'fail',
  exposure: {
    level: 'signed-in',
    permission: 'scaffolder.task.create',
    basis: 'scaffolder.task.create is allowed for User who owns nothing',
  },
  overallGain: 1.46,
  categoryGain: 7.3,
};
const errored: GradeDrag = {
  fingerprint: 'fp-probe',
  checkId: 'auth/live-probes',
  title: 'Live probes failed',
  category: 'auth',
  severity: 'high',
  outcome: 'error',
  overallGain: 0.5,
  categoryGain: 2.7,
};

describe('GradeDragList', () => {
  it("keeps the server's risk order and shows entity, exposure and gains", async () => {
    const onOpen = jest.fn();
    await renderInTestApp(
      <GradeDragList items={[critical, high, errored]} onOpen={onOpen} />,
    );
    const rows = within(screen.getByTestId('grade-drags')).getAllByTestId(
      /^grade-drag-/,
    );
    expect(rows.map(r => r.getAttribute('data-testid'))).toEqual([
      'grade-drag-fp-aws',
      'grade-drag-fp-scaffolder',
      'grade-drag-fp-probe',
    ]);
    // the critical comes first although it gains the least
    expect(rows[0]).toHaveTextContent('Critical');
    expect(rows[0]).toHaveTextContent(
      'component:default/payments-api · Catalog · catalog/leaked-secret',
    );
    expect(within(rows[0]).getByTestId('exposure-guests')).toHaveTextContent(
      'Open to guests',
    );
    expect(rows[0]).toHaveTextContent('+0.1 overall');
    expect(rows[0]).toHaveTextContent('+0.6 in Catalog');
    expect(rows[1]).toHaveTextContent(
      'Permissions · permissions/policy-coverage',
    );
    expect(within(rows[1]).getByTestId('exposure-signed-in')).toHaveTextContent(
      'Open to every signed-in user',
    );
    expect(rows[1]).toHaveTextContent('+1.5 overall');
    // an errored check says so, and has no exposure
    expect(rows[2]).toHaveTextContent('Live probes failed (check errored)');
    expect(within(rows[2]).queryByTestId(/^exposure-/)).toBeNull();

    await userEvent.click(rows[1]);
    expect(onOpen).toHaveBeenCalledWith('fp-scaffolder');
  });

  it('says when nothing holds the grade down', async () => {
    await renderInTestApp(<GradeDragList items={[]} onOpen={jest.fn()} />);
    expect(
      screen.getByText('Nothing holds the grade down.'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('grade-drags')).toBeNull();
  });
});
