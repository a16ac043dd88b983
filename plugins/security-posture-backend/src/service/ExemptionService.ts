import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  Exemption,
  EXEMPTION_KINDS,
  ExemptionScope,
  ExemptionsPage,
  ExemptionsQuery,
  NewExemption,
  securityPostureExemptionCreatePermission,
  securityPostureExemptionDeletePermission,
} from '@security-posture/plugin-security-posture-common';
import { CheckRegistry } from '@security-posture/checks';
import { detectSecrets } from '@security-posture/static-analysis';
import { ExemptionStore } from '../database/ExemptionStore';
import { ReportService } from './ReportService';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default of `securityPosture.exemptions.maxDuration`. */
export const DEFAULT_EXEMPTION_MAX_DURATION_MS = 365 * DAY_MS;

export const MAX_REASON_LENGTH = 2000;
export const MAX_TICKET_LENGTH = 500;

// C0 and C1 controls other than tab and line breaks; bidirectional overrides and isolates, which
// make text read differently from what it is (Trojan Source); zero-width and other invisible
// format characters that can hide text from a reviewer.
const HIDDEN_OR_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/;
const CONFIG_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+|\[\d+\])*$/;
const ENTITY_KIND = /^[A-Za-z][A-Za-z0-9]*$/;

function requesterOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as { userEntityRef?: string; subject?: string };
  return principal.userEntityRef ?? `service:${principal.subject}`;
}

/** A full entity ref (`kind:namespace/name`) in lower case; an InputError otherwise. */
function entityRefOf(text: string, what: string): string {
  let ref;
  try {
    ref = parseEntityRef(text);
  } catch {
    throw new InputError(`${what} is not an entity reference (kind:namespace/name)`);
  }
  return stringifyEntityRef(ref).toLocaleLowerCase('en-US');
}

/** Rejects text that could hide or carry what it should not: controls, invisible text, secrets. */
function assertPlainText(text: string, what: string) {
  if (HIDDEN_OR_CONTROL.test(text)) {
    throw new InputError(
      `The ${what} contains control, invisible or text-direction characters; write it as plain text`,
    );
  }
  const secrets = detectSecrets(text);
  if (secrets.length) {
    // The secret itself is never repeated, not even in the error.
    throw new InputError(
      `The ${what} contains what looks like a secret (${secrets[0].kind}); describe it instead of pasting it`,
    );
  }
}

