import { createContext, ReactNode, useContext } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ResponseError } from '@backstage/errors';

/** Creates the react-query client the plugin's components share. */
export function createSecurityPostureQueryClient(
  options: { retry?: boolean } = {},
): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Retrying a 4xx (e.g. 403 without permission) only delays the error.
        retry:
          options.retry === false
            ? false
            : (failureCount, error) =>
                failureCount < 2 &&
                !(
                  error instanceof ResponseError &&
                  error.response.status >= 400 &&
                  error.response.status < 500
                ),
      },
      mutations: { retry: false },
    },
  });
}

let pluginQueryClient: QueryClient | undefined;

/** The single client of this plugin instance, created on first use. */
function getPluginQueryClient(): QueryClient {
  if (!pluginQueryClient) {
    pluginQueryClient = createSecurityPostureQueryClient();
  }
  return pluginQueryClient;
}

const HasProviderContext = createContext(false);

/**
 * Provides the plugin's own QueryClient (so the plugin does not depend on the
 * app having one). Nested providers reuse the outer one unless a client is
 * passed explicitly, which is how tests inject a fresh client.
 */
export function SecurityPostureQueryProvider(props: {
  client?: QueryClient;
  children?: ReactNode;
}) {
  const { client, children } = props;
  const hasProvider = useContext(HasProviderContext);
  if (hasProvider && !client) {
    return <>{children}</>;
  }
  return (
    <HasProviderContext.Provider value>
      <QueryClientProvider client={client ?? getPluginQueryClient()}>
        {children}
      </QueryClientProvider>
    </HasProviderContext.Provider>
  );
}
