import { createContext, useContext } from 'react';

/** Where the Security page is mounted, so drawers and cards can link between its views. */
const SecurityPageBaseContext = createContext<string | undefined>(undefined);

export const SecurityPageBaseProvider = SecurityPageBaseContext.Provider;

/** The path of a view of the Security page (`findings`, `auth`, …) with an optional query. */
export function useSecurityPageLink(): (
  view: string,
  params?: URLSearchParams,
) => string | undefined {
  const base = useContext(SecurityPageBaseContext);
  return (view, params) => {
    if (base === undefined) return undefined;
    const query = params?.toString();
    const path = `${base.replace(/\/$/, '')}/${view}`;
    return query ? `${path}?${query}` : path;
  };
}

/**
 * The view of the Security page the URL asks for (`auth`, `findings`, …; `''` for the
 * overview), or undefined outside the page.
 */
export function useRequestedSecurityView(pathname: string): string | undefined {
  const base = useContext(SecurityPageBaseContext);
  if (base === undefined) return undefined;
  const prefix = base.replace(/\/$/, '');
  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) {
    return undefined;
  }
  return pathname.slice(prefix.length).replace(/^\//, '').split('/')[0];
}
