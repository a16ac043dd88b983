import { mockServices } from '@backstage/backend-test-utils';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  Finding,
  Scan,
} from '@security-posture/plugin-security-posture-common';
import {
  createEntitySecurityCheck,
  SecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import {
  catalogChecks,
  CheckRegistry,
  EntityEvaluationPool,
} from '@security-posture/checks';
import { DatabasePostureStore } from '../../database/DatabasePostureStore';
import { CatalogEntitySource, EntityPage } from '../CatalogEntitySource';
import { CheckRunner } from '../CheckRunner';
import { DefaultScanService } from '../ScanService';

/** A generated catalog and scans of it, for the incremental pass's tests. */

/** Seeded, so a failure can be replayed; the seed is in the test name. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)],
  };
}
export type Random = ReturnType<typeof seededRandom>;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A fake AWS access key id made at runtime (no credential literal in the source). */
export function fakeAwsKeyId(random: Random) {
  let id = 'AKIA';
  while (id.length < 20) id += BASE32[random.int(BASE32.length)];
  return id;
}

const KINDS = ['Component', 'API', 'Resource'];
const TEAMS = ['payments', 'search', 'platform'];

export function makeEntity(random: Random, name: string): Entity {
  const owner = random.pick(TEAMS);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: random.pick(KINDS),
    metadata: {
      name,
      namespace: 'default',
      description: `Service ${name}`,
      tags: random.next() < 0.3 ? ['pci'] : [],
      annotations: {
        'github.com/project-slug': `acme/${name}`,
        ...(random.next() < 0.3 ? { 'vault.hashicorp.com/role': name } : {}),
      },
    },
    spec: {
      type: 'service',
      owner: `group:default/${owner}`,
      lifecycle: 'production',
    },
    relations: [
      { type: RELATION_OWNED_BY, targetRef: `group:default/${owner}` },
    ],
  };
}

/** One random edit of an entity: content the checks see changes. */
export function modify(random: Random, entity: Entity): Entity {
  const copy = JSON.parse(JSON.stringify(entity)) as Entity;
  const annotations = (copy.metadata.annotations ??= {});
  switch (random.int(6)) {
    case 0: // plant a fake secret
      annotations['acme.io/deploy-key'] = fakeAwsKeyId(random);
      break;
    case 1: // remove planted secrets and references
      delete annotations['acme.io/deploy-key'];
      delete annotations['vault.hashicorp.com/role'];
      copy.metadata.description = `Service ${copy.metadata.name}`;
      break;
    case 2: // a secret in the description
      copy.metadata.description = `Deploy with key ${fakeAwsKeyId(
        random,
      )} please`;
      break;
    case 3: // toggle the tag the test check looks for
      copy.metadata.tags = copy.metadata.tags?.includes('pci') ? [] : ['pci'];
      break;
    case 4: {
      // another owner: findings carry owners from the relations
      const owner = random.pick(TEAMS);
      copy.spec = { ...copy.spec, owner: `group:default/${owner}` };
      copy.relations = [
        { type: RELATION_OWNED_BY, targetRef: `group:default/${owner}` },
      ];
      break;
    }
    default:
      annotations['vault.hashicorp.com/role'] = `${
        copy.metadata.name
      }-${random.int(100)}`;
  }
  return copy;
}

export class FakeCatalog {
  /** `etags`: serve `metadata.etag` as the catalog's stitching sets it (a hash of the entity). */
  constructor(public entities: Entity[], private readonly etags = false) {}

  /** Whether the last pass asked for the catalog in parts. */
  lastReadInParts?: boolean;

  /** Each read gets its own copies, as the catalog serves fresh JSON. */
  private snapshot(): Entity[] {
    const snapshot = JSON.parse(JSON.stringify(this.entities)) as Entity[];
    if (this.etags) {
      for (const entity of snapshot) {
        entity.metadata.etag = createHash('sha1')
          .update(JSON.stringify(entity))
          .digest('hex');
      }
    }
    return snapshot;
  }

  /** Pages the main thread read (evaluation workers read over HTTP, when served). */
  pagesReadHere = 0;
  /** Pages read over HTTP. */
  pagesReadOverHttp = 0;
  /** Pages over HTTP from this offset on fail (the catalog failing mid-scan). */
  failOverHttpFrom?: number;
  private server?: Server;
  private port = 0;

