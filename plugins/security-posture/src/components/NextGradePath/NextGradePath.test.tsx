import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import {
  GradePath,
  GradePathStep,
} from '@security-posture/plugin-security-posture-common';
import { NextGradePath, pathHeadline } from './NextGradePath';

function step(
  fingerprint: string,
  overrides: Partial<GradePathStep> = {},
): GradePathStep {
  return {
    fingerprint,
    checkId: 'auth/guest-outside-development',
    title: `Finding ${fingerprint}`,
    category: 'auth',
    severity: 'high',
    outcome: 'fail',
    overallGain: 1.5,
    categoryGain: 7.3,
    scoreAfter: 50,
    ...overrides,
  };
}

function path(overrides: Partial<GradePath> = {}): GradePath {
  return {
    grade: 'D',
    minimumScore: 60,
    fixCount: 3,
    criticalFixes: 0,
    scoreAfter: 60.4,
    gradeAfter: 'D',
    steps: [
      step('a', { scoreAfter: 48.2 }),
      step('b', { scoreAfter: 55.1 }),
      step('c', { scoreAfter: 60.4 }),
    ],
    ...overrides,
  };
}

describe('NextGradePath', () => {
  it('lists the fixes in order with the score after each, and opens one', async () => {
    const onOpen = jest.fn();
    await renderInTestApp(
      <NextGradePath nextGrade={path()} score={40.5} onOpen={onOpen} />,
    );
    expect(screen.getByText('Path to grade D')).toBeInTheDocument();
    expect(screen.getByTestId('next-grade-summary')).toHaveTextContent(
      'Fix these 3 to reach D.',
    );
    expect(screen.getByText(/A score of 60 \(now 40.5\)/)).toBeInTheDocument();
    const steps = screen.getAllByTestId(/^next-grade-step-/);
    expect(steps.map(s => s.textContent)).toEqual([
      expect.stringMatching(/^1\.High.*Finding a.*\+1\.5score 48\.2$/),
      expect.stringMatching(/^2\..*score 55\.1$/),
      expect.stringMatching(/^3\..*score 60\.4$/),
    ]);
    expect(screen.queryByTestId('next-grade-criticals')).toBeNull();
    await userEvent.click(steps[2]);
    expect(onOpen).toHaveBeenCalledWith('c');
  });

  it('puts the criticals first above D and says why', async () => {
    await renderInTestApp(
      <NextGradePath
        nextGrade={path({
          grade: 'C',
          minimumScore: 70,
          fixCount: 2,
          criticalFixes: 2,
          gradeAfter: 'B',
          steps: [
            step('k1', {
              severity: 'critical',
              entityRef: 'component:default/payments-api',
              exposure: {
                level: 'guests',
                permission: 'catalog.entity.read',
                basis: 'catalog.entity.read is allowed for Guest',
              },
            }),
            step('k2', { severity: 'critical' }),
          ],
        })}
        score={86.1}
        onOpen={jest.fn()}
      />,
    );
    expect(screen.getByTestId('next-grade-summary')).toHaveTextContent(
      'Fix these 2 to reach C (the grade is then B).',
    );
    expect(screen.getByTestId('next-grade-criticals')).toHaveTextContent(
      '2 open critical findings first: any open critical caps the grade at D',
    );
    expect(
      screen.getByText(/A score of 70 and no open critical finding/),
    ).toBeInTheDocument();
    const first = screen.getByTestId('next-grade-step-k1');
    expect(first).toHaveTextContent('component:default/payments-api');
    expect(within(first).getByTestId('exposure-guests')).toBeInTheDocument();
  });

  it('says how many fixes it takes when it lists only the first', () => {
    expect(
      pathHeadline(path({ fixCount: 27, steps: [step('a'), step('b')] })),
    ).toBe('27 fixes reach D. The first 2:');
    expect(pathHeadline(path({ fixCount: 1, steps: [step('a')] }))).toBe(
      'Fix this one to reach D.',
    );
    expect(
      pathHeadline(
        path({ fixCount: 100000, incomplete: true, steps: [step('a')] }),
      ),
    ).toBe('More than 100,000 fixes are needed to reach D. The first 1:');
  });
});
