import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  CheckServices,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';

type LoggerService = SecurityCheckContext['logger'];

/** Thrown by every backend service in CLI mode: there is no backend to reach. */
export class OfflineError extends Error {
  name = 'OfflineError';
}

function offline(what: string): never {
  throw new OfflineError(`${what} is not available in CLI mode (no running backend)`);
}

/**
 * Services that fail at once: a check that would reach the backend or the network learns so
 * immediately and reports it (as it does when a backend is unreachable), never hangs.
 */
export const offlineServices: CheckServices = {
  auth: new Proxy({} as CheckServices['auth'], {
    get: (_, name) => async () => offline(`auth.${String(name)}`),
  }),
  discovery: {
    getBaseUrl: async () => offline('discovery'),
    getExternalBaseUrl: async () => offline('discovery'),
  },
  fetch: async () => offline('fetch'),
};

/** Collects what checks log, so it can be shown with `--verbose` after secrets are scrubbed. */
export class CollectingLogger implements LoggerService {
  constructor(
    readonly lines: Array<{ level: string; message: string }> = [],
    private readonly prefix = '',
  ) {}

  private add(level: string, message: string) {
    if (this.lines.length < 1000) this.lines.push({ level, message: `${this.prefix}${message}` });
  }

  error(message: string) {
    this.add('error', message);
  }
  warn(message: string) {
    this.add('warn', message);
  }
  info(message: string) {
    this.add('info', message);
  }
  debug(message: string) {
    this.add('debug', message);
  }
  child(meta: Record<string, unknown>): LoggerService {
    const check = typeof meta.check === 'string' ? `[${meta.check}] ` : '';
    return new CollectingLogger(this.lines, `${this.prefix}${check}`);
  }
}

/**
 * The context a check sees in CLI mode: the merged app-config, a catalog holding only the
 * entities given, no installed-plugin list (checks treat an empty list as unknown), backend
 * services that fail fast, and published data kept in memory for this run.
 */
export function cliCheckContext(options: {
  config: Config;
  checkOptions: Config;
  logger: LoggerService;
  entities?: Entity[];
  published?: Map<string, JsonValue>;
  checkId: string;
}): SecurityCheckContext {
  const entities = options.entities ?? [];
  const published = options.published ?? new Map<string, JsonValue>();
  return {
    config: options.config,
    options: options.checkOptions,
    logger: options.logger.child({ check: options.checkId }),
    signal: new AbortController().signal,
    services: offlineServices,
    instanceMetadata: { getInstalledPlugins: async () => [] },
    catalog: {
      async *streamEntities(streamOptions) {
        const kinds = streamOptions?.filter?.kind;
        const wanted =
          kinds === undefined ? undefined : [kinds].flat().map(k => k.toLocaleLowerCase('en-US'));
        const matching = entities.filter(
          e => !wanted || wanted.includes(String(e.kind).toLocaleLowerCase('en-US')),
        );
        if (matching.length) yield matching;
      },
    },
    publish(key, data) {
      published.set(`${options.checkId}#${key}`, data);
    },
    getPublished: async (checkId, key) => published.get(`${checkId}#${key}`),
  };
}
