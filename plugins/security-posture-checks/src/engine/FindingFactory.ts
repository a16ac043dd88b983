import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  Finding,
  FindingEvidence,
  FindingTarget,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  redactSecret,
  scrubSecrets,
  SecretScrubber,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import { JsonValue } from '@backstage/types';
import { lowerCaseEn } from '@security-posture/static-analysis';
import { EventLoopTurns } from './eventLoopTurns';
import { findingFingerprint } from './fingerprint';

/** A finding as a scan produces it, before first/last-seen bookkeeping. */
export type NewFinding = Omit<
  Finding,
  'status' | 'firstSeenAt' | 'lastSeenAt' | 'resolvedAt'
>;

/**
 * Turns check results into findings. This is the one place where secrets are masked: the raw
 * value is replaced by mask + fingerprint and scrubbed from every other text of the result.
 */
export class FindingFactory {
  /** Raw secrets seen in this scan, so logs and error texts can be scrubbed too. */
  readonly secrets = new SecretScrubber();

  /** The last entity's ref and owners: every check of the pass reports on the same entity. */
  private lastEntity?: { entity: Entity; ref: string; owners: string[] };

  /**
   * @param fingerprintKey - the installation's key for secret fingerprints (HMAC); evaluation
   * workers make their findings with a factory under the same key
   */
  constructor(readonly fingerprintKey?: string) {}

  /**
   * Says which key fingerprints secrets (not the key): findings made under another key differ,
   * so incremental scans re-evaluate everything when it changes.
   */
  get keyId(): string {
    return redactSecret('security-posture:key-id', this.fingerprintKey).fingerprint;
  }

  private entityInfo(entity: Entity) {
    if (this.lastEntity?.entity !== entity) {
      this.lastEntity = {
        entity,
        ref: lowerCaseEn(stringifyEntityRef(entity)),
        owners: ownersOf(entity),
      };
    }
    return this.lastEntity;
  }

  /**
   * Findings of one batch of results. Every secret of the batch is known before any result is
   * converted, so a secret declared by one result is also masked in the others.
   */
  fromResults(
    meta: SecurityCheckMeta,
    severity: Severity,
    results: CheckResult[],
    entity?: Entity,
  ): NewFinding[] {
    const batchSecrets = this.addBatchSecrets(results);
    return results
      .filter(isReported)
      .map(r => this.fromResult(meta, severity, r, entity, batchSecrets));
  }

  /**
   * `fromResults` for a deployment check's results on the backend's event loop: thousands of
   * them (e.g. one per template risk) were one synchronous stretch that held up the portal's
   * requests, so the loop gets a turn whenever `turns` says one is due.
   */
  async fromResultsInTurns(
    meta: SecurityCheckMeta,
    severity: Severity,
    results: CheckResult[],
    turns: EventLoopTurns,
  ): Promise<NewFinding[]> {
    const batchSecrets = this.addBatchSecrets(results);
    const findings: NewFinding[] = [];
    for (const result of results) {
      if (!isReported(result)) continue;
      findings.push(this.fromResult(meta, severity, result, undefined, batchSecrets));
      if (turns.due()) await turns.yield();
    }
    return findings;
  }

  /** Every secret of a batch is known before any of its results is converted. */
  private addBatchSecrets(results: CheckResult[]): string[] {
    const batchSecrets = results.flatMap(r => (r.secret?.value ? [r.secret.value] : []));
    for (const secret of batchSecrets) this.secrets.add(secret);
    return batchSecrets;
  }

