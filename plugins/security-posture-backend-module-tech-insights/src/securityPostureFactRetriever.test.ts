import { mockServices } from '@backstage/backend-test-utils';
import { FactRetrieverContext } from '@backstage-community/plugin-tech-insights-node';
import { createSecurityPostureFactRetriever } from './securityPostureFactRetriever';

const entity = (kind: string, name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default' },
});

const finding = (entityRef: string | undefined, severity: string, category: string) => ({
  fingerprint: `${entityRef}-${severity}-${category}-${Math.random()}`,
  entityRef,
  severity,
  category,
  status: 'open',
});

function setup(findings: object[], options: { scope?: string; status?: number } = {}) {
  const requests: string[] = [];
  const fetch = async (url: string, init?: { headers?: Record<string, string> }) => {
    requests.push(url);
    expect(init?.headers?.Authorization ?? (init?.headers as any)?.authorization).toMatch(/^Bearer /);
    const { pathname, searchParams } = new URL(url);
    if (pathname === '/api/catalog/entities') {
      expect(searchParams.getAll('filter')).toContain('kind=component,kind=api,kind=resource,kind=system,kind=template');
      return new Response(
        JSON.stringify([entity('Component', 'payments-api'), entity('Component', 'Quiet'), entity('Template', 'risky')]),
        { headers: { 'content-type': 'application/json' } },
      );
    }
    if (pathname === '/api/security-posture/findings') {
      if (options.status) return new Response('{}', { status: options.status });
      const limit = Number(searchParams.get('limit'));
      const offset = Number(searchParams.get('offset'));
      expect(searchParams.get('status')).toBe('open');
      return new Response(
        JSON.stringify({
          items: findings.slice(offset, offset + limit),
          totalItems: findings.length,
          limit,
          offset,
          scope: options.scope ?? 'all',
        }),
        { headers: { 'content-type': 'application/json' } },
      );
    }
    return new Response('not found', { status: 404 });
  };
  const ctx: FactRetrieverContext = {
    config: mockServices.rootConfig(),
    discovery: {
      getBaseUrl: async (pluginId: string) => `http://backstage.test/api/${pluginId}`,
      getExternalBaseUrl: async (pluginId: string) => `http://backstage.test/api/${pluginId}`,
    },
    logger: mockServices.logger.mock(),
    auth: mockServices.auth(),
    urlReader: mockServices.urlReader.mock(),
  };
  return { retriever: createSecurityPostureFactRetriever({ fetch }), ctx, requests };
}

describe('security-posture fact retriever', () => {
  it('counts open findings per entity by severity and category, and gives clean entities zeros', async () => {
    const many = Array.from({ length: 620 }, () =>
      finding('component:default/payments-api', 'low', 'catalog'),
    );
    const { retriever, ctx, requests } = setup([
      finding('component:default/payments-api', 'critical', 'catalog'),
      finding('component:default/payments-api', 'high', 'catalog'),
      finding('component:default/payments-api', 'medium', 'custom-category'),
      finding('template:default/risky', 'high', 'templates'),
      finding(undefined, 'critical', 'auth'),
      finding('component:default/not-selected', 'critical', 'catalog'),
      ...many,
    ]);
    const facts = await retriever.handler(ctx);
    const byName = Object.fromEntries(facts.map(f => [f.entity.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['Quiet', 'payments-api', 'risky']);

    expect(byName['payments-api'].entity).toEqual({ kind: 'component', namespace: 'default', name: 'payments-api' });
    expect(byName['payments-api'].facts).toMatchObject({
      openFindings: 623,
      criticalFindings: 1,
      highFindings: 1,
      mediumFindings: 1,
      lowFindings: 620,
      infoFindings: 0,
      catalogFindings: 622,
      templatesFindings: 0,
      findingsByCategory: { catalog: 622, 'custom-category': 1 },
    });
    expect(byName.risky.facts).toMatchObject({ openFindings: 1, highFindings: 1, templatesFindings: 1 });
    // A name in another case still matches; an entity without findings has zeros, not no fact.
    expect(byName.Quiet.facts).toMatchObject({ openFindings: 0, criticalFindings: 0, findingsByCategory: {} });
    expect(facts).toHaveLength(3);
    // Every page of GET /findings was read (500 per page).
    expect(requests.filter(r => r.includes('/security-posture/findings'))).toHaveLength(2);
  });

  it('declares every fact it returns in its schema', async () => {
    const { retriever, ctx } = setup([finding('component:default/payments-api', 'critical', 'catalog')]);
    const [first] = await retriever.handler(ctx);
    expect(Object.keys(first.facts).sort()).toEqual(Object.keys(retriever.schema).sort());
    expect(retriever.schema.criticalFindings.type).toBe('integer');
    expect(retriever.schema.findingsByCategory.type).toBe('object');
  });

  it('fails instead of reporting zeros when it may see only part of the findings, or none', async () => {
    const partial = setup([], { scope: 'mine' });
    await expect(partial.retriever.handler(partial.ctx)).rejects.toThrow(/security-posture.report.read/);
    const failing = setup([], { status: 503 });
    await expect(failing.retriever.handler(failing.ctx)).rejects.toThrow(/503/);
  });
});
