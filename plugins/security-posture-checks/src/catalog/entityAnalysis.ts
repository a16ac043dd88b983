import { Config } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
import { EntityWalkLimit, walkEntityStrings } from './entityStrings';
import { detectSecrets, MAX_DETECTION_LENGTH, SecretMatch } from '@security-posture/static-analysis';
import {
  FieldArea,
  findSensitiveReferences,
  readSensitiveReferenceSettings,
  ReferenceHit,
  SensitiveReferenceSettings,
} from '@security-posture/static-analysis';

/** A secret found in one field of an entity. */
// A type alias: an interface extending the re-exported SecretMatch lost its members in tsc.
export type SecretHit = SecretMatch & {
  path: string;
};

/** A field that was not inspected: reported as inconclusive, never passed over in silence. */
export interface SkippedField {
  path: string;
  reason: 'oversized' | 'entity-budget' | EntityWalkLimit['reason'];
  /** Length of the value that was skipped (for `oversized`). */
  length?: number;
}

export interface EntityAnalysis {
  secrets: SecretHit[];
  references: ReferenceHit[];
  skipped: SkippedField[];
}

export interface CatalogCheckSettings {
  /** Strings longer than this are reported and skipped. */
  maxValueLength: number;
  /** Characters inspected per entity in total; the rest is reported and skipped. */
  maxEntityLength: number;
  references: SensitiveReferenceSettings;
}

export const DEFAULT_MAX_VALUE_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_ENTITY_LENGTH = 8 * 1024 * 1024;

// The three catalog checks share one set of settings (and so one analysis per entity), read
// from the root config so each check sees the same values whatever its own options.
const LEAKED_SECRET_OPTIONS = 'securityPosture.checks.catalog.leaked-secret.options';
const SENSITIVE_REFERENCE_OPTIONS = 'securityPosture.checks.catalog.sensitive-reference.options';

const settingsCache = new WeakMap<Config, CatalogCheckSettings>();

/** Reads the catalog checks' options once per root config. */
/**
 * The config the shared analysis reads (both catalog checks' options): every catalog check's
 * results depend on it, so each declares it as evaluation input (incremental scans).
 */
export function catalogAnalysisInputs(config: Config): JsonValue {
  return {
    leakedSecret: config.getOptional(LEAKED_SECRET_OPTIONS) ?? null,
    sensitiveReference: config.getOptional(SENSITIVE_REFERENCE_OPTIONS) ?? null,
  };
}

export function catalogCheckSettings(config: Config): CatalogCheckSettings {
  let settings = settingsCache.get(config);
  if (!settings) {
    const secretOptions = config.getOptionalConfig(LEAKED_SECRET_OPTIONS);
    const maxValueLength =
      secretOptions?.getOptionalNumber('maxValueLength') ?? DEFAULT_MAX_VALUE_LENGTH;
    const maxEntityLength =
      secretOptions?.getOptionalNumber('maxEntityLength') ?? DEFAULT_MAX_ENTITY_LENGTH;
    for (const [name, value] of Object.entries({ maxValueLength, maxEntityLength })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`${LEAKED_SECRET_OPTIONS}.${name} must be a positive integer`);
      }
    }
    settings = {
      maxValueLength: Math.min(maxValueLength, MAX_DETECTION_LENGTH),
      maxEntityLength,
      references: readSensitiveReferenceSettings(
        config.getOptionalConfig(SENSITIVE_REFERENCE_OPTIONS),
      ),
    };
    settingsCache.set(config, settings);
  }
  return settings;
}

function areaOf(path: string): FieldArea {
  if (path.startsWith('metadata.annotations')) return 'annotation';
  if (path.startsWith('metadata.labels')) return 'label';
  return 'other';
}

/** Analyses one entity without caching. */
export function analyzeEntityUncached(
  entity: Entity,
  settings: CatalogCheckSettings,
): EntityAnalysis {
  const secrets: SecretHit[] = [];
  const skipped: SkippedField[] = [];
  const inspected: Array<{ path: string; key: string; value: string; area: FieldArea }> = [];
  let budget = settings.maxEntityLength;

  walkEntityStrings(
    entity,
    (path, key, value, parent) => {
      if (value.length > settings.maxValueLength) {
        skipped.push({ path, reason: 'oversized', length: value.length });
        return;
      }
      if (value.length > budget) {
        skipped.push({ path, reason: 'entity-budget', length: value.length });
        return;
      }
      budget -= value.length;
      inspected.push({ path, key, value, area: areaOf(path) });
      for (const match of detectSecrets(value, { key, path, parent })) {
        secrets.push({ ...match, path });
      }
    },
    limit => skipped.push(limit),
  );

  const secretPaths = new Set(secrets.map(s => s.path));
  const links = Array.isArray(entity.metadata.links) ? entity.metadata.links : [];
  const references = findSensitiveReferences(inspected, links, settings.references, path =>
    secretPaths.has(path),
  );
  return { secrets, references, skipped };
}

// The engine hands the same entity object to every entity check in turn: analyse it once.
const analysisCache = new WeakMap<
  Entity,
  { settings: CatalogCheckSettings; analysis: EntityAnalysis }
>();

/** Analyses one entity, once per entity object and settings. */
export function analyzeEntity(entity: Entity, settings: CatalogCheckSettings): EntityAnalysis {
  const cached = analysisCache.get(entity);
  if (cached?.settings === settings) return cached.analysis;
  const analysis = analyzeEntityUncached(entity, settings);
  analysisCache.set(entity, { settings, analysis });
  return analysis;
}
