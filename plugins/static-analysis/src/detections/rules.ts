import type { Severity } from '@security-posture/plugin-security-posture-common';
import { validateBusinessHours } from './businessHours';
import type { BusinessHours, DetectionRule } from './types';

const MINUTE = 60_000;

export const DETECTION_RULE_IDS = {
  scaffolderOutsideBusinessHours: 'scaffolder-outside-business-hours',
  scaffolderOutsideAllowedGroups: 'scaffolder-outside-allowed-groups',
  catalogReadReconnaissance: 'catalog-read-reconnaissance',
  catalogMutationByNonPlatform: 'catalog-mutation-by-non-platform',
  authFailuresAboveBaseline: 'auth-failures-above-baseline',
} as const;

/** Per-rule overrides (`securityPosture.detections.rules.<id>`). */
export interface DetectionRuleOverride {
  enabled?: boolean;
  severity?: Severity;
  threshold?: number;
  windowMs?: number;
}

/** What adopters tune; everything else of a rule is fixed. */
export interface DetectionSettings {
  businessHours: BusinessHours;
  /** Groups whose members may run templates. */
  scaffolderAllowedGroups: string[];
  /** The platform team: the only users expected to change the catalog. */
  platformGroups: string[];
  rules: Record<string, DetectionRuleOverride>;
}

/** The seed hardening guide's alerts ("Audit Logging"), as defaults. */
export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  businessHours: {
    timeZone: 'UTC',
    start: '07:00',
    end: '19:00',
    weekdays: [1, 2, 3, 4, 5],
  },
  scaffolderAllowedGroups: [
    'group:default/platform-engineers',
    'group:default/developers',
  ],
  platformGroups: ['group:default/platform-engineers'],
  rules: {},
};

/** Terminal events only: `createEvent` logs `initiated` first, which would count a call twice. */
const OUTCOMES: DetectionRule['match']['statuses'] = ['succeeded', 'failed'];

/** Task creation is the user's run request; the worker's `execution` event has a service actor. */
const SCAFFOLDER_RUN = {
  plugins: ['scaffolder'],
  eventIds: ['task'],
  actionTypes: ['create'],
  statuses: OUTCOMES,
};

function defaultRules(settings: DetectionSettings): DetectionRule[] {
  const hours = settings.businessHours;
  return [
    {
      id: DETECTION_RULE_IDS.scaffolderOutsideBusinessHours,
      title: 'Template run outside business hours',
      description: `A scaffolder task was created outside business hours (${
        hours.start
      }-${hours.end} ${hours.timeZone}, ISO weekdays ${hours.weekdays.join(
        ',',
      )}).`,
      severity: 'medium',
      match: SCAFFOLDER_RUN,
      condition: { type: 'outsideBusinessHours', hours },
      subject: 'actor',
      threshold: 0,
      windowMs: 60 * MINUTE,
      remediation:
        'Confirm the run with the user; if it was not theirs, revoke their sessions and review what the template created.',
    },
    {
      id: DETECTION_RULE_IDS.scaffolderOutsideAllowedGroups,
      title: 'Template run by a user outside the allowed groups',
      description: `A scaffolder task was created by a user who is a member of none of: ${settings.scaffolderAllowedGroups.join(
        ', ',
      )}.`,
      severity: 'high',
      match: SCAFFOLDER_RUN,
      condition: {
        type: 'userNotInGroups',
        groups: settings.scaffolderAllowedGroups,
      },
      subject: 'actor',
      threshold: 0,
      windowMs: 60 * MINUTE,
      remediation:
        'Restrict scaffolder task creation with a permission policy (scaffolder.task.create) to the allowed groups, and review what the run created.',
    },
    {
      id: DETECTION_RULE_IDS.catalogReadReconnaissance,
      title: 'Catalog read burst (possible reconnaissance)',
      description:
        'One actor read more catalog entities one by one (by name or uid) than the threshold within the window.',
      severity: 'high',
      match: {
        plugins: ['catalog'],
        eventIds: ['entity-fetch'],
        statuses: OUTCOMES,
        // Entity pages and API clients walking the catalog read entities by name or uid. The
        // portal's own list, filter and by-refs lookups (a few per page view, however many
        // entities they return) and the backend plugins' reads (scans, processing) would make
        // every busy user and every large catalog a "reconnaissance".
        queryTypes: ['by-name', 'by-uid'],
        excludeActorPrefixes: ['plugin:'],
      },
      condition: { type: 'always' },
      subject: 'actor',
      threshold: 50,
      windowMs: 10 * MINUTE,
      remediation:
        'Check whether the actor is an automation with a reason to enumerate the catalog; otherwise revoke its sessions or tokens and restrict catalog reads.',
    },
    {
      id: DETECTION_RULE_IDS.catalogMutationByNonPlatform,
      title: 'Catalog change by a user outside the platform team',
      description: `A catalog entity or location was changed by a user who is a member of none of: ${settings.platformGroups.join(
        ', ',
      )}.`,
      severity: 'high',
      match: {
        plugins: ['catalog'],
        eventIds: ['entity-mutate', 'location-mutate'],
        statuses: OUTCOMES,
        excludeDryRuns: true,
      },
      condition: { type: 'userNotInGroups', groups: settings.platformGroups },
      subject: 'actor',
      threshold: 0,
      windowMs: 60 * MINUTE,
      remediation:
        'Review the change; restrict catalog.entity.delete, catalog.location.create and catalog.entity.refresh to the platform team in the permission policy.',
    },
    {
      id: DETECTION_RULE_IDS.authFailuresAboveBaseline,
      title: 'Authentication and authorization failures above baseline',
      description:
        'Audited requests failed with an authentication or authorization error more often than the baseline within the window.',
      severity: 'medium',
      match: {
        statuses: ['failed'],
        errorNames: ['AuthenticationError', 'NotAllowedError'],
      },
      condition: { type: 'always' },
      subject: 'actor',
      threshold: 10,
      windowMs: 5 * MINUTE,
      remediation:
        'Find out who is probing: a misconfigured automation, an expired token, or someone trying what they may not do.',
    },
  ];
}

/** The rules with the settings and per-rule overrides applied; disabled rules left out. */
export function buildDetectionRules(
  settings: DetectionSettings = DEFAULT_DETECTION_SETTINGS,
): DetectionRule[] {
  validateBusinessHours(settings.businessHours);
  const known = new Set<string>(Object.values(DETECTION_RULE_IDS));
  for (const id of Object.keys(settings.rules)) {
    if (!known.has(id)) throw new Error(`Unknown detection rule '${id}'`);
  }
  return defaultRules(settings).flatMap(rule => {
    const override = settings.rules[rule.id] ?? {};
    if (override.enabled === false) return [];
    if (
      override.threshold !== undefined &&
      (!Number.isInteger(override.threshold) || override.threshold < 0)
    ) {
      throw new Error(
        `Detection rule '${rule.id}': threshold must be a whole number ≥ 0`,
      );
    }
    if (override.windowMs !== undefined && !(override.windowMs > 0)) {
      throw new Error(`Detection rule '${rule.id}': window must be positive`);
    }
    return [
      {
        ...rule,
        severity: override.severity ?? rule.severity,
        threshold: override.threshold ?? rule.threshold,
        windowMs: override.windowMs ?? rule.windowMs,
      },
    ];
  });
}