function ticketOf(ticket: string | undefined): string | undefined {
  if (ticket === undefined) return undefined;
  const text = ticket.trim();
  if (!text) return undefined;
  if (text.length > MAX_TICKET_LENGTH || /\s/.test(text)) {
    throw new InputError(`The ticket must be one http(s) URL of at most ${MAX_TICKET_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('The ticket must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('The ticket must be an http(s) URL');
  }
  if (url.username || url.password) {
    throw new InputError('The ticket URL must not carry credentials');
  }
  assertPlainText(text, 'ticket');
  return url.toString();
}

/** What an exemption is about: one entity (authorized against it), or the deployment. */
function entityOfScope(scope: ExemptionScope): string | undefined {
  if (scope.type === 'finding' || scope.type === 'target') return scope.entityRef;
  return undefined;
}

/**
 * Exemptions: checks what callers send, decides who may create, see and revoke them, and keeps
 * them in the store. Whether an exemption applies to a finding is decided when findings are read.
 */
export class ExemptionService {
  private readonly clock: () => Date;

  constructor(
    private readonly deps: {
      exemptions: ExemptionStore;
      report: ReportService;
      permissions: PermissionsService;
      registry: CheckRegistry;
      /** `securityPosture.exemptions.maxDuration` */
      maxDurationMs: number;
      clock?: () => Date;
    },
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The latest expiry an exemption created now may have. */
  latestExpiry(): Date {
    return new Date(this.clock().getTime() + this.deps.maxDurationMs);
  }

  async create(input: NewExemption, credentials: BackstageCredentials): Promise<Exemption> {
    if (!EXEMPTION_KINDS.includes(input.kind)) {
      throw new InputError(`kind must be one of ${EXEMPTION_KINDS.join(', ')}`);
    }
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (!reason) throw new InputError('A reason is required');
    if (reason.length > MAX_REASON_LENGTH) {
      throw new InputError(`The reason is longer than ${MAX_REASON_LENGTH} characters`);
    }
    assertPlainText(reason, 'reason');
    const ticket = ticketOf(input.ticket);
    const expiresAt = this.expiryOf(input);
    const scope = await this.scopeOf(input.scope, credentials);
    await this.authorize(securityPostureExemptionCreatePermission, scope, credentials, 'exempt');
    return this.deps.exemptions.createExemption({
      scope,
      kind: input.kind,
      reason,
      ticket,
      expiresAt,
      createdBy: requesterOf(credentials),
    });
  }

  async list(query: ExemptionsQuery, credentials: BackstageCredentials): Promise<ExemptionsPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    const offset = Math.max(query.offset ?? 0, 0);
    const { report, exemptions } = this.deps;
    const all = await report.canReadReport(credentials);
    const visibility = all
      ? ({ type: 'all' } as const)
      : {
          type: 'entities' as const,
          entityRefs: await report.detailsAllowed(
            await exemptions.listExemptionEntityRefs(),
            credentials,
          ),
        };
    const page = await exemptions.listExemptions({ ...query, limit, offset }, visibility);
    return { ...page, limit, offset, scope: all ? 'all' : 'mine' };
  }

  async revoke(id: string, credentials: BackstageCredentials): Promise<Exemption> {
    const exemption = await this.deps.exemptions.getExemption(id);
    const notFound = new NotFoundError(`No exemption ${id}`);
    if (!exemption) throw notFound;
    // Like findings: an exemption the caller may not see does not exist for them.
    const entityRef = entityOfScope(exemption.scope);
    if (!(await this.deps.report.canReadReport(credentials))) {
      if (!entityRef || !(await this.deps.report.mayReadDetails(entityRef, credentials))) {
        throw notFound;
      }
    }
    await this.authorize(
      securityPostureExemptionDeletePermission,
      exemption.scope,
      credentials,
      'revoke exemptions of',
    );
    if (exemption.state === 'revoked') {
      throw new ConflictError(`Exemption ${id} was already revoked`);
    }
    const revoked = await this.deps.exemptions.revokeExemption(id, requesterOf(credentials));
    if (!revoked) throw notFound;
    return revoked;
  }

  private expiryOf(input: NewExemption): string | undefined {
    if (input.expiresAt === undefined || input.expiresAt === '') {
      if (input.kind === 'accepted-risk') {
        throw new InputError('An accepted risk needs an expiry date (expiresAt)');
      }
      return undefined;
    }
    const at = Date.parse(input.expiresAt);
    if (Number.isNaN(at)) throw new InputError('expiresAt must be a date-time (ISO 8601)');
    const now = this.clock().getTime();
    if (at <= now) throw new InputError('expiresAt must be in the future');
    const latest = this.latestExpiry();
    if (at > latest.getTime()) {
      throw new InputError(
        `expiresAt may be at most ${Math.floor(this.deps.maxDurationMs / DAY_MS)} days ahead (until ${latest.toISOString()}; securityPosture.exemptions.maxDuration)`,
      );
    }
    return new Date(at).toISOString();
  }

  /** The scope as stored: refs normalised, checks known, a finding's check and entity filled in. */
  private async scopeOf(
    scope: ExemptionScope,
    credentials: BackstageCredentials,
  ): Promise<ExemptionScope> {
    switch (scope?.type) {
      case 'finding': {
        // 404 both for an unknown finding and for one the caller may not see.
        const finding = await this.deps.report.finding(scope.fingerprint, credentials);
        if (finding.status === 'resolved') {
          throw new InputError('The finding is resolved: there is nothing to exempt');
        }
        return {
          type: 'finding',
          fingerprint: finding.fingerprint,
          checkId: finding.checkId,
          entityRef: finding.entityRef,
        };
      }
      case 'target': {
        const checkId = this.knownCheck(scope.checkId);
        if ((scope.entityRef === undefined) === (scope.configPath === undefined)) {
          throw new InputError('A target is either an entityRef or a configPath');
        }
        if (scope.entityRef !== undefined) {
          return { type: 'target', checkId, entityRef: entityRefOf(scope.entityRef, 'entityRef') };
        }
        const configPath = String(scope.configPath).trim();
        if (!CONFIG_PATH.test(configPath) || configPath.length > 300) {
          throw new InputError('configPath must be a config key path such as backend.cors.origin');
        }
        return { type: 'target', checkId, configPath };
      }
      case 'entities': {
        const checkId = this.knownCheck(scope.checkId);
        if (!scope.entityKind && !scope.owner) {
          throw new InputError('A set of entities needs an entityKind, an owner, or both');
        }
        if (scope.entityKind !== undefined && !ENTITY_KIND.test(scope.entityKind)) {
          throw new InputError('entityKind must be a kind such as Component');
        }
        return {
          type: 'entities',
          checkId,
          entityKind: scope.entityKind?.toLocaleLowerCase('en-US'),
          owner: scope.owner !== undefined ? entityRefOf(scope.owner, 'owner') : undefined,
        };
      }
      default:
        throw new InputError('scope.type must be finding, target or entities');
    }
  }

  private knownCheck(checkId: string): string {
    if (!this.deps.registry.list().some(c => c.check.meta.id === checkId)) {
      throw new InputError('scope.checkId is not a registered check');
    }
    return checkId;
  }

  /**
   * About one entity: the permission for that entity. Deployment-wide: the permission without a
   * resource (a conditional decision is a denial) and the report permission.
   */
  private async authorize(
    permission: ResourcePermission<'catalog-entity'>,
    scope: ExemptionScope,
    credentials: BackstageCredentials,
    action: string,
  ) {
    const entityRef = entityOfScope(scope);
    if (entityRef) {
      const [decision] = await this.deps.permissions.authorize(
        [{ permission, resourceRef: entityRef }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(`You may not ${action} findings of ${entityRef}`);
      }
      return;
    }
    // Asked without a resource: only an unconditional ALLOW will do.
    const [decision] = await this.deps.permissions.authorizeConditional([{ permission }], {
      credentials,
    });
    if (
      decision.result !== AuthorizeResult.ALLOW ||
      !(await this.deps.report.canReadReport(credentials))
    ) {
      throw new NotAllowedError(
        `You may not ${action} deployment-wide findings: that needs the platform team's access`,
      );
    }
  }
}
