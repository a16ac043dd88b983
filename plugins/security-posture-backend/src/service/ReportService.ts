import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  emptySeverityCounts,
  EntityFindingsResponse,
  Finding,
  FindingGroupsPage,
  FindingsPage,
  FindingsQuery,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
  PostureSummary,
  Scan,
  SeverityCounts,
  securityPostureEntityDetailsReadPermission,
  securityPostureReportReadPermission,
} from '@security-posture/plugin-security-posture-common';
import { FindingsVisibility, PostureStore } from '../database/PostureStore';
import { CheckRegistry } from '@security-posture/checks';
import { computeSummary, FindingGroupKey, OpenFindingGroup } from './scoring';
import { computeFixPlan, FixCandidate } from './fixPlan';
import { ExposureModel, isCoverageMatrix } from './exposure';

const AUTHORIZE_BATCH = 250;
// Findings of one entity returned at most (the entity tab shows them all).
const ENTITY_FINDINGS_LIMIT = 1000;

function countBySeverity(findings: Finding[]): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

type Scores = Awaited<ReturnType<typeof computeSummary>> &
  Awaited<ReturnType<typeof computeFixPlan>> &
  Pick<PostureSummary, 'exempted'>;

/** How stale the scores may be while a scan runs. */
const RUNNING_REFRESH_MS = 5_000;

/**
 * Answers report queries with the caller's visibility applied: the report permission sees all;
 * others see details only of entities the entity-details permission grants them (e.g. their own),
 * and counts of entities they can read in the catalog.
 */
export class ReportService {
  constructor(
    private readonly deps: {
      store: PostureStore;
      registry: CheckRegistry;
      permissions: PermissionsService;
      catalog: CatalogService;
      auth: AuthService;
      /** Changes when detections (outside scans) record or resolve findings. */
      detectionsKey?: () => Promise<string>;
      /** Milliseconds now (tests move it). */
      now?: () => number;
    },
  ) {}

  private readonly memory = new Map<
    string,
    { key: string; value: Promise<unknown>; at: number; refreshing?: boolean }
  >();

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  async canReadReport(credentials: BackstageCredentials): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: securityPostureReportReadPermission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  async assertCanReadReport(credentials: BackstageCredentials) {
    if (!(await this.canReadReport(credentials))) {
      throw new NotAllowedError(
        'The deployment-wide security report is restricted to the platform team',
      );
    }
  }

  async summary(credentials: BackstageCredentials): Promise<PostureSummary> {
    await this.assertCanReadReport(credentials);
    const scans = await this.deps.store.listScans({ limit: 20 });
    return {
      ...(await this.scores(scans)),
      lastScan: scans[0],
      lastCompletedScan: scans.find(
        s => s.status !== 'queued' && s.status !== 'running',
      ),
    };
  }

  /**
   * Open findings change only while a scan runs or when detections record or resolve one, and
   * which of them count only when an exemption is created, revoked or expires, so what is
   * derived from them is kept per latest scan state, set of applied exemptions and detections
   * key, and recomputed when any moves, or on every request while a scan runs. Concurrent
   * requests share one computation; a failed one is not kept.
   */
  private async memo<T>(
    name: string,
    scans: Scan[],
    compute: () => Promise<T>,
  ): Promise<T> {
    const latest = scans[0];
    if (scans.some(s => s.status === 'running'))
      return this.memoWhileRunning(name, latest, compute);
    const [exemptions, detections] = await Promise.all([
      this.deps.store.appliedExemptionsKey(),
      this.deps.detectionsKey?.() ?? '',
    ]);
    const key = `${latest?.id ?? ''}|${latest?.status ?? ''}|${
      latest?.finishedAt ?? ''
    }|${exemptions}|${detections}`;
    const cached = this.memory.get(name);
    if (cached?.key === key) return cached.value as Promise<T>;
    return this.remember(name, key, compute());
  }

  private remember<T>(
    name: string,
    key: string,
    value: Promise<T>,
  ): Promise<T> {
    this.memory.set(name, { key, value, at: this.now() });
    value.catch(() => {
      if (this.memory.get(name)?.value === value) this.memory.delete(name);
    });
    return value;
  }

