import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { Exemption } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { ExemptionDialog, expiryBounds } from './ExemptionDialog';
import { ExemptButton } from './ExemptButton';

jest.setTimeout(30_000);

const server = setupBackend();
const NOW = Date.parse('2027-01-10T12:00:00.000Z');

/** Answers POST /exemptions and records the bodies. */
function acceptExemptions() {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${BACKEND}/exemptions`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      bodies.push(body);
      const created: Exemption = {
        id: 'ex-1',
        scope: body.scope as Exemption['scope'],
        kind: body.kind as Exemption['kind'],
        reason: String(body.reason),
        createdBy: 'user:default/alice',
        createdAt: new Date(NOW).toISOString(),
        expiresAt: body.expiresAt as string | undefined,
        state: 'active',
      };
      return HttpResponse.json(created, { status: 201 });
    }),
  );
  return bodies;
}

async function fill(reason: string, expires?: string) {
  await userEvent.type(screen.getByTestId('exemption-reason'), reason);
  if (expires !== undefined) {
    fireEvent.change(screen.getByTestId('exemption-expires'), { target: { value: expires } });
  }
}

describe('expiryBounds', () => {
  it('offers tomorrow to the last day within the maximum (UTC days)', () => {
    expect(expiryBounds(NOW, 365)).toEqual({ min: '2027-01-11', max: '2028-01-10' });
    expect(expiryBounds(Date.parse('2027-01-10T23:59:59.000Z'), 1)).toEqual({
      min: '2027-01-11',
      max: '2027-01-11',
    });
  });
});

describe('ExemptionDialog', () => {
  it('exempts the finding with kind, reason, expiry and ticket', async () => {
    const bodies = acceptExemptions();
    const onClose = jest.fn();
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={onClose} now={NOW} />,
    );
    const expires = screen.getByTestId('exemption-expires');
    // The picker is bounded by the maximum duration (default 365 days).
    expect(expires).toHaveAttribute('min', '2027-01-11');
    expect(expires).toHaveAttribute('max', '2028-01-10');
    await fill('Rotation is booked with the vendor', '2027-03-01');
    await userEvent.type(screen.getByTestId('exemption-ticket'), 'https://tickets.example.com/SEC-7');
    await userEvent.click(screen.getByTestId('exemption-submit'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(bodies).toEqual([
      {
        scope: { type: 'finding', fingerprint: 'fp-1' },
        kind: 'accepted-risk',
        reason: 'Rotation is booked with the vendor',
        expiresAt: '2027-03-01T00:00:00.000Z',
        ticket: 'https://tickets.example.com/SEC-7',
      },
    ]);
  });

  it('can exempt the check on the whole entity instead, as a false positive without expiry', async () => {
    const bodies = acceptExemptions();
    const onClose = jest.fn();
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={onClose} now={NOW} />,
    );
    await userEvent.click(
      screen.getByLabelText(/Every finding of catalog\/secret-in-annotation on component:default\/checkout-api/),
    );
    await userEvent.click(within(screen.getByTestId('exemption-kind')).getByRole('button'));
    await userEvent.click(screen.getByRole('option', { name: 'False positive' }));
    await fill('Test fixture, not a credential', '');
    await userEvent.click(screen.getByTestId('exemption-submit'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(bodies).toEqual([
      {
        scope: {
          type: 'target',
          checkId: 'catalog/secret-in-annotation',
          entityRef: 'component:default/checkout-api',
        },
        kind: 'false-positive',
        reason: 'Test fixture, not a credential',
      },
    ]);
  });

  it('offers the platform team the check on every entity of the kind or of an owner', async () => {
    const bodies = acceptExemptions();
    const onClose = jest.fn();
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={onClose} now={NOW} />,
    );
    expect(
      await screen.findByLabelText(
        'Every finding of catalog/secret-in-annotation on what group:default/payments-checkout owns',
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByLabelText('Every finding of catalog/secret-in-annotation on every Component'),
    );
    await fill('Annotations are placeholders in every component template', '2027-04-01');
    await userEvent.click(screen.getByTestId('exemption-submit'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(bodies).toEqual([
      expect.objectContaining({
        scope: { type: 'entities', checkId: 'catalog/secret-in-annotation', entityKind: 'Component' },
        kind: 'accepted-risk',
      }),
    ]);
  });

  it('offers an owner only the finding and its entity (sets of entities are the platform team\'s)', async () => {
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={() => {}} now={NOW} />,
      { allow: permission => permission === 'security-posture.exemption.create' },
    );
    const options = within(await screen.findByTestId('exemption-scope')).getAllByRole('radio');
    expect(options).toHaveLength(2);
    expect(screen.queryByLabelText(/on every Component/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/owns$/)).not.toBeInTheDocument();
  });

  it('sends nothing without a reason, an expiry for an accepted risk, or with an expiry past the maximum', async () => {
    const bodies = acceptExemptions();
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={() => {}} now={NOW} />,
    );
    fireEvent.change(screen.getByTestId('exemption-expires'), { target: { value: '' } });
    await userEvent.click(screen.getByTestId('exemption-submit'));
    expect(await screen.findByText('A reason is required')).toBeInTheDocument();
    expect(screen.getByText('An accepted risk needs an expiry date')).toBeInTheDocument();
    await fill('Because', '2029-01-01');
    await userEvent.click(screen.getByTestId('exemption-submit'));
    expect(screen.getByText(/Between 2027-01-11 and 2028-01-10/)).toBeInTheDocument();
    await userEvent.type(screen.getByTestId('exemption-ticket'), 'ftp://x');
    expect(screen.getByText('An http(s) link')).toBeInTheDocument();
    expect(bodies).toEqual([]);
  });

  it('shows why the server refused', async () => {
    server.use(
      http.post(`${BACKEND}/exemptions`, () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'You may not exempt findings of component:default/checkout-api' } },
          { status: 403 },
        ),
      ),
    );
    const onClose = jest.fn();
    await renderWithBackend(
      <ExemptionDialog finding={makeFinding()} open onClose={onClose} now={NOW} />,
    );
    await fill('Because', '2027-02-01');
    await userEvent.click(screen.getByTestId('exemption-submit'));
    expect(await screen.findByTestId('exemption-error')).toHaveTextContent(
      'You may not exempt findings of component:default/checkout-api',
    );
    expect(onClose).not.toHaveBeenCalled();
  });
});

describe('ExemptButton', () => {
  it('shows for who holds the exemption permission on the entity, and not on resolved findings', async () => {
    await renderWithBackend(
      <>
        <ExemptButton finding={makeFinding({ fingerprint: 'fp-mine', entityRef: 'component:default/mine' })} />
        <ExemptButton
          finding={makeFinding({ fingerprint: 'fp-theirs', entityRef: 'component:default/theirs' })}
        />
        <ExemptButton
          finding={makeFinding({ fingerprint: 'fp-gone', entityRef: 'component:default/mine', status: 'resolved' })}
        />
      </>,
      {
        allow: (permission, resourceRef) =>
          permission === 'security-posture.exemption.create' && resourceRef === 'component:default/mine',
      },
    );
    expect(await screen.findByTestId('exempt-fp-mine')).toBeInTheDocument();
    expect(screen.queryByTestId('exempt-fp-theirs')).not.toBeInTheDocument();
    expect(screen.queryByTestId('exempt-fp-gone')).not.toBeInTheDocument();
    await userEvent.click(screen.getByTestId('exempt-fp-mine'));
    expect(await screen.findByTestId('exemption-dialog')).toBeInTheDocument();
  });
});
