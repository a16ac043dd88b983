import { Config } from '@backstage/config';
import { CheckInstanceMetadata } from '@security-posture/plugin-security-posture-node';

/** `NODE_ENV` of the backend process; the guest and demo providers key off it. */
export function nodeEnv(): string | undefined {
  return process.env.NODE_ENV;
}

/** `auth.environment`, which defaults to `development` in the auth backend. */
export function authEnvironment(config: Config): string {
  return config.getOptionalString('auth.environment') ?? 'development';
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Loopback host names and addresses: `localhost`, `*.localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLocaleLowerCase('en-US').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') {
    return true;
  }
  const v4 = IPV4.exec(host);
  return v4 !== null && v4[1] === '127';
}

/** Private, link-local and cloud metadata addresses and internal-only host names. */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLocaleLowerCase('en-US').replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host)) return true;
  if (host === 'metadata.google.internal' || host === 'metadata') return true;
  if (/\.(internal|local|lan|corp|intranet|home\.arpa)$/.test(host)) return true;
  if (host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80:')) {
    return host.includes(':');
  }
  const v4 = IPV4.exec(host);
  if (!v4) return false;
  const [a, b] = [Number(v4[1]), Number(v4[2])];
  return (
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

export interface BaseUrlInfo {
  key: 'app.baseUrl' | 'backend.baseUrl';
  value: string;
  url?: URL;
}

/** The configured base URLs, parsed where they parse. */
export function baseUrls(config: Config): BaseUrlInfo[] {
  const result: BaseUrlInfo[] = [];
  for (const key of ['backend.baseUrl', 'app.baseUrl'] as const) {
    const value = config.getOptionalString(key);
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    result.push({ key, value, url });
  }
  return result;
}

/**
 * Whether the deployment looks like more than a developer's laptop: a base URL that is not a
 * loopback address, or `NODE_ENV=production`. A heuristic, documented as such.
 */
export function productionSignals(config: Config): string[] {
  const signals: string[] = [];
  for (const { key, url } of baseUrls(config)) {
    if (url && !isLoopbackHost(url.hostname)) {
      signals.push(`${key} host ${url.hostname} is not a loopback address`);
    }
  }
  if (nodeEnv() === 'production') {
    signals.push('NODE_ENV is production');
  }
  return signals;
}

/** Installed plugins and modules, or `undefined` when the backend reported none (unknown). */
export async function installedModules(
  instanceMetadata: CheckInstanceMetadata,
): Promise<Map<string, Set<string>> | undefined> {
  const plugins = await instanceMetadata.getInstalledPlugins();
  if (!plugins.length) return undefined;
  return new Map(plugins.map(p => [p.pluginId, new Set(p.modules.map(m => m.moduleId))]));
}