  /**
   * While a scan runs, findings change under every request: the scores are recomputed at most
   * every few seconds, in the background, and requests meanwhile get the latest computed ones.
   * Recomputing per request read every open finding each time, which on a large catalog made
   * `/summary` take a third of a second during scans.
   */
  private memoWhileRunning<T>(
    name: string,
    latest: Scan,
    compute: () => Promise<T>,
  ): Promise<T> {
    const key = `running|${latest.id}`;
    const cached = this.memory.get(name);
    if (cached?.key !== key) return this.remember(name, key, compute());
    if (this.now() - cached.at >= RUNNING_REFRESH_MS && !cached.refreshing) {
      cached.refreshing = true;
      const next = compute();
      next.then(
        () => {
          if (this.memory.get(name) === cached) this.remember(name, key, next);
        },
        () => {
          cached.refreshing = false;
        },
      );
    }
    return cached.value as Promise<T>;
  }

  /** Open findings counted per category × severity × outcome. */
  private openGroups(scans: Scan[]): Promise<OpenFindingGroup[]> {
    // While a scan runs, the scores' memo (their only reader then) bounds how often this runs.
    if (scans.some(s => s.status === 'running')) {
      return this.deps.store.countOpenFindingGroups();
    }
    return this.memo('groups', scans, () =>
      this.deps.store.countOpenFindingGroups(),
    );
  }

  private scores(scans: Scan[]): Promise<Scores> {
    const categories = [
      ...new Set(
        this.deps.registry
          .list()
          .filter(c => c.enabled)
          .map(c => c.check.meta.category),
      ),
    ];
    return this.memo('scores', scans, async () => {
      const [groups, exemptedGroups] = await Promise.all([
        this.openGroups(scans),
        this.deps.store.countExemptedFindingGroups(),
      ]);
      const scores = await computeSummary(
        { countOpenFindingGroups: async () => groups },
        categories,
      );
      const exempted = await this.exemptedSummary(
        groups,
        exemptedGroups,
        categories,
        scores,
      );
      const exposure = await this.exposureModel();
      const plan = await computeFixPlan(
        {
          groups,
          categories,
          listCandidates: (group, limit) =>
            this.fixCandidates(group, limit, exposure),
        },
        scores.grade,
      );
      return { ...scores, exempted, ...plan };
    });
  }

  /** How much exemptions hide: their findings, and the score and grade without any exemption. */
  private async exemptedSummary(
    groups: OpenFindingGroup[],
    exemptedGroups: OpenFindingGroup[],
    categories: string[],
    scores: Awaited<ReturnType<typeof computeSummary>>,
  ): Promise<NonNullable<PostureSummary['exempted']>> {
    const counts = emptySeverityCounts();
    let findings = 0;
    for (const group of exemptedGroups) {
      findings += group.count;
      if (group.outcome !== 'error') counts[group.severity] += group.count;
    }
    const without = findings
      ? await computeSummary(
          {
            countOpenFindingGroups: async () => [...groups, ...exemptedGroups],
          },
          categories,
        )
      : scores;
    return { findings, counts, score: without.score, grade: without.grade };
  }

  /** Exposure from the permission coverage matrix of the last scan that published one. */
  private async exposureModel(): Promise<ExposureModel> {
    const published = await this.deps.store.getPublished(
      POLICY_COVERAGE_CHECK_ID,
      POLICY_COVERAGE_MATRIX_KEY,
    );
    return new ExposureModel(
      isCoverageMatrix(published?.data) ? published!.data : undefined,
    );
  }

