import { ReactNode } from 'react';
import { useLocation } from 'react-router-dom';
import { setupServer } from 'msw/node';
import { http, HttpResponse, JsonBodyType } from 'msw';
import {
  ChangesSincePage,
  emptyScanChangeCounts,
  Finding,
  PublishedCheckData,
  ScanChangesPage,
  TeamScorecards,
} from '@security-posture/plugin-security-posture-common';
import { FetchApi } from '@backstage/core-plugin-api';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { CompoundEntityRef, Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  CatalogApi,
  catalogApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { securityPostureApiRef, SecurityPostureClient } from '../api';
import {
  createSecurityPostureQueryClient,
  SecurityPostureQueryProvider,
} from '../queryClient';

/** Base URL of the backend in unit tests; msw handlers answer under it. */
export const BACKEND = 'http://localhost:7007/api/security-posture';

/** An msw server per test file: `const server = setupBackend();` at the top level. */
export function setupBackend() {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** Like the app's fetchApi: adds the user's token to every request. */
export const testFetchApi: FetchApi = {
  fetch: (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'Bearer user-token');
    return fetch(input, { ...init, headers });
  },
};

export function createTestClient() {
  return new SecurityPostureClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: testFetchApi,
  });
}

/**
 * The part of the catalog the plugin uses (owner options of the filters).
 * (catalogApiMock needs @backstage/frontend-test-utils, which is not installed.)
 */
function createCatalogStub(entities: Entity[]): CatalogApi {
  return {
    getEntities: async () => ({ items: entities }),
    getEntityByRef: async (ref: string | CompoundEntityRef) => {
      const wanted = typeof ref === 'string' ? ref : stringifyEntityRef(ref);
      return entities.find(e => stringifyEntityRef(e) === wanted);
    },
  } as Partial<CatalogApi> as CatalogApi;
}

/** Shows the current location, so tests can assert the state kept in the URL. */
function LocationProbe() {
  const location = useLocation();
  return (
    <div data-testid="location" hidden>
      {location.pathname}
      {location.search}
    </div>
  );
}

/** The search part of the current location, parsed. */
export function currentSearch(element: HTMLElement): URLSearchParams {
  const text = element.textContent ?? '';
  const index = text.indexOf('?');
  return new URLSearchParams(index < 0 ? '' : text.slice(index + 1));
}

/**
 * Renders plugin UI against the real client (so msw sees the exact requests), with a fresh
 * query client, an in-memory catalog and the entity route mounted for entity links.
 */
export async function renderWithBackend(
  element: ReactNode,
  options: {
    routeEntries?: string[];
    catalogEntities?: Entity[];
    /**
     * What the permission API answers (default: everything allowed). usePermission keeps
     * decisions in a cache shared by every test of a file: vary the resource, not the answer.
     */
    allow?: (permission: string, resourceRef?: string) => boolean;
  } = {},
) {
  const allow = options.allow ?? (() => true);
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [securityPostureApiRef, createTestClient()],
        [catalogApiRef, createCatalogStub(options.catalogEntities ?? [])],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: request =>
              allow(
                request.permission.name,
                'resourceRef' in request ? request.resourceRef : undefined,
              )
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          }),
        ],
      ]}
    >
      <SecurityPostureQueryProvider
        client={createSecurityPostureQueryClient({ retry: false })}
      >
        {element}
        <LocationProbe />
      </SecurityPostureQueryProvider>
    </TestApiProvider>,
    {
      routeEntries: options.routeEntries,
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

/** Serves one check's published data. */
export function checkDataHandler(published: PublishedCheckData<unknown>) {
  return http.get(
    `${BACKEND}/checks/${published.checkId}/data/${published.key}`,
    () => HttpResponse.json(published as JsonBodyType),
  );
}

/** Answers a check data request with an error status (404: not published yet). */
export function checkDataErrorHandler(
  checkId: string,
  key: string,
  status: number,
  message = `status ${status}`,
) {
  return http.get(`${BACKEND}/checks/${checkId}/data/${key}`, () =>
    HttpResponse.json(
      {
        error: {
          name: status === 404 ? 'NotFoundError' : 'Error',
          message,
        },
      },
      { status },
    ),
  );
}

/** Findings (for the view's table and its CSV) answered from a fixed list, filtered by category. */
export function findingsHandler(items: Finding[], requests?: string[]) {
  return http.get(`${BACKEND}/findings`, ({ request }) => {
    const url = new URL(request.url);
    requests?.push(
      `${url.pathname.replace('/api/security-posture', '')}${url.search}`,
    );
    const categories = url.searchParams.getAll('category');
    const matching = items.filter(
      f => categories.length === 0 || categories.includes(f.category),
    );
    return HttpResponse.json({
      items: matching,
      totalItems: matching.length,
      limit: Number(url.searchParams.get('limit') ?? 50),
      offset: Number(url.searchParams.get('offset') ?? 0),
      scope: 'all',
    });
  });
}

/** The checks list the filters use for category names. */
export const checksHandler = http.get(`${BACKEND}/checks`, () =>
  HttpResponse.json({ items: [] }),
);

/**
 * What a scan changed (`GET /scans/:id/changes`): `page` for every scan (default: a recorded
 * scan without changes); the requests' paths and queries go to `requests`.
 */
export function scanChangesHandler(
  page: Partial<ScanChangesPage> = {},
  requests?: string[],
) {
  return http.get(`${BACKEND}/scans/:id/changes`, ({ request, params }) => {
    const url = new URL(request.url);
    requests?.push(
      `${url.pathname.replace('/api/security-posture', '')}${url.search}`,
    );
    const body: ScanChangesPage = {
      scanId: String(params.id),
      recorded: true,
      baseline: false,
      counts: emptyScanChangeCounts(),
      items: [],
      totalItems: 0,
      limit: Number(url.searchParams.get('limit') ?? 50),
      offset: Number(url.searchParams.get('offset') ?? 0),
      ...page,
    };
    return HttpResponse.json(body as unknown as JsonBodyType);
  });
}

/**
 * What changed since a date (`GET /changes`): `page` whatever the query (default: nothing);
 * the requests' queries go to `requests`.
 */
export function changesSinceHandler(
  page: Partial<ChangesSincePage> = {},
  requests?: URLSearchParams[],
) {
  return http.get(`${BACKEND}/changes`, ({ request }) => {
    const url = new URL(request.url);
    requests?.push(url.searchParams);
    const body: ChangesSincePage = {
      since: url.searchParams.get('since') ?? '',
      counts: { new: 0, resolved: 0 },
      items: [],
      totalItems: 0,
      limit: Number(url.searchParams.get('limit') ?? 50),
      offset: Number(url.searchParams.get('offset') ?? 0),
      ...page,
    };
    return HttpResponse.json(body as unknown as JsonBodyType);
  });
}

/** Team scorecards (`GET /scorecards`): none by default. */
export function scorecardsHandler(body: Partial<TeamScorecards> = {}) {
  return http.get(`${BACKEND}/scorecards`, () =>
    HttpResponse.json({
      items: [],
      scope: 'all',
      categories: [],
      ...body,
    } as unknown as JsonBodyType),
  );
}
