import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonObject, JsonValue } from '@backstage/types';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CheckResult,
  CheckServices,
  SecurityCheck,
  SecurityCheckContext,
} from './checks';

export interface RunSecurityCheckOptions {
  /** Root app config the check sees. */
  config?: JsonObject;
  /** Catalog entities the check sees (streamed in pages like the real catalog). */
  entities?: Entity[];
  /** Installed plugins as the root instance metadata service reports them. */
  installedPlugins?: Array<{ pluginId: string; modules?: Array<{ moduleId: string }> }>;
  /** `securityPosture.checks.<id>.options` */
  options?: JsonObject;
  pageSize?: number;
  /** Services the check may use; `fetch` defaults to one that fails, so no test reaches the network by accident. */
  services?: Partial<CheckServices>;
  /** Receives what the check publishes. */
  onPublish?(key: string, data: JsonValue): void;
  /** Data other checks published, keyed `<checkId>#<key>`. */
  published?: Record<string, JsonValue>;
}

const unavailable = (name: string) =>
  new Proxy({} as any, {
    get() {
      throw new Error(`${name} is not available in this test; pass it in services`);
    },
  });

const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/**
 * Runs one check the way the engine does (entity checks once per entity), without the engine's
 * redaction, so detection can be asserted on. Catalog filters support `kind` only.
 */
export async function runSecurityCheck(
  check: SecurityCheck,
  opts: RunSecurityCheckOptions = {},
): Promise<CheckResult[]> {
  const entities = opts.entities ?? [];
  const pageSize = opts.pageSize ?? 100;
  const context: SecurityCheckContext = {
    config: new ConfigReader(opts.config ?? {}),
    options: new ConfigReader(opts.options ?? {}),
    services: {
      auth: unavailable('auth'),
      discovery: unavailable('discovery'),
      fetch: async () => {
        throw new Error('fetch is not available in this test; pass services.fetch');
      },
      ...opts.services,
    },
    publish: (key, data) => opts.onPublish?.(key, data),
    getPublished: async (checkId, key) => opts.published?.[`${checkId}#${key}`],
    logger: silentLogger,
    signal: new AbortController().signal,
    instanceMetadata: {
      async getInstalledPlugins() {
        return (opts.installedPlugins ?? []).map(p => ({
          pluginId: p.pluginId,
          modules: p.modules ?? [],
        }));
      },
    },
    catalog: {
      async *streamEntities(streamOpts) {
        const kinds = streamOpts?.filter?.kind;
        const wanted = kinds === undefined ? undefined : [kinds].flat().map(k => k.toLocaleLowerCase('en-US'));
        const matching = entities.filter(
          e => !wanted || wanted.includes(e.kind.toLocaleLowerCase('en-US')),
        );
        for (let i = 0; i < matching.length; i += pageSize) {
          yield matching.slice(i, i + pageSize);
        }
      },
    },
  };
  if (check.scope === 'deployment') {
    return check.run(context);
  }
  const results: CheckResult[] = [];
  for (const entity of entities) {
    if (check.appliesTo && !check.appliesTo(entity)) continue;
    results.push(...(await check.evaluate(entity, context)));
  }
  return results;
}
