import { CatalogClient } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  FactRetriever,
  FactRetrieverContext,
  TechInsightFact,
} from '@backstage-community/plugin-tech-insights-node';
import {
  BuiltInCategory,
  Finding,
  isSeverity,
  SEVERITIES,
  Severity,
} from '@security-posture/plugin-security-posture-common';

export const SECURITY_POSTURE_FACT_RETRIEVER_ID = 'securityPostureFactRetriever';

/** Categories with a fact of their own; any other category is in `findingsByCategory`. */
const CATEGORY_FACTS: BuiltInCategory[] = [
  'auth',
  'permissions',
  'plugins',
  'templates',
  'catalog',
  'runtime',
  'detections',
];

/** Page size of GET /findings (its maximum). */
const PAGE = 500;

const severityFact = (severity: Severity) => `${severity}Findings`;
const categoryFact = (category: string) => `${category}Findings`;

function emptyFacts(): Record<string, number | Record<string, number>> {
  const facts: Record<string, number | Record<string, number>> = { openFindings: 0 };
  for (const severity of SEVERITIES) facts[severityFact(severity)] = 0;
  for (const category of CATEGORY_FACTS) facts[categoryFact(category)] = 0;
  facts.findingsByCategory = {};
  return facts;
}

function schema(): FactRetriever['schema'] {
  const result: FactRetriever['schema'] = {
    openFindings: {
      type: 'integer',
      description: 'Open security-posture findings on the entity (exempted ones excluded)',
    },
    findingsByCategory: {
      type: 'object',
      description: 'Open findings on the entity per category, e.g. { "catalog": 2 }',
    },
  };
  for (const severity of SEVERITIES) {
    result[severityFact(severity)] = {
      type: 'integer',
      description: `Open ${severity} security-posture findings on the entity`,
    };
  }
  for (const category of CATEGORY_FACTS) {
    result[categoryFact(category)] = {
      type: 'integer',
      description: `Open security-posture findings of category ${category} on the entity`,
    };
  }
  return result;
}

type FetchLike = (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

async function* openFindings(ctx: FactRetrieverContext, fetchFn: FetchLike) {
  const baseUrl = await ctx.discovery.getBaseUrl('security-posture');
  const { token } = await ctx.auth.getPluginRequestToken({
    onBehalfOf: await ctx.auth.getOwnServiceCredentials(),
    targetPluginId: 'security-posture',
  });
  for (let offset = 0; ; offset += PAGE) {
    const response = await fetchFn(
      `${baseUrl}/findings?status=open&limit=${PAGE}&offset=${offset}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!response.ok) {
      throw new Error(`security-posture GET /findings answered ${response.status}`);
    }
    const page = (await response.json()) as { items: Finding[]; totalItems: number; scope?: string };
    if (page.scope && page.scope !== 'all') {
      throw new Error(
        'security-posture lists only some findings to the tech-insights service (scope mine): allow it security-posture.report.read',
      );
    }
    yield page.items;
    if (offset + PAGE >= page.totalItems || page.items.length === 0) return;
  }
}

/**
 * Per catalog entity: open findings by severity (`criticalFindings` …) and category
 * (`catalogFindings` …, all of them in `findingsByCategory`), read from the security-posture
 * backend. Entities the retriever's filter selects and that have no finding get zeros, so a
 * scorecard check such as `criticalFindings == 0` passes for them instead of having no fact.
 */
export function createSecurityPostureFactRetriever(
  options: { fetch?: FetchLike; entityFilter?: FactRetriever['entityFilter'] } = {},
): FactRetriever {
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const entityFilter = options.entityFilter ?? [
    { kind: ['component', 'api', 'resource', 'system', 'template'] },
  ];
  return {
    id: SECURITY_POSTURE_FACT_RETRIEVER_ID,
    version: '0.1.0',
    title: 'Security posture',
    description: 'Open security-posture findings per entity by severity and category',
    entityFilter,
    schema: schema(),
    async handler(ctx) {
      // By lower-cased ref: the catalog and the findings may spell a name differently.
      const facts = new Map<
        string,
        { entity: TechInsightFact['entity']; values: ReturnType<typeof emptyFacts> }
      >();
      const catalog = new CatalogClient({ discoveryApi: ctx.discovery, fetchApi: { fetch: fetchFn as typeof fetch } });
      const { token } = await ctx.auth.getPluginRequestToken({
        onBehalfOf: await ctx.auth.getOwnServiceCredentials(),
        targetPluginId: 'catalog',
      });
      const { items } = await catalog.getEntities(
        {
          filter: ctx.entityFilter ?? entityFilter,
          fields: ['kind', 'metadata.namespace', 'metadata.name'],
        },
        { token },
      );
      for (const entity of items) {
        const kind = entity.kind.toLocaleLowerCase('en-US');
        const namespace = entity.metadata.namespace ?? 'default';
        const name = entity.metadata.name;
        facts.set(stringifyEntityRef({ kind, namespace, name }).toLocaleLowerCase('en-US'), {
          entity: { kind, namespace, name },
          values: emptyFacts(),
        });
      }

      for await (const page of openFindings(ctx, fetchFn)) {
        for (const finding of page) {
          if (!finding.entityRef || !isSeverity(finding.severity)) continue;
          const ref = finding.entityRef.toLocaleLowerCase('en-US');
          const entityFacts = facts.get(ref)?.values;
          // Only the entities the filter selects get facts.
          if (!entityFacts) continue;
          (entityFacts.openFindings as number) += 1;
          (entityFacts[severityFact(finding.severity)] as number) += 1;
          if ((CATEGORY_FACTS as string[]).includes(finding.category)) {
            (entityFacts[categoryFact(finding.category)] as number) += 1;
          }
          const byCategory = entityFacts.findingsByCategory as Record<string, number>;
          byCategory[finding.category] = (byCategory[finding.category] ?? 0) + 1;
        }
      }

      return [...facts.values()].map(
        ({ entity, values }): TechInsightFact => ({ entity, facts: values }),
      );
    },
  };
}