  /** `batchSecrets`: the secrets of the batch the result came with (by default its own). */
  fromResult(
    meta: SecurityCheckMeta,
    severity: Severity,
    result: CheckResult,
    entity?: Entity,
    batchSecrets: string[] = result.secret?.value ? [result.secret.value] : [],
  ): NewFinding {
    let evidence: FindingEvidence = { ...(result.evidence ?? {}) };
    if (result.secret?.value) {
      this.secrets.add(result.secret.value);
      const { mask, fingerprint } = redactSecret(result.secret.value, this.fingerprintKey);
      evidence = {
        ...evidence,
        secretKind: result.secret.kind,
        secretMask: mask,
        secretFingerprint: fingerprint,
      };
    }
    // Every secret seen so far in the scan, not only this result's: texts often repeat them.
    const scrub = (text: string) => this.scrub(text);
    const scrubbedEvidence: FindingEvidence = {};
    for (const [key, value] of Object.entries(evidence)) {
      if (typeof value === 'string') scrubbedEvidence[key] = scrub(value);
      else if (Array.isArray(value)) scrubbedEvidence[key] = value.map(scrub);
      else scrubbedEvidence[key] = value;
    }
    const location = result.location ? scrub(result.location) : undefined;
    // The identity must not depend on which secrets other entities revealed earlier in the scan,
    // or the finding would be resolved and reopened under a new fingerprint from scan to scan.
    const identityLocation = result.location
      ? scrubSecrets(result.location, batchSecrets)
      : undefined;
    const target = this.normalizeTarget(result.target);
    // An entity check's entity, else the entity a deployment check says the result is about.
    const subject = entity ?? result.entity;
    const info = subject && this.entityInfo(subject);
    let entityRef: string | undefined;
    if (info) entityRef = info.ref;
    else if ('entityRef' in target) entityRef = target.entityRef;
    return {
      fingerprint: findingFingerprint(meta.id, target, identityLocation),
      checkId: meta.id,
      category: meta.category,
      severity: result.severity ?? severity,
      outcome: result.outcome === 'error' ? 'error' : 'fail',
      title: scrub(result.title ?? meta.title),
      message: scrub(result.message),
      target,
      location,
      entityRef,
      entityKind: subject?.kind,
      owners: info ? [...info.owners] : [],
      evidence: scrubbedEvidence,
      remediation: meta.remediation,
      docsUrl: meta.docsUrl,
    };
  }

  /** An `error` finding for a check that crashed or timed out: never a silent pass. */
  fromError(
    meta: SecurityCheckMeta,
    severity: Severity,
    error: Error,
    entity?: Entity,
  ): NewFinding {
    const target: FindingTarget = entity
      ? { type: 'entity', entityRef: stringifyEntityRef(entity) }
      : { type: 'deployment' };
    return this.fromResult(
      meta,
      severity,
      {
        outcome: 'error',
        target,
        location: 'check-error',
        title: `Check could not complete: ${meta.title}`,
        message: this.scrub(error.message),
        evidence: { errorName: error.name },
      },
      entity,
    );
  }

  /** Scrubs every string inside published JSON data. */
  scrubJson(value: JsonValue): JsonValue {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map(v => this.scrubJson(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubJson(v as JsonValue)]),
      );
    }
    return value;
  }

  /**
   * `scrubJson` with turns of the event loop between the items of arrays (published data is
   * mostly lists of records, e.g. a score per template); each item is scrubbed in one go.
   */
  async scrubJsonInTurns(value: JsonValue, turns: EventLoopTurns): Promise<JsonValue> {
    if (Array.isArray(value)) {
      const items: JsonValue[] = [];
      for (const item of value) {
        items.push(this.scrubJson(item));
        if (turns.due()) await turns.yield();
      }
      return items;
    }
    if (value && typeof value === 'object') {
      // Entries, not assignments: a `__proto__` key stays a key.
      const entries: Array<[string, JsonValue]> = [];
      for (const [key, item] of Object.entries(value)) {
        entries.push([this.scrub(key), await this.scrubJsonInTurns(item as JsonValue, turns)]);
      }
      return Object.fromEntries(entries);
    }
    return this.scrubJson(value);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  private normalizeTarget(target: FindingTarget): FindingTarget {
    if (target.type === 'entity' || target.type === 'template') {
      return { ...target, entityRef: lowerCaseEn(target.entityRef) };
    }
    return target;
  }
}

function isReported(result: CheckResult): boolean {
  return result.outcome === 'fail' || result.outcome === 'error';
}

/**
 * The entity's owners as lower-case refs: its `ownedBy` relations, and `spec.owner` (a group
 * unless it names a kind, in the entity's namespace unless it names one), which is what the
 * catalog derives the relation from; entities read from files (the CLI) have only the latter.
 */
export function ownersOf(entity: Entity): string[] {
  const owners = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => lowerCaseEn(r.targetRef));
  const specOwner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof specOwner === 'string' && specOwner.trim()) {
    try {
      const ref = parseEntityRef(specOwner.trim(), {
        defaultKind: 'group',
        defaultNamespace: entity.metadata?.namespace ?? 'default',
      });
      owners.push(lowerCaseEn(stringifyEntityRef(ref)));
    } catch {
      // Not a valid ref: the catalog would not have made a relation of it either.
    }
  }
  return [...new Set(owners)];
}
