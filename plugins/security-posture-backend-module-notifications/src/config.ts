import { RootConfigService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { isSeverity, Severity } from '@security-posture/plugin-security-posture-common';

/** `securityPosture.notifications`, read once at startup. */
export interface NotificationsConfig {
  enabled: boolean;
  /** Normalised entity refs of the platform team (groups or users). */
  platformTeam: string[];
  ownerSeverities: Severity[];
  /** The Security page's path in the app, without a trailing slash. */
  securityPagePath: string;
}

const KEY = 'securityPosture.notifications';

export function readNotificationsConfig(config: RootConfigService): NotificationsConfig {
  const section = config.getOptionalConfig(KEY);
  const platformTeam = (section?.getOptionalStringArray('platformTeam') ?? []).map(ref => {
    const parsed = parseEntityRef(ref, { defaultKind: 'group', defaultNamespace: 'default' });
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'group' && kind !== 'user') {
      throw new Error(`${KEY}.platformTeam: ${ref} is not a group or user`);
    }
    return stringifyEntityRef(parsed);
  });
  const severities = section?.getOptionalStringArray('ownerSeverities') ?? ['critical', 'high'];
  for (const severity of severities) {
    if (!isSeverity(severity)) throw new Error(`${KEY}.ownerSeverities: unknown severity ${severity}`);
  }
  const path = section?.getOptionalString('securityPagePath') ?? '/security';
  if (!path.startsWith('/')) throw new Error(`${KEY}.securityPagePath must start with /`);
  return {
    enabled: section?.getOptionalBoolean('enabled') ?? false,
    platformTeam,
    ownerSeverities: severities as Severity[],
    securityPagePath: path.replace(/\/+$/, ''),
  };
}
