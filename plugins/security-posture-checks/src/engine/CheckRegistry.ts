import { Config, ConfigReader } from '@backstage/config';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import { readDurationFromConfig } from '@backstage/config';
import {
  CheckMetadata,
  isSeverity,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { stableHash } from './stableHash';

const DEFAULT_CHECK_TIMEOUT: HumanDuration = { minutes: 2 };

// What @backstage/config accepts as one part of a key; overrides live at `checks.<category>.<name>`.
const CONFIG_KEY_PART = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/i;

/** A registered check with the deployment's overrides applied. */
export interface ResolvedCheck {
  check: SecurityCheck;
  enabled: boolean;
  severity: Severity;
  /** Set when config overrides the severity: it then wins over severities results carry. */
  severityOverride?: Severity;
  timeoutMs: number;
  options: Config;
  /** `meta.version`, 1 when the check declares none. */
  version: number;
  /**
   * Hash of the effective configuration that shapes the check's results: its options and its
   * severity override. Incremental scans re-evaluate what the check evaluates when it changes.
   */
  configHash: string;
}

/** Holds every registered check and applies `securityPosture.checks.<id>` overrides. */
export class CheckRegistry {
  private readonly checks = new Map<string, SecurityCheck>();

  constructor(private readonly config: Config) {}

  add(...checks: SecurityCheck[]) {
    for (const check of checks) {
      if (this.checks.has(check.meta.id)) {
        throw new Error(`Security check '${check.meta.id}' is registered twice`);
      }
      // Otherwise reading its overrides throws, and no scan could run (nor could it be disabled).
      if (!check.meta.id.split('/').every(part => CONFIG_KEY_PART.test(part))) {
        throw new Error(
          `Security check id '${check.meta.id}' cannot be configured: each part must start with a letter`,
        );
      }
      this.checks.set(check.meta.id, check);
    }
  }

  /** Every registered check, sorted by id, with overrides resolved. */
  list(): ResolvedCheck[] {
    const defaults = this.config.getOptionalConfig('securityPosture.checkDefaults');
    const defaultTimeoutMs = durationToMilliseconds(
      defaults?.has('timeout')
        ? readDurationFromConfig(defaults, { key: 'timeout' })
        : DEFAULT_CHECK_TIMEOUT,
    );
    return [...this.checks.values()]
      .sort((a, b) => a.meta.id.localeCompare(b.meta.id))
      .map(check => {
        const override = this.overrideFor(check.meta.id);
        const severity = override?.getOptionalString('severity');
        if (severity !== undefined && !isSeverity(severity)) {
          throw new Error(
            `Invalid severity '${severity}' for security check '${check.meta.id}'`,
          );
        }
        const options = override?.getOptionalConfig('options') ?? new ConfigReader({});
        return {
          check,
          enabled: override?.getOptionalBoolean('enabled') ?? true,
          severity: (severity as Severity | undefined) ?? check.meta.defaultSeverity,
          severityOverride: severity as Severity | undefined,
          timeoutMs: override?.has('timeout')
            ? durationToMilliseconds(readDurationFromConfig(override, { key: 'timeout' }))
            : defaultTimeoutMs,
          options,
          version: check.meta.version ?? 1,
          configHash: stableHash({ options: options.getOptional() ?? {}, severity }),
        };
      });
  }

  listMetadata(): CheckMetadata[] {
    return this.list().map(({ check, enabled, severity }) => ({
      id: check.meta.id,
      title: check.meta.title,
      category: check.meta.category,
      defaultSeverity: check.meta.defaultSeverity,
      severity,
      description: check.meta.description,
      remediation: check.meta.remediation,
      remediationSnippets: check.meta.remediationSnippets,
      docsUrl: check.meta.docsUrl,
      enabled,
      scope: check.scope,
    }));
  }

  private overrideFor(id: string): Config | undefined {
    // Config keys cannot hold '/', so `auth/guest-sign-in` lives at `checks.auth.guest-sign-in`.
    const [category, name] = id.split('/');
    return this.config.getOptionalConfig(`securityPosture.checks.${category}.${name}`);
  }
}
