import {
  ComponentType,
  useCallback,
  useEffect,
  useMemo,
  useState,
} from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import {
  Content,
  ErrorPanel,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
  SignInPage,
} from '@backstage/core-components';
import { IdentityApi, SignInPageProps } from '@backstage/core-plugin-api';
import {
  clearStoredChoice,
  DEMO_USERS,
  DemoSignInChoice,
  DemoUserName,
  readStoredChoice,
  storeChoice,
} from './demoUsers';

/** The backend's development-only proxy provider that reads `x-demo-user`. */
export const DEMO_AUTH_PROVIDER = 'demo';

/**
 * Wraps the signed-in identity so that signing out also forgets the demo
 * choice; the app reloads after sign-out and then shows the chooser again.
 */
export function forgetChoiceOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      clearStoredChoice();
      await identity.signOut();
    },
  };
}

function Chooser(props: { onChoose: (choice: DemoSignInChoice) => void }) {
  const { onChoose } = props;
  return (
    <Page themeId="home">
      <Header
        title="Security posture demo"
        subtitle="Choose who to sign in as"
      />
      <Content>
        <Grid container spacing={3}>
          {DEMO_USERS.map(user => (
            <Grid item xs={12} sm={6} md={3} key={user.name}>
              <InfoCard
                title={user.title}
                subheader={user.description}
                variant="fullHeight"
                actions={
                  <Button
                    color="primary"
                    variant="contained"
                    onClick={() => onChoose(user.name)}
                    data-testid={`demo-signin-${user.name}`}
                  >
                    Sign in as {user.title.split(' ')[0]}
                  </Button>
                }
              >
                <Typography variant="body2">
                  {user.title} — {user.description}
                </Typography>
              </InfoCard>
            </Grid>
          ))}
          <Grid item xs={12} sm={6} md={3}>
            <InfoCard
              title="Guest"
              subheader="not in the catalog"
              variant="fullHeight"
              actions={
                <Button
                  color="primary"
                  variant="outlined"
                  onClick={() => onChoose('guest')}
                  data-testid="demo-signin-guest"
                >
                  Continue as guest
                </Button>
              }
            >
              <Typography variant="body2">
                The standard Backstage guest sign-in.
              </Typography>
            </InfoCard>
          </Grid>
        </Grid>
        <Box mt={3}>
          <Typography variant="body2" color="textSecondary">
            Demo users sign in through the backend&apos;s development-only{' '}
            <code>{DEMO_AUTH_PROVIDER}</code> auth provider. Signing out brings
            you back here.
          </Typography>
        </Box>
      </Content>
    </Page>
  );
}

function BackToChooser(props: { onBack: () => void }) {
  return (
    <Button
      variant="outlined"
      color="primary"
      onClick={props.onBack}
      data-testid="demo-signin-back"
    >
      Choose another user
    </Button>
  );
}

function SignInError(props: {
  user: DemoUserName;
  error?: Error;
  onBack: () => void;
}) {
  const { user, error, onBack } = props;
  // A failed choice must not be retried on every reload.
  useEffect(() => {
    clearStoredChoice();
  }, []);
  return (
    <Page themeId="home">
      <Header title="Security posture demo" subtitle="Sign-in failed" />
      <Content>
        <Box mb={2} data-testid="demo-signin-error">
          <ErrorPanel
            title={`Could not sign in as ${user}`}
            error={error ?? new Error('Unknown error')}
          />
        </Box>
        <Typography variant="body2" paragraph>
          The demo sign-in needs the backend running in development with the{' '}
          <code>{DEMO_AUTH_PROVIDER}</code> auth provider.
        </Typography>
        <BackToChooser onBack={onBack} />
      </Content>
    </Page>
  );
}

/**
 * Sign-in page of the demo portal: choose a demo user (signed in through the
 * `demo` proxy provider) or the guest. The choice survives reloads until
 * sign-out.
 */
export function DemoSignInPage(props: SignInPageProps) {
  const { onSignInSuccess } = props;
  const [choice, setChoice] = useState<DemoSignInChoice | undefined>(
    readStoredChoice,
  );

  const choose = useCallback((next: DemoSignInChoice) => {
    storeChoice(next);
    setChoice(next);
  }, []);
  const backToChooser = useCallback(() => {
    clearStoredChoice();
    setChoice(undefined);
  }, []);
  const handleSignInSuccess = useCallback(
    (identity: IdentityApi) => onSignInSuccess(forgetChoiceOnSignOut(identity)),
    [onSignInSuccess],
  );

  const ErrorComponent = useMemo<
    ComponentType<{ error?: Error }> | undefined
  >(() => {
    if (!choice || choice === 'guest') {
      return undefined;
    }
    return ({ error }: { error?: Error }) => (
      <SignInError user={choice} error={error} onBack={backToChooser} />
    );
  }, [choice, backToChooser]);

  if (!choice) {
    return <Chooser onChoose={choose} />;
  }

  if (choice === 'guest') {
    return (
      <>
        <SignInPage
          onSignInSuccess={handleSignInSuccess}
          providers={['guest']}
          title="Sign in as guest"
        />
        <Box px={3} pb={3}>
          <BackToChooser onBack={backToChooser} />
        </Box>
      </>
    );
  }

  return (
    <ProxiedSignInPage
      key={choice}
      onSignInSuccess={handleSignInSuccess}
      provider={DEMO_AUTH_PROVIDER}
      headers={{ 'x-demo-user': choice }}
      ErrorComponent={ErrorComponent}
    />
  );
}
