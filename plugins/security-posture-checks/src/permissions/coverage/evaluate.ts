import {
  AuthorizeResult,
  Permission,
  PermissionCriteria,
  PermissionCondition,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { PermissionPolicy, PolicyQueryUser } from '@backstage/plugin-permission-node';
import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import { CoverageDecision } from '@security-posture/plugin-security-posture-common';
import { probe } from '../../auth/httpProbe';
import { RegisteredPermission } from './metadata';

// Decisions of a batch: small JSON, but conditions can nest.
const MAX_DECISIONS_BYTES = 2 * 1024 * 1024;
// Condition trees are walked only this deep; a policy never needs more.
const MAX_CRITERIA_DEPTH = 32;

/** A decision as the policy or the permission backend returned it, conditions included. */
export type RawDecision =
  | { result: 'ALLOW'; resourceRef?: string }
  | { result: 'DENY'; resourceRef?: string }
  | {
      result: 'CONDITIONAL';
      pluginId: string;
      resourceType: string;
      conditions: PermissionCriteria<PermissionCondition>;
    }
  | { result: 'ERROR'; message: string }
  | { result: 'NOT_EVALUATED'; reason: string };

export function toPermission(p: RegisteredPermission): Permission {
  return p.type === 'resource'
    ? {
        type: 'resource',
        name: p.name,
        resourceType: p.resourceType!,
        attributes: p.action ? { action: p.action as any } : {},
      }
    : { type: 'basic', name: p.name, attributes: p.action ? { action: p.action as any } : {} };
}

/** Rule names used anywhere in a condition tree, in first-seen order. */
export function ruleNames(criteria: unknown, depth = 0, into: string[] = []): string[] {
  if (depth > MAX_CRITERIA_DEPTH || typeof criteria !== 'object' || criteria === null) return into;
  const c = criteria as Record<string, unknown>;
  if (typeof c.rule === 'string') {
    if (!into.includes(c.rule)) into.push(c.rule);
    return into;
  }
  for (const key of ['allOf', 'anyOf'] as const) {
    if (Array.isArray(c[key]))
      for (const sub of c[key] as unknown[]) ruleNames(sub, depth + 1, into);
  }
  if (c.not) ruleNames(c.not, depth + 1, into);
  return into;
}

function fromPolicyDecision(decision: PolicyDecision | undefined): RawDecision {
  if (!decision || typeof decision !== 'object') {
    return { result: 'ERROR', message: 'the policy returned no decision' };
  }
  if (decision.result === AuthorizeResult.ALLOW) return { result: 'ALLOW' };
  if (decision.result === AuthorizeResult.DENY) return { result: 'DENY' };
  if (decision.result === AuthorizeResult.CONDITIONAL) {
    return {
      result: 'CONDITIONAL',
      pluginId: decision.pluginId,
      resourceType: decision.resourceType,
      conditions: decision.conditions,
    };
  }
  return { result: 'ERROR', message: `unknown decision ${String((decision as any).result)}` };
}

/**
 * Calls the adopter's own policy instance for a synthetic user. The credentials carry no token:
 * a policy that calls other services with them fails, and that shows as an ERROR cell.
 */
export function syntheticUser(
  userEntityRef: string,
  ownershipEntityRefs: string[],
): PolicyQueryUser {
  return {
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef },
    },
    info: { userEntityRef, ownershipEntityRefs },
  };
}

export async function evaluateWithPolicy(
  policy: PermissionPolicy,
  permissions: RegisteredPermission[],
  user: PolicyQueryUser,
): Promise<Map<string, RawDecision>> {
  const decisions = new Map<string, RawDecision>();
  for (const p of permissions) {
    try {
      decisions.set(
        p.name,
        fromPolicyDecision(await policy.handle({ permission: toPermission(p) }, user)),
      );
    } catch (e) {
      decisions.set(p.name, {
        result: 'ERROR',
        message: `the policy threw: ${(e as Error)?.message ?? e}`,
      });
    }
  }
  return decisions;
}

function fromWire(item: any, resourceRef?: string): RawDecision {
  const on = resourceRef ? { resourceRef } : {};
  if (item?.result === 'ALLOW') return { result: 'ALLOW', ...on };
  if (item?.result === 'DENY') return { result: 'DENY', ...on };
  if (item?.result === 'CONDITIONAL' && item.conditions) {
    return {
      result: 'CONDITIONAL',
      pluginId: String(item.pluginId),
      resourceType: String(item.resourceType),
      conditions: item.conditions,
    };
  }
  return { result: 'ERROR', message: 'unexpected item in the authorize response' };
}

function errorMessage(status: number | undefined, error: string | undefined, body?: string) {
  if (status === undefined) return error ?? 'no response';
  try {
    const message = JSON.parse(body ?? '')?.error?.message;
    if (typeof message === 'string') return `HTTP ${status}: ${message.slice(0, 300)}`;
  } catch {
    // not a Backstage error body
  }
  return `HTTP ${status}`;
}

/**
 * Asks the real permission backend (`POST <permission>/authorize`) with the given token, or none.
 * A 401 means the default auth policy refused the caller before any policy ran: DENY for all.
 * A failing batch is retried per permission so one bad answer does not hide the others. Direct
 * callers (no acting plugin) must name a resource for resource permissions: those are asked for
 * the sample resource of their type, or left NOT_EVALUATED when there is none.
 */