  /**
   * Open findings of one group with their entity and exposure. The findings list filters by
   * category and severity, not outcome: when findings of the other outcome may have crowded the
   * group out of the rows read, the group's own listing fills in (without exposure).
   */
  private async fixCandidates(
    group: FindingGroupKey,
    limit: number,
    exposure: ExposureModel,
  ): Promise<FixCandidate[]> {
    const { items } = await this.deps.store.listFindings(
      {
        status: ['open'],
        category: [group.category],
        severity: [group.severity],
        limit,
      },
      { type: 'all' },
      { withTotal: false },
    );
    const candidates: FixCandidate[] = items
      .filter(f => f.outcome === group.outcome)
      .map(f => ({
        fingerprint: f.fingerprint,
        checkId: f.checkId,
        title: f.title,
        category: f.category,
        severity: f.severity,
        outcome: f.outcome,
        entityRef: f.entityRef,
        exposure: exposure.exposureOf(f),
      }));
    if (items.length === limit && candidates.length < limit) {
      const known = new Set(candidates.map(c => c.fingerprint));
      const ofGroup = await this.deps.store.listOpenFindingsOfGroups(
        [group],
        limit,
      );
      candidates.push(...ofGroup.filter(f => !known.has(f.fingerprint)));
    }
    return candidates.slice(0, limit);
  }

  /**
   * The number of findings of a deployment-wide query that filters by category and severity
   * only, from the counts kept per scan: counting 1M rows per page request is what made the
   * findings list slow. Undefined when the query needs a real count.
   */
  private async countFromGroups(
    query: FindingsQuery,
    visibility: FindingsVisibility,
  ): Promise<number | undefined> {
    const onlyOpen =
      !query.status?.length || query.status.every(s => s === 'open');
    if (
      visibility.type !== 'all' ||
      !onlyOpen ||
      query.checkId?.length ||
      query.owner?.length ||
      query.entityKind?.length ||
      query.entityRef ||
      query.text?.trim()
    ) {
      return undefined;
    }
    const scans = await this.deps.store.listScans({ limit: 20 });
    if (scans.some(s => s.status === 'running')) return undefined;
    const categories = query.category?.length
      ? new Set(query.category)
      : undefined;
    const severities = query.severity?.length
      ? new Set<string>(query.severity)
      : undefined;
    let total = 0;
    for (const group of await this.openGroups(scans)) {
      if (categories && !categories.has(group.category)) continue;
      if (severities && !severities.has(group.severity)) continue;
      total += group.count;
    }
    return total;
  }

  async visibilityFor(
    credentials: BackstageCredentials,
  ): Promise<FindingsVisibility & { scope: FindingsPage['scope'] }> {
    if (await this.canReadReport(credentials)) {
      return { type: 'all', scope: 'all' };
    }
    const refs = await this.deps.store.listEntityRefsWithFindings([
      'open',
      'resolved',
    ]);
    return {
      type: 'entities',
      entityRefs: await this.detailsAllowed(refs, credentials),
      scope: 'mine',
    };
  }

  async findings(
    query: FindingsQuery,
    credentials: BackstageCredentials,
  ): Promise<FindingsPage> {
    const visibility = await this.visibilityFor(credentials);
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const offset = Math.max(query.offset ?? 0, 0);
    const total = await this.countFromGroups(query, visibility);
    const page = await this.deps.store.listFindings(
      { ...query, limit, offset },
      visibility,
      {
        withTotal: total === undefined,
      },
    );
    return {
      ...page,
      totalItems: total ?? page.totalItems,
      limit,
      offset,
      scope: visibility.scope,
    };
  }

  /** Findings grouped by check and title, over the findings `findings()` would list. */
  async findingGroups(
    query: FindingsQuery,
    credentials: BackstageCredentials,
  ): Promise<FindingGroupsPage> {
    const visibility = await this.visibilityFor(credentials);
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const offset = Math.max(query.offset ?? 0, 0);
    const page = await this.deps.store.listFindingGroups(
      { ...query, limit, offset },
      visibility,
    );
    return { ...page, limit, offset, scope: visibility.scope };
  }

