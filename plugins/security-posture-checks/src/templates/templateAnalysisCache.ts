import { Entity } from '@backstage/catalog-model';
import { TemplateAnalysis } from '@security-posture/static-analysis';
import { stableHash } from '../engine/stableHash';

/**
 * The analyses of the last complete run, so the next run analyses only the templates that
 * changed: templates seldom change between scans, and analysing 2,000 of them took ~0.8 s of
 * the backend's event loop in every scan (bench). An analysis is reused for the same template
 * (its uid and etag: the catalog makes a new etag whenever the entity changes) under the same
 * settings (sinks, installed actions, permission gating, scaffolder version, loop bound).
 * Kept in memory only, like the templates the catalog serves: what an analysis holds (e.g. a
 * hard-coded credential it found) is masked by the finding factory each run, as before.
 */
export class TemplateAnalysisCache {
  private last?: {
    settingsKey: string;
    analyses: Map<string, TemplateAnalysis>;
  };

  /** One run's use of the cache; `complete()` makes its analyses the ones the next run reuses. */
  startRun(settings: unknown): TemplateAnalysisRun {
    const settingsKey = stableHash(settings);
    const reusable =
      this.last?.settingsKey === settingsKey ? this.last.analyses : undefined;
    const analyses = new Map<string, TemplateAnalysis>();
    return {
      analyze: (entity, analyzeNow) => {
        const key = cacheKeyOf(entity);
        if (key === undefined) return analyzeNow();
        const analysis = reusable?.get(key) ?? analyzeNow();
        analyses.set(key, analysis);
        return analysis;
      },
      // Templates the run did not see are forgotten with the previous run's analyses.
      complete: () => {
        this.last = { settingsKey, analyses };
      },
    };
  }
}

export interface TemplateAnalysisRun {
  /** The template's analysis from the last run if it is still valid, else `analyzeNow()`. */
  analyze(entity: Entity, analyzeNow: () => TemplateAnalysis): TemplateAnalysis;
  complete(): void;
}

/** Entities read from files (no uid or etag) are analysed every time. */
function cacheKeyOf(entity: Entity): string | undefined {
  const { uid, etag } = entity.metadata ?? {};
  return typeof uid === 'string' && uid && typeof etag === 'string' && etag
    ? `${uid}\u0000${etag}`
    : undefined;
}