  /** Serves `GET /entities/by-query` too (cursor = offset), for evaluation workers to read. */
  async serveOverHttp(): Promise<void> {
    let snapshot: Entity[] = [];
    this.server = createServer((req, res) => {
      const query = new URL(req.url!, 'http://x').searchParams;
      const cursor = query.get('cursor');
      if (!cursor) snapshot = this.snapshot();
      const offset = Number(cursor ?? 0);
      const next = offset + Number(query.get('limit'));
      this.pagesReadOverHttp += 1;
      if (
        this.failOverHttpFrom !== undefined &&
        offset >= this.failOverHttpFrom
      ) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          '{"error":{"name":"Error","message":"catalog database unavailable"}}',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          items: snapshot.slice(offset, next),
          totalItems: snapshot.length,
          pageInfo: next < snapshot.length ? { nextCursor: String(next) } : {},
        }),
      );
    });
    await new Promise<void>(done =>
      this.server!.listen(0, '127.0.0.1', () => done()),
    );
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise(done =>
      this.server ? this.server.close(done) : done(undefined),
    );
  }

  pageRequests(pageSize = 500) {
    if (!this.server) return undefined;
    return async (cursor?: string) => ({
      url: `http://127.0.0.1:${this.port}/entities/by-query?limit=${pageSize}${
        cursor ? `&cursor=${cursor}` : ''
      }`,
      token: 'catalog-token',
    });
  }

  async *pages(
    options: { pageSize?: number; inParts?: boolean } = {},
  ): AsyncIterable<EntityPage> {
    const size = options.pageSize ?? 500;
    this.lastReadInParts = Boolean(options.inParts);
    const snapshot = this.snapshot();
    const pages: Entity[][] = [];
    for (let i = 0; i < snapshot.length || i === 0; i += size) {
      pages.push(snapshot.slice(i, i + size));
    }
    // Parts read at once hand their pages on as they arrive: not in catalog order.
    if (options.inParts) pages.reverse();
    for (const items of pages) {
      this.pagesReadHere += 1;
      yield { items, totalItems: snapshot.length };
    }
  }

  async *streamEntities(
    options: { pageSize?: number } = {},
  ): AsyncIterable<Entity[]> {
    for await (const page of this.pages(options)) yield page.items;
  }
}

/**
 * A check whose logic depends on its version (v2 also reports `lifecycle: production`) and on
 * its options (`tag`), and which applies to Components only.
 */
export function taggedComponentCheck(version: number): SecurityCheck {
  return createEntitySecurityCheck({
    meta: {
      id: 'catalog/tagged-component',
      version,
      title: 'Tagged component',
      category: 'catalog',
      defaultSeverity: 'low',
      description: 'Components carrying a configured tag',
      remediation: 'Review them',
    },
    appliesTo: entity => entity.kind === 'Component',
    evaluate(entity, { options }) {
      const tag = options.getOptionalString('tag') ?? 'pci';
      const target = {
        type: 'entity' as const,
        entityRef: `component:default/${entity.metadata.name}`,
      };
      const results = [];
      if (entity.metadata.tags?.includes(tag)) {
        results.push({
          outcome: 'fail' as const,
          target,
          location: 'metadata.tags',
          message: `tagged ${tag}`,
          evidence: { tag },
        });
      }
      if (
        version >= 2 &&
        (entity.spec as JsonObject | undefined)?.lifecycle === 'production'
      ) {
        results.push({
          outcome: 'fail' as const,
          target,
          location: 'spec.lifecycle',
          message: 'production',
        });
      }
      return results;
    },
  });
}

export interface Deployment {
  version: number;
  config: JsonObject;
}

export function configOf(deployment: Deployment): JsonObject {
  return deployment.config;
}

export async function scanWith(
  knex: Knex,
  catalog: FakeCatalog,
  deployment: Deployment,
  fullPassEveryMs: number,
  fullPass = false,
  evaluationPool?: EntityEvaluationPool,
  /** The checks (default: the catalog checks and the tagged-component check of the deployment). */
  checks: SecurityCheck[] = [
    ...catalogChecks,
    taggedComponentCheck(deployment.version),
  ],
  expectedStatus: Scan['status'] = 'succeeded',
) {
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const config = new ConfigReader(configOf(deployment));
  const registry = new CheckRegistry(config);
  registry.add(...checks);
  const logger = mockServices.logger.mock();
  const runner = new CheckRunner({
    registry,
    catalog: catalog as unknown as CatalogEntitySource,
    instanceMetadata: { getInstalledPlugins: async () => [] },
    config,
    logger,
    services: {
      auth: mockServices.auth(),
      discovery: mockServices.discovery(),
      fetch: async () => {
        throw new Error('no network in tests');
      },
    },
    getPublished: async (checkId, key) =>
      (await store.getPublished(checkId, key))?.data,
    entityPageSize: 7,
    evaluationPool,
  });
  const service = new DefaultScanService({
    store,
    runner,
    registry,
    logger,
    fingerprintKey: async () => 'installation-key',
    trigger: async () => {},
    timeoutMs: 60 * 60 * 1000,
    heartbeatMs: 60 * 1000,
    staleAfterMs: 5 * 60 * 1000,
    retentionMs: 90 * 24 * 60 * 60 * 1000,
    fullPassEveryMs,
  });
  const requested = await service.requestScan({
    trigger: fullPass ? 'manual' : 'schedule',
    fullPass,
  });
  await service.processQueue();
  const scan = (await store.getScan(requested.id))!;
  if (expectedStatus === 'succeeded')
    expect([scan.status, scan.message]).toEqual(['succeeded', undefined]);
  else expect(scan.status).toBe(expectedStatus);
  const pass = await knex('security_posture_entity_passes')
    .where({ scan_id: scan.id })
    .first();
  const open = (
    await store.listFindings(
      { status: ['open'], limit: 10_000 },
      { type: 'all' },
    )
  ).items;
  return { scan, pass, open };
}

/** What must agree between an incremental and a from-scratch scan. */
export function comparable(findings: Finding[]) {
  return findings
    .map(f => ({
      fingerprint: f.fingerprint,
      status: f.status,
      severity: f.severity,
      evidence: f.evidence,
      message: f.message,
      entityRef: f.entityRef,
      owners: [...f.owners].sort(),
    }))
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
}