  async finding(
    fingerprint: string,
    credentials: BackstageCredentials,
  ): Promise<Finding> {
    const finding = await this.deps.store.getFinding(fingerprint);
    const notFound = new NotFoundError(`No finding ${fingerprint}`);
    if (!finding) throw notFound;
    if (await this.canReadReport(credentials)) return finding;
    if (finding.entityRef) {
      const [allowed] = await this.detailsAllowed(
        [finding.entityRef],
        credentials,
      );
      if (allowed) return finding;
    }
    // Do not reveal that a finding exists to someone who may not see it.
    throw notFound;
  }

  async entityFindings(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<EntityFindingsResponse> {
    const ref = entityRef.toLocaleLowerCase('en-US');
    const { store } = this.deps;
    // One round of independent reads: this endpoint backs every entity page's Security tab.
    // The findings are read alongside the permission check and returned only if it allows.
    const [lastScan, details, { items }] = await Promise.all([
      // Without per-check results: they describe the deployment, not this entity.
      store
        .listScans({ limit: 1, withCheckRuns: false })
        .then(scans => scans[0]),
      this.mayReadDetails(ref, credentials),
      // Exempted findings stay listed (with their exemption); they are not counted.
      store.listFindings(
        {
          entityRef: ref,
          limit: ENTITY_FINDINGS_LIMIT,
          status: ['open', 'exempted'],
        },
        { type: 'all' },
        { withTotal: false },
      ),
    ]);
    // Every open finding was read unless the limit was hit; then they are counted.
    const counts =
      items.length < ENTITY_FINDINGS_LIMIT
        ? countBySeverity(items.filter(f => f.status === 'open'))
        : await store.countOpenBySeverity(ref);
    if (details) {
      // The caller may see this entity's details: asking the catalog as the plugin reveals nothing.
      await this.assertEntityKnown(
        ref,
        await this.deps.auth.getOwnServiceCredentials(),
      );
      return {
        entityRef: ref,
        visibility: 'details',
        counts,
        findings: items,
        lastScan,
      };
    }
    // Counts only, and only for entities the caller can read in the catalog at all: an entity the
    // caller may not read gets the same 404 as one that does not exist. Nothing about scans or
    // who started them: the scan list is not theirs to read.
    await this.assertEntityKnown(ref, credentials);
    return { entityRef: ref, visibility: 'counts', counts };
  }

  /**
   * 404 unless the catalog returns the entity to `credentials`. Catalog failures do not pass
   * through: a refused name is a 400, anything else an internal error (logged by the router).
   */
  private async assertEntityKnown(
    ref: string,
    credentials: BackstageCredentials,
  ) {
    let entity: unknown;
    try {
      entity = await this.deps.catalog.getEntityByRef(ref, { credentials });
    } catch (error) {
      const status = isError(error)
        ? (error as { statusCode?: number }).statusCode ??
          (error as { response?: { status?: number } }).response?.status
        : undefined;
      if (
        status === 404 ||
        (isError(error) && error.name === 'NotFoundError')
      ) {
        entity = undefined;
      } else if (
        status === 400 ||
        (isError(error) && error.name === 'InputError')
      ) {
        throw new InputError('Invalid entity reference');
      } else {
        throw new Error('Catalog lookup failed', { cause: error });
      }
    }
    if (!entity) throw new NotFoundError(`No entity ${ref}`);
  }

  async mayReadDetails(entityRef: string, credentials: BackstageCredentials) {
    if (await this.canReadReport(credentials)) return true;
    const allowed = await this.detailsAllowed([entityRef], credentials);
    return allowed.length === 1;
  }

  /** The subset of `entityRefs` whose finding details the caller may read. */
  async detailsAllowed(
    entityRefs: string[],
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    const allowed: string[] = [];
    for (let i = 0; i < entityRefs.length; i += AUTHORIZE_BATCH) {
      const batch = entityRefs.slice(i, i + AUTHORIZE_BATCH);
      const decisions = await this.deps.permissions.authorize(
        batch.map(resourceRef => ({
          permission: securityPostureEntityDetailsReadPermission,
          resourceRef,
        })),
        { credentials },
      );
      decisions.forEach((decision, index) => {
        if (decision.result === AuthorizeResult.ALLOW)
          allowed.push(batch[index]);
      });
    }
    return allowed;
  }
}
