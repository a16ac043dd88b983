import {
  Exemption,
  ExemptionKind,
  ExemptionScope,
  ExemptionState,
} from '@security-posture/plugin-security-posture-common';

const KIND_LABELS: Record<ExemptionKind, string> = {
  'accepted-risk': 'Accepted risk',
  'false-positive': 'False positive',
  'mitigated-elsewhere': 'Mitigated elsewhere',
};

export function exemptionKindLabel(kind: ExemptionKind): string {
  return KIND_LABELS[kind] ?? kind;
}

const STATE_LABELS: Record<ExemptionState, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function exemptionStateLabel(state: ExemptionState): string {
  return STATE_LABELS[state] ?? state;
}

/** What an exemption covers, in words. */
export function describeExemptionScope(scope: ExemptionScope): string {
  switch (scope.type) {
    case 'finding':
      return scope.entityRef
        ? `One finding of ${scope.checkId ?? 'a check'} on ${scope.entityRef}`
        : `One finding of ${scope.checkId ?? 'a check'}`;
    case 'target':
      return `${scope.checkId} on ${scope.entityRef ?? `config ${scope.configPath}`}`;
    default: {
      const of = [
        scope.entityKind ? `kind ${scope.entityKind}` : undefined,
        scope.owner ? `owned by ${scope.owner}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
      return `${scope.checkId} on every entity of ${of}`;
    }
  }
}

/**
 * A ticket link that is safe to render as a link: http(s) only (the server accepts nothing
 * else, but the UI does not rely on it).
 */
export function safeTicketUrl(exemption: Pick<Exemption, 'ticket'>): string | undefined {
  const ticket = exemption.ticket;
  if (!ticket) return undefined;
  try {
    const url = new URL(ticket);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days until an instant (0 when it is today or past). */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / DAY_MS));
}
