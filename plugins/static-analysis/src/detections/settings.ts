import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { isSeverity } from '@security-posture/plugin-security-posture-common';
import {
  DEFAULT_DETECTION_SETTINGS,
  DetectionRuleOverride,
  DetectionSettings,
} from './rules';

export const DETECTIONS_CONFIG_KEY = 'securityPosture.detections';

/** `securityPosture.detections.*` over the defaults (the same reading live and in the CLI). */
export function readDetectionSettings(config: Config): DetectionSettings {
  const defaults = DEFAULT_DETECTION_SETTINGS;
  const section = config.getOptionalConfig(DETECTIONS_CONFIG_KEY);
  if (!section) return defaults;
  const hours = section.getOptionalConfig('businessHours');
  const rules: Record<string, DetectionRuleOverride> = {};
  const rulesConfig = section.getOptionalConfig('rules');
  for (const id of rulesConfig?.keys() ?? []) {
    const rule = rulesConfig!.getConfig(id);
    const severity = rule.getOptionalString('severity');
    if (severity !== undefined && !isSeverity(severity)) {
      throw new Error(
        `${DETECTIONS_CONFIG_KEY}.rules.${id}.severity: unknown severity '${severity}'`,
      );
    }
    rules[id] = {
      enabled: rule.getOptionalBoolean('enabled'),
      severity: severity as DetectionRuleOverride['severity'],
      threshold: rule.getOptionalNumber('threshold'),
      windowMs: rule.has('window')
        ? durationToMilliseconds(
            readDurationFromConfig(rule, { key: 'window' }),
          )
        : undefined,
    };
  }
  return {
    businessHours: {
      timeZone:
        section.getOptionalString('timeZone') ??
        defaults.businessHours.timeZone,
      start: hours?.getOptionalString('start') ?? defaults.businessHours.start,
      end: hours?.getOptionalString('end') ?? defaults.businessHours.end,
      weekdays:
        (hours?.getOptional('weekdays') as number[] | undefined) ??
        defaults.businessHours.weekdays,
    },
    scaffolderAllowedGroups:
      section.getOptionalStringArray('scaffolderAllowedGroups') ??
      defaults.scaffolderAllowedGroups,
    platformGroups:
      section.getOptionalStringArray('platformGroups') ??
      defaults.platformGroups,
    rules,
  };
}
