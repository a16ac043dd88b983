import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import {
  CoveragePermission,
  CoveragePluginSource,
} from '@security-posture/plugin-security-posture-common';
import { probe } from '../../auth/httpProbe';

// Permission metadata holds rule JSON schemas; a large plugin stays far below this.
const MAX_METADATA_BYTES = 2 * 1024 * 1024;
// Both permission checks enumerate in the same scan; one fetch serves both.
const CACHE_TTL_MS = 60_000;

export type RegisteredPermission = Omit<CoveragePermission, 'sensitive'>;

interface PluginMetadata {
  source: CoveragePluginSource;
  permissions: RegisteredPermission[];
}

// Keyed by the fetch implementation so tests (each with its own fetch) never share entries.
const cache = new WeakMap<typeof fetch, Map<string, { at: number; value: PluginMetadata }>>();

function parsePermissions(pluginId: string, body: string): RegisteredPermission[] {
  const parsed = JSON.parse(body);
  const list: unknown[] = Array.isArray(parsed?.permissions) ? parsed.permissions : [];
  const result: RegisteredPermission[] = [];
  for (const item of list) {
    const p = item as {
      name?: unknown;
      type?: unknown;
      resourceType?: unknown;
      attributes?: { action?: unknown };
    };
    if (typeof p?.name !== 'string' || (p.type !== 'basic' && p.type !== 'resource')) continue;
    if (p.type === 'resource' && typeof p.resourceType !== 'string') continue;
    result.push({
      name: p.name,
      type: p.type,
      ...(p.type === 'resource' ? { resourceType: p.resourceType as string } : {}),
      ...(typeof p.attributes?.action === 'string' ? { action: p.attributes.action } : {}),
      pluginId,
    });
  }
  return result;
}

async function fetchPluginMetadata(
  ctx: SecurityCheckContext,
  pluginId: string,
  timeoutMs: number,
): Promise<PluginMetadata> {
  const { auth, discovery } = ctx.services;
  const fail = (message: string): PluginMetadata => ({
    source: { pluginId, status: 'error', message, permissionCount: 0 },
    permissions: [],
  });
  let url: string;
  let token: string;
  try {
    url = `${await discovery.getBaseUrl(pluginId)}/.well-known/backstage/permissions/metadata`;
    ({ token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: pluginId,
    }));
  } catch (e) {
    return fail(`no service token or URL: ${(e as Error).message}`);
  }
  const perFetch = cache.get(ctx.services.fetch) ?? new Map();
  cache.set(ctx.services.fetch, perFetch);
  const cached = perFetch.get(url);
  if (cached && Date.now() - cached.at < CACHE_TTL_MS) return cached.value;

  const response = await probe(ctx.services.fetch, url, {
    headers: { Authorization: `Bearer ${token}` },
    timeoutMs,
    signal: ctx.signal,
    readBody: true,
    maxBodyBytes: MAX_METADATA_BYTES,
  });
  let value: PluginMetadata;
  if (response.status === undefined) {
    return fail(response.error ?? 'no response');
  } else if (response.status === 404) {
    value = {
      source: {
        pluginId,
        status: 'none',
        message: '404: registers no permissions',
        permissionCount: 0,
      },
      permissions: [],
    };
  } else if (response.status !== 200) {
    return fail(`HTTP ${response.status}`);
  } else {
    try {
      const permissions = parsePermissions(pluginId, response.body ?? '');
      value = {
        source: {
          pluginId,
          status: permissions.length ? 'ok' : 'none',
          permissionCount: permissions.length,
        },
        permissions,
      };
    } catch {
      return fail('the metadata is not JSON (or larger than 2 MiB)');
    }
  }
  perFetch.set(url, { at: Date.now(), value });
  return value;
}

/**
 * Every permission registered by every installed plugin, from each plugin's
 * `/.well-known/backstage/permissions/metadata` (service token, per-plugin timeout; 404 = none).
 * A permission listed by several plugins is kept once, under the first.
 */
export async function enumeratePermissions(
  ctx: SecurityCheckContext,
  timeoutMs: number,
): Promise<{ plugins: CoveragePluginSource[]; permissions: RegisteredPermission[] }> {
  const installed = await ctx.instanceMetadata.getInstalledPlugins();
  const outcomes = await Promise.all(
    installed.map(p => fetchPluginMetadata(ctx, p.pluginId, timeoutMs)),
  );
  const seen = new Set<string>();
  const permissions: RegisteredPermission[] = [];
  for (const outcome of outcomes) {
    for (const permission of outcome.permissions) {
      if (seen.has(permission.name)) continue;
      seen.add(permission.name);
      permissions.push(permission);
    }
  }
  return { plugins: outcomes.map(o => o.source), permissions };
}
