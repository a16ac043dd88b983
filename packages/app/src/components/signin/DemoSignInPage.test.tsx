import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  configApiRef,
  discoveryApiRef,
  IdentityApi,
} from '@backstage/core-plugin-api';
import { DemoSignInPage } from './DemoSignInPage';
import { DEMO_USER_STORAGE_KEY } from './demoUsers';

function base64Url(value: object) {
  return btoa(JSON.stringify(value))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function sessionFor(name: string) {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return {
    profile: { displayName: name },
    backstageIdentity: {
      token: `${base64Url({ alg: 'none' })}.${base64Url({
        sub: `user:default/${name}`,
        exp,
      })}.sig`,
      identity: {
        type: 'user',
        userEntityRef: `user:default/${name}`,
        ownershipEntityRefs: [`user:default/${name}`],
      },
    },
  };
}

type FetchCall = { url: string; headers: Headers };

function mockFetch(respond: (call: FetchCall) => Response) {
  const calls: FetchCall[] = [];
  const spy = jest
    .spyOn(global, 'fetch')
    .mockImplementation(async (input, init) => {
      const call = {
        url: String(input),
        headers: new Headers(init?.headers),
      };
      calls.push(call);
      return respond(call);
    });
  return { calls, spy };
}

async function renderSignIn(onSignInSuccess: (identity: IdentityApi) => void) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          discoveryApiRef,
          mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
        ],
        [configApiRef, mockApis.config({ data: { app: { title: 'Demo' } } })],
      ]}
    >
      <DemoSignInPage onSignInSuccess={onSignInSuccess} />
    </TestApiProvider>,
  );
}

describe('DemoSignInPage', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(() => jest.restoreAllMocks());

  it('offers the demo users and the guest', async () => {
    await renderSignIn(jest.fn());

    expect(screen.getByTestId('demo-signin-alice')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-sam')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-dana')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-guest')).toBeInTheDocument();
    expect(
      screen.getByText('Alice Platform — platform team'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Sam Owner — owns payments-checkout services'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Dana Developer — owns nothing'),
    ).toBeInTheDocument();
  });

  it('signs in through the demo provider, remembers the choice and forgets it on sign-out', async () => {
    const session = sessionFor('sam');
    const { calls } = mockFetch(
      () =>
        new Response(JSON.stringify(session), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const onSignInSuccess = jest.fn();
    await renderSignIn(onSignInSuccess);

    await userEvent.click(screen.getByTestId('demo-signin-sam'));

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('http://localhost:7007/api/auth/demo/refresh');
    expect(calls[0].headers.get('x-demo-user')).toBe('sam');
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBe('sam');

    const identity: IdentityApi = onSignInSuccess.mock.calls[0][0];
    await expect(identity.getBackstageIdentity()).resolves.toMatchObject({
      userEntityRef: 'user:default/sam',
    });
    await expect(identity.getCredentials()).resolves.toEqual({
      token: session.backstageIdentity.token,
    });

    await identity.signOut();
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBeNull();
  });

  it('signs in again as the remembered user after a reload', async () => {
    window.localStorage.setItem(DEMO_USER_STORAGE_KEY, 'alice');
    const { calls } = mockFetch(
      () =>
        new Response(JSON.stringify(sessionFor('alice')), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const onSignInSuccess = jest.fn();
    await renderSignIn(onSignInSuccess);

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(calls[0].headers.get('x-demo-user')).toBe('alice');
    expect(screen.queryByTestId('demo-signin-alice')).not.toBeInTheDocument();
  });

  it('shows the error and leads back to the chooser when sign-in fails', async () => {
    mockFetch(
      () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'NotFoundError',
              message: 'Unknown auth provider demo',
            },
          }),
          { status: 404, headers: { 'Content-Type': 'application/json' } },
        ),
    );
    const onSignInSuccess = jest.fn();
    await renderSignIn(onSignInSuccess);

    await userEvent.click(screen.getByTestId('demo-signin-dana'));

    expect(await screen.findByTestId('demo-signin-error')).toHaveTextContent(
      'Could not sign in as dana',
    );
    expect(onSignInSuccess).not.toHaveBeenCalled();
    // A reload would show the chooser instead of failing again.
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBeNull();

    await userEvent.click(screen.getByTestId('demo-signin-back'));
    expect(await screen.findByTestId('demo-signin-dana')).toBeInTheDocument();
  });

  it('offers the standard guest sign-in and a way back', async () => {
    await renderSignIn(jest.fn());

    await userEvent.click(screen.getByTestId('demo-signin-guest'));

    expect(await screen.findByText('Sign in as guest')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /enter/i })).toBeInTheDocument();
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBe('guest');

    await userEvent.click(screen.getByTestId('demo-signin-back'));
    expect(await screen.findByTestId('demo-signin-guest')).toBeInTheDocument();
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBeNull();
  });

  it('signs in as guest through the standard guest provider', async () => {
    const { calls } = mockFetch(
      () =>
        new Response(JSON.stringify(sessionFor('guest')), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const onSignInSuccess = jest.fn();
    await renderSignIn(onSignInSuccess);

    await userEvent.click(screen.getByTestId('demo-signin-guest'));
    await userEvent.click(
      await screen.findByRole('button', { name: /enter/i }),
    );

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(calls.map(c => c.url)).toContain(
      'http://localhost:7007/api/auth/guest/refresh',
    );
    const identity: IdentityApi = onSignInSuccess.mock.calls[0][0];
    await expect(identity.getBackstageIdentity()).resolves.toMatchObject({
      userEntityRef: 'user:default/guest',
    });
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBe('guest');

    await identity.signOut();
    expect(window.localStorage.getItem(DEMO_USER_STORAGE_KEY)).toBeNull();
  });
});