export async function evaluateLive(
  ctx: SecurityCheckContext,
  permissions: RegisteredPermission[],
  token: string | undefined,
  timeoutMs: number,
  sampleResources: Record<string, string> = {},
): Promise<{ decisions: Map<string, RawDecision>; refusedWith?: number }> {
  const url = `${await ctx.services.discovery.getBaseUrl('permission')}/authorize`;
  let withResourceRefs = false;
  const refFor = (p: RegisteredPermission) =>
    withResourceRefs && p.resourceType ? sampleResources[p.resourceType] : undefined;
  const ask = (batch: RegisteredPermission[]) =>
    probe(ctx.services.fetch, url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        items: batch.map(p => ({
          id: p.name,
          permission: toPermission(p),
          ...(refFor(p) ? { resourceRef: refFor(p) } : {}),
        })),
      }),
      timeoutMs,
      signal: ctx.signal,
      readBody: true,
      maxBodyBytes: MAX_DECISIONS_BYTES,
    });
  const decisions = new Map<string, RawDecision>();
  let asked = permissions;
  let response = await ask(asked);
  if (response.status === 400 && /resourceRef/.test(response.body ?? '')) {
    withResourceRefs = true;
    asked = permissions.filter(p => p.type === 'basic' || refFor(p));
    for (const p of permissions.filter(q => !asked.includes(q))) {
      decisions.set(p.name, {
        result: 'NOT_EVALUATED',
        reason: `the permission backend requires a resourceRef from direct callers and there is no sample ${p.resourceType} resource`,
      });
    }
    response = await ask(asked);
  }
  if (response.status === 401 || response.status === 403) {
    for (const p of permissions) decisions.set(p.name, { result: 'DENY' });
    return { decisions, refusedWith: response.status };
  }
  const read = (body: string | undefined) => {
    const items = JSON.parse(body ?? '')?.items;
    if (!Array.isArray(items)) throw new Error('no items');
    return items;
  };
  const byName = new Map(asked.map(p => [p.name, p]));
  if (response.status === 200) {
    try {
      for (const item of read(response.body)) {
        const p = byName.get(String(item?.id));
        if (p) decisions.set(p.name, fromWire(item, refFor(p)));
      }
      return { decisions };
    } catch {
      // fall through to one request per permission
    }
  }
  for (const p of asked) {
    const single = await ask([p]);
    if (single.status === 200) {
      try {
        decisions.set(p.name, fromWire(read(single.body)[0], refFor(p)));
        continue;
      } catch {
        // reported below
      }
    }
    decisions.set(p.name, {
      result: 'ERROR',
      message: `permission backend: ${errorMessage(single.status, single.error, single.body)}`,
    });
  }
  return { decisions };
}

/**
 * Resolves CONDITIONAL decisions against one sample resource through the owning plugin's
 * `apply-conditions` endpoint (what the permission backend itself calls), so a matrix can tell
 * "owners only" from "anyone". Returns ALLOW/DENY per permission name; failures are omitted.
 */
export async function resolveConditions(
  ctx: SecurityCheckContext,
  conditional: Array<{
    permission: string;
    decision: Extract<RawDecision, { result: 'CONDITIONAL' }>;
  }>,
  sampleResourceRef: string,
  timeoutMs: number,
): Promise<Map<string, 'ALLOW' | 'DENY'>> {
  const resolved = new Map<string, 'ALLOW' | 'DENY'>();
  const byPlugin = new Map<string, typeof conditional>();
  for (const entry of conditional) {
    const list = byPlugin.get(entry.decision.pluginId) ?? [];
    list.push(entry);
    byPlugin.set(entry.decision.pluginId, list);
  }
  for (const [pluginId, entries] of byPlugin) {
    try {
      const { auth, discovery } = ctx.services;
      const { token } = await auth.getPluginRequestToken({
        onBehalfOf: await auth.getOwnServiceCredentials(),
        targetPluginId: pluginId,
      });
      const response = await probe(
        ctx.services.fetch,
        `${await discovery.getBaseUrl(
          pluginId,
        )}/.well-known/backstage/permissions/apply-conditions`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({
            items: entries.map(e => ({
              id: e.permission,
              resourceRef: sampleResourceRef,
              resourceType: e.decision.resourceType,
              conditions: e.decision.conditions,
            })),
          }),
          timeoutMs,
          signal: ctx.signal,
          readBody: true,
          maxBodyBytes: MAX_DECISIONS_BYTES,
        },
      );
      if (response.status !== 200) continue;
      for (const item of JSON.parse(response.body ?? '')?.items ?? []) {
        if (item?.result === 'ALLOW' || item?.result === 'DENY')
          resolved.set(String(item.id), item.result);
      }
    } catch {
      // unresolved conditions stay CONDITIONAL without a resource verdict
    }
  }
  return resolved;
}

export function toCoverageDecision(
  raw: RawDecision,
  resolution?: { resourceRef: string; result?: 'ALLOW' | 'DENY' },
): CoverageDecision {
  switch (raw.result) {
    case 'CONDITIONAL':
      return {
        result: 'CONDITIONAL',
        rules: ruleNames(raw.conditions),
        pluginId: raw.pluginId,
        resourceType: raw.resourceType,
        ...(resolution?.result
          ? { resourceRef: resolution.resourceRef, resolvedForResource: resolution.result }
          : {}),
      };
    case 'ERROR':
      return { result: 'ERROR', message: raw.message };
    case 'NOT_EVALUATED':
      return { result: 'NOT_EVALUATED', reason: raw.reason };
    default:
      return raw.resourceRef
        ? { result: raw.result, resourceRef: raw.resourceRef }
        : { result: raw.result };
  }
}
