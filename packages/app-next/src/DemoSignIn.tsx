import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { Content, Header, Page, ProxiedSignInPage } from '@backstage/core-components';
import type { SignInPageProps } from '@backstage/plugin-app-react';

const USERS = [
  { name: 'alice', label: 'Alice (platform team)' },
  { name: 'sam', label: 'Sam (owns payments-checkout)' },
  { name: 'dana', label: 'Dana (owns nothing)' },
] as const;

const STORAGE_KEY = 'security-posture-demo-user';

function storedUser(): string | undefined {
  const value = window.localStorage.getItem(STORAGE_KEY);
  return USERS.some(u => u.name === value) ? value! : undefined;
}

/**
 * Choose a demo user (remembered across reloads, as in the legacy demo app), then sign in through the backend's development-only `demo` proxy provider
 * (the same one the legacy demo app uses). Kept minimal: this app exists to run `./alpha`.
 */
export function DemoSignIn(props: SignInPageProps) {
  const [user, setUser] = useState<string | undefined>(storedUser);
  const choose = (name: string) => {
    window.localStorage.setItem(STORAGE_KEY, name);
    setUser(name);
  };
  if (user) {
    return (
      <ProxiedSignInPage
        onSignInSuccess={props.onSignInSuccess}
        provider="demo"
        headers={{ 'x-demo-user': user }}
      />
    );
  }
  return (
    <Page themeId="home">
      <Header title="Security posture demo (new frontend system)" subtitle="Choose who to sign in as" />
      <Content>
        <Box display="flex" style={{ gap: 16 }}>
          {USERS.map(u => (
            <Button
              key={u.name}
              variant="contained"
              color="primary"
              onClick={() => choose(u.name)}
              data-testid={`demo-signin-${u.name}`}
            >
              {u.label}
            </Button>
          ))}
        </Box>
      </Content>
    </Page>
  );
}
