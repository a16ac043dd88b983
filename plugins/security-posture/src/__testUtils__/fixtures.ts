import {
  EntityFindingsResponse,
  Finding,
  FindingsPage,
  HistoryPoint,
  PostureSummary,
  PublishedCheckData,
  Scan,
} from '@security-posture/plugin-security-posture-common';

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    fingerprint: 'fp-1',
    checkId: 'catalog/secret-in-annotation',
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    status: 'open',
    title: 'Secret in entity annotation',
    message: 'An annotation value looks like an API token.',
    target: { type: 'entity', entityRef: 'component:default/checkout-api' },
    location: 'metadata.annotations.payments.io/api-key',
    entityRef: 'component:default/checkout-api',
    entityKind: 'Component',
    owners: ['group:default/payments-checkout'],
    evidence: { secretMask: 'sk_live_…(32 chars)', secretFingerprint: 'sha256:ab12' },
    remediation: 'Move the secret to a secret store and reference it.',
    firstSeenAt: '2026-11-20T08:00:00.000Z',
    lastSeenAt: '2026-11-29T08:00:00.000Z',
    ...overrides,
  };
}

export function makeScan(overrides: Partial<Scan> = {}): Scan {
  return {
    id: 'scan-1',
    status: 'succeeded',
    trigger: 'schedule',
    createdAt: '2026-11-29T07:59:00.000Z',
    startedAt: '2026-11-29T07:59:01.000Z',
    finishedAt: '2026-11-29T08:00:00.000Z',
    progress: { done: 12, total: 12 },
    ...overrides,
  };
}

const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

export function makeSummary(
  overrides: Partial<PostureSummary> = {},
): PostureSummary {
  const scan = makeScan();
  return {
    score: 72.5,
    grade: 'C',
    categories: [
      {
        category: 'auth',
        score: 60,
        grade: 'D',
        counts: { ...zero, critical: 1 },
        errors: 0,
      },
      {
        category: 'catalog',
        score: 85,
        grade: 'B',
        counts: { ...zero, high: 2 },
        errors: 1,
      },
    ],
    counts: { ...zero, critical: 1, high: 2 },
    openFindings: 3,
    heldDownBy: [],
    lastScan: scan,
    lastCompletedScan: scan,
    ...overrides,
  };
}

export function makePage(
  items: Finding[],
  overrides: Partial<FindingsPage> = {},
): FindingsPage {
  return {
    items,
    totalItems: items.length,
    limit: 10,
    offset: 0,
    scope: 'all',
    ...overrides,
  };
}

export function makeEntityDetails(findings: Finding[]): EntityFindingsResponse {
  return {
    entityRef: 'component:default/checkout-api',
    visibility: 'details',
    counts: { ...zero, high: findings.length },
    findings,
    lastScan: makeScan(),
  };
}

export function makeHistoryPoint(
  overrides: Partial<HistoryPoint> = {},
): HistoryPoint {
  return {
    scanId: 'scan-1',
    finishedAt: '2026-11-29T08:00:00.000Z',
    status: 'succeeded',
    score: 72.5,
    grade: 'C',
    categories: [
      { category: 'auth', score: 60 },
      { category: 'catalog', score: 85 },
    ],
    counts: { ...zero, critical: 1, high: 2 },
    ...overrides,
  };
}

export function makeCheckData<T>(
  checkId: string,
  key: string,
  data: T,
): PublishedCheckData<T> {
  return {
    checkId,
    key,
    scanId: 'scan-1',
    updatedAt: '2026-11-29T08:00:00.000Z',
    data,
  };
}
