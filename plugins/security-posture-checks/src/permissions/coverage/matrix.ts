import { stringifyEntityRef } from '@backstage/catalog-model';
import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import {
  CoverageCell,
  CoverageDecision,
  CoveragePermission,
  CoveragePrincipal,
  CoveragePrincipalKind,
  PermissionCoverageMatrix,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { requestGuestSession } from '../../auth/guestSession';
import {
  RawDecision,
  evaluateLive,
  evaluateWithPolicy,
  resolveConditions,
  syntheticUser,
  toCoverageDecision,
} from './evaluate';
import { enumeratePermissions } from './metadata';
import { CoverageOptions, DEFAULT_OWNER_REF } from './options';
import { ENTITY_READ_PERMISSION, findSensitiveEntities, sensitivity } from './sensitive';

export const ALL_PRINCIPAL_KINDS: CoveragePrincipalKind[] = [
  'unauthenticated',
  'guest',
  'user-owns-nothing',
  'owner',
  'platform-team',
];

export const REGISTER_POLICY_HINT =
  'register your policy instance for evaluation with a one-line backend module: securityPostureChecksExtensionPoint.addPolicyForEvaluation(policy) (see docs/checks/permissions.md)';

export interface CoverageComputation {
  matrix: PermissionCoverageMatrix;
  /** Severity of each sensitive permission, by name. */
  sensitiveSeverity: Map<string, Severity>;
  /** A few catalog entities with sensitive annotations, if any. */
  sensitiveEntities: string[];
}

interface PrincipalRun {
  principal: CoveragePrincipal;
  decisions?: Map<string, RawDecision>;
}

/** First Component with an owner: the owner principal's sample resource when none is configured. */
async function pickOwnedEntity(ctx: SecurityCheckContext) {
  for await (const page of ctx.catalog.streamEntities({
    filter: { kind: 'Component' },
    pageSize: 100,
  })) {
    for (const entity of page) {
      const ownerRef = entity.relations?.find(r => r.type === 'ownedBy')?.targetRef;
      if (ownerRef) return { entityRef: stringifyEntityRef(entity), ownerRef };
    }
  }
  return undefined;
}

function syntheticPrincipal(
  kind: CoveragePrincipalKind,
  options: CoverageOptions,
  owner: CoverageOptions['owner'],
  sampleEntityRef: string | undefined,
) {
  if (kind === 'user-owns-nothing') {
    return { id: kind, label: 'User who owns nothing', ...options.userOwnsNothing };
  }
  if (kind === 'owner') {
    return (
      owner && { id: kind, label: `Owner of ${sampleEntityRef ?? 'a sample entity'}`, ...owner }
    );
  }
  return (
    options.platformTeam && { id: kind, label: 'Platform team member', ...options.platformTeam }
  );
}

function notAvailable(principal: Omit<CoveragePrincipal, 'source'>, note: string): PrincipalRun {
  return { principal: { ...principal, source: 'not-available', note } };
}

/**
 * Builds the coverage matrix: every registered permission × the requested principals, decided
 * live through the permission backend for principals the backend can really obtain, and by
 * calling the registered policy instance for synthetic users.
 */
export async function computeCoverage(
  ctx: SecurityCheckContext,
  options: CoverageOptions,
  kinds: CoveragePrincipalKind[] = ALL_PRINCIPAL_KINDS,
): Promise<CoverageComputation> {
  const { config, services } = ctx;
  const frameworkEnabled = config.getOptionalBoolean('permission.enabled') ?? false;
  const policy = services.permissionPolicy;
  const notes: string[] = [];
  const installed = (await ctx.instanceMetadata.getInstalledPlugins()).map(p => p.pluginId);

  const { plugins, permissions: registered } = await enumeratePermissions(ctx, options.timeoutMs);
  const sensitiveEntities = registered.some(p => p.name === ENTITY_READ_PERMISSION)
    ? await findSensitiveEntities(ctx.catalog, options.sensitiveAnnotationPrefixes)
    : [];
  const sensitiveSeverity = new Map<string, Severity>();
  const permissions: CoveragePermission[] = registered.map(p => {
    const severity = sensitivity(
      p,
      options.extraSensitivePermissions,
      sensitiveEntities.length > 0,
    );
    if (severity) sensitiveSeverity.set(p.name, severity);
    return { ...p, sensitive: Boolean(severity) };
  });

  let owner = options.owner;
  let sampleEntityRef = owner?.sampleEntityRef;
  if (kinds.includes('owner') && (!owner || !sampleEntityRef)) {
    const picked = await pickOwnedEntity(ctx);
    if (picked) {
      sampleEntityRef ??= picked.entityRef;
      owner ??= {
        userEntityRef: DEFAULT_OWNER_REF,
        ownershipEntityRefs: [DEFAULT_OWNER_REF, picked.ownerRef],
      };
      notes.push(
        `Sample resource ${picked.entityRef} picked from the catalog (owned by ${picked.ownerRef}).`,
      );
    }
  }

  const runs: PrincipalRun[] = [];
  const permissionInstalled = installed.length === 0 || installed.includes('permission');
  for (const kind of kinds) {
    if (kind === 'unauthenticated') {
      const base = { id: 'unauthenticated', label: 'Unauthenticated client', kind };
      if (!permissionInstalled) {
        runs.push(notAvailable(base, 'The permission backend is not installed'));
        continue;
      }
      const { decisions, refusedWith } = await evaluateLive(
        ctx,
        registered,
        undefined,
        options.timeoutMs,
        sampleEntityRef ? { 'catalog-entity': sampleEntityRef } : {},
      );
      runs.push({
        principal: {
          ...base,
          source: 'live',
          note: refusedWith
            ? `POST /api/permission/authorize without a token was refused with ${refusedWith}: the default auth policy stops anonymous callers before any policy runs.`
            : 'The permission backend answered a caller without a token; the policy decided.',
        },
        decisions,
      });
    } else if (kind === 'guest') {
      const base = { id: 'guest', label: 'Guest', kind };
      const guest = await requestGuestSession(
        services.fetch,
        await services.discovery.getBaseUrl('auth'),
        {
          timeoutMs: options.timeoutMs,
          signal: ctx.signal,
        },
      );
      if (guest.status !== 'issued') {
        runs.push(
          notAvailable(
            base,
            guest.status === 'refused'
              ? `No guest session: /api/auth/guest/refresh answered ${guest.response.status}`
              : `No guest session: ${guest.message}`,
          ),
        );
        continue;
      }
      const principal: Omit<CoveragePrincipal, 'source'> = {
        ...base,
        label: `Guest (${guest.userEntityRef ?? 'unknown user'})`,
        userEntityRef: guest.userEntityRef,
        ownershipEntityRefs: guest.ownershipEntityRefs,
      };
      if (!permissionInstalled) {
        runs.push(notAvailable(principal, 'The permission backend is not installed'));
        continue;
      }
      try {
        // Ask on the guest's behalf, as any plugin serving the guest would.
        const credentials = await services.auth.authenticate(guest.token);
        const { token } = await services.auth.getPluginRequestToken({
          onBehalfOf: credentials,
          targetPluginId: 'permission',
        });
        const { decisions } = await evaluateLive(ctx, registered, token, options.timeoutMs);
        runs.push({
          principal: {
            ...principal,
            source: 'live',
            note: 'A real guest session from /api/auth/guest/refresh; decisions from /api/permission/authorize on its behalf.',
          },
          decisions,
        });
      } catch (e) {
        runs.push(
          notAvailable(principal, `Guest session issued but not usable: ${(e as Error).message}`),
        );
      }
    } else {
      const synthetic = syntheticPrincipal(kind, options, owner, sampleEntityRef);
      const base = {
        id: synthetic?.id ?? kind,
        label: synthetic ? `${synthetic.label} (${synthetic.userEntityRef})` : kind,
        kind,
        ...(synthetic
          ? {
              userEntityRef: synthetic.userEntityRef,
              ownershipEntityRefs: synthetic.ownershipEntityRefs,
            }
          : {}),
        ...(kind === 'owner' && sampleEntityRef ? { sampleResourceRef: sampleEntityRef } : {}),
      };
      if (!synthetic) {
        runs.push(
          notAvailable(
            base,
            kind === 'owner'
              ? 'No owned Component in the catalog and no principals.owner option'
              : 'Configure principals.platformTeam (userEntityRef, ownershipEntityRefs) in the options',
          ),
        );
      } else if (!policy) {
        runs.push(
          notAvailable(
            base,
            `Not evaluated: Backstage lets no plugin mint tokens for arbitrary users; ${REGISTER_POLICY_HINT}`,
          ),
        );
      } else {
        runs.push({
          principal: {
            ...base,
            source: 'policy-evaluation',
            note: 'The registered policy instance was called with a synthetic user (no token).',
          },
          decisions: await evaluateWithPolicy(
            policy,
            registered,
            syntheticUser(synthetic.userEntityRef, synthetic.ownershipEntityRefs),
          ),
        });
      }
    }
  }

  if (!frameworkEnabled) {
    notes.push(
      'permission.enabled is not true: plugins allow every request without consulting any policy, so every signed-in principal gets ALLOW.',
    );
    for (const run of runs) {
      if (run.principal.kind === 'unauthenticated') continue;
      run.decisions = new Map(registered.map(p => [p.name, { result: 'ALLOW' } as RawDecision]));
    }
  }

  const cells: CoverageCell[] = [];
  for (const run of runs) {
    const resolutions = new Map<string, 'ALLOW' | 'DENY'>();
    if (run.decisions && sampleEntityRef) {
      const conditional = [...run.decisions]
        .filter(([, d]) => d.result === 'CONDITIONAL' && d.resourceType === 'catalog-entity')
        .map(([permission, decision]) => ({
          permission,
          decision: decision as Extract<RawDecision, { result: 'CONDITIONAL' }>,
        }));
      if (conditional.length) {
        for (const [k, v] of await resolveConditions(
          ctx,
          conditional,
          sampleEntityRef,
          options.timeoutMs,
        )) {
          resolutions.set(k, v);
        }
      }
    }
    for (const p of permissions) {
      const raw = run.decisions?.get(p.name);
      const decision: CoverageDecision = raw
        ? toCoverageDecision(
            raw,
            sampleEntityRef
              ? { resourceRef: sampleEntityRef, result: resolutions.get(p.name) }
              : undefined,
          )
        : { result: 'NOT_EVALUATED', reason: run.principal.note ?? 'not evaluated' };
      cells.push({ permission: p.name, principal: run.principal.id, decision });
    }
  }

  if (!policy) {
    notes.push(
      `No policy instance is registered for evaluation: synthetic principals are NOT_EVALUATED; ${REGISTER_POLICY_HINT}.`,
    );
  }
  if (sensitiveEntities.length) {
    notes.push(
      `catalog.entity.read counts as sensitive: entities with sensitive annotations exist (e.g. ${sensitiveEntities.join(
        ', ',
      )}).`,
    );
  }

  const nobody = cells.filter(
    c =>
      c.principal === 'user-owns-nothing' &&
      c.decision.result !== 'NOT_EVALUATED' &&
      c.decision.result !== 'ERROR',
  );
  const restrictedShareForOrdinaryUser = nobody.length
    ? nobody.filter(c => c.decision.result !== 'ALLOW').length / nobody.length
    : undefined;

  return {
    matrix: {
      generatedAt: new Date().toISOString(),
      frameworkEnabled,
      policyRegistered: Boolean(policy),
      plugins,
      permissions,
      principals: runs.map(r => r.principal),
      cells,
      ...(restrictedShareForOrdinaryUser !== undefined ? { restrictedShareForOrdinaryUser } : {}),
      notes,
    },
    sensitiveSeverity,
    sensitiveEntities,
  };
}

/** Whether a cell lets the principal act on a resource it does not own (or at all, for basic permissions). */
export function isOpen(decision: CoverageDecision): boolean {
  return (
    decision.result === 'ALLOW' ||
    (decision.result === 'CONDITIONAL' && decision.resolvedForResource === 'ALLOW')
  );
}
