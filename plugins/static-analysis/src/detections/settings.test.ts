import { ConfigReader } from '@backstage/config';
import {
  buildDetectionRules,
  DEFAULT_DETECTION_SETTINGS,
  DETECTION_RULE_IDS,
} from './rules';
import { readDetectionSettings } from './settings';

describe('readDetectionSettings', () => {
  it('gives the guide defaults without config', () => {
    expect(readDetectionSettings(new ConfigReader({}))).toEqual(
      DEFAULT_DETECTION_SETTINGS,
    );
    const recon = buildDetectionRules().find(
      r => r.id === DETECTION_RULE_IDS.catalogReadReconnaissance,
    )!;
    expect([recon.threshold, recon.windowMs]).toEqual([50, 600_000]);
  });

  it('reads securityPosture.detections.* overrides', () => {
    const settings = readDetectionSettings(
      new ConfigReader({
        securityPosture: {
          detections: {
            timeZone: 'Europe/Berlin',
            businessHours: {
              start: '08:00',
              end: '18:00',
              weekdays: [1, 2, 3, 4],
            },
            scaffolderAllowedGroups: ['group:default/team-a'],
            platformGroups: ['group:default/platform'],
            rules: {
              [DETECTION_RULE_IDS.catalogReadReconnaissance]: {
                threshold: 20,
                window: { minutes: 2 },
                severity: 'critical',
              },
            },
          },
        },
      }),
    );
    expect(settings.businessHours).toEqual({
      timeZone: 'Europe/Berlin',
      start: '08:00',
      end: '18:00',
      weekdays: [1, 2, 3, 4],
    });
    expect(settings.scaffolderAllowedGroups).toEqual(['group:default/team-a']);
    expect(settings.platformGroups).toEqual(['group:default/platform']);
    const recon = buildDetectionRules(settings).find(
      r => r.id === DETECTION_RULE_IDS.catalogReadReconnaissance,
    )!;
    expect([recon.threshold, recon.windowMs, recon.severity]).toEqual([
      20,
      120_000,
      'critical',
    ]);
  });

  it('refuses an unknown severity', () => {
    const config = new ConfigReader({
      securityPosture: { detections: { rules: { x: { severity: 'urgent' } } } },
    });
    expect(() => readDetectionSettings(config)).toThrow(/unknown severity/);
  });
});
