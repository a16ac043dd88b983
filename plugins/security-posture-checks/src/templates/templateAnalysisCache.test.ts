import { Entity } from '@backstage/catalog-model';
import { TemplateAnalysis } from '@security-posture/static-analysis';
import { TemplateAnalysisCache } from './templateAnalysisCache';

function template(name: string, etag?: string): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name, ...(etag ? { uid: `uid-${name}`, etag } : {}) },
    spec: {},
  };
}

/** Runs the cache over the templates; says which were analysed (not reused). */
function runOver(
  cache: TemplateAnalysisCache,
  templates: Entity[],
  settings: unknown = { maxLoopItems: null },
  complete = true,
) {
  const analysed: string[] = [];
  const run = cache.startRun(settings);
  const analyses = templates.map(entity =>
    run.analyze(entity, () => {
      analysed.push(entity.metadata.name);
      return { entityRef: entity.metadata.name } as unknown as TemplateAnalysis;
    }),
  );
  if (complete) run.complete();
  return { analysed, analyses };
}

describe('TemplateAnalysisCache', () => {
  it('reuses the analysis of an unchanged template under the same settings', () => {
    const cache = new TemplateAnalysisCache();
    const first = runOver(cache, [template('a', 'e1'), template('b', 'e1')]);
    expect(first.analysed).toEqual(['a', 'b']);
    const second = runOver(cache, [template('a', 'e1'), template('b', 'e2')]);
    expect(second.analysed).toEqual(['b']);
    expect(second.analyses[0]).toBe(first.analyses[0]);
  });

  it('analyses again under other settings, equal settings in another key order reuse', () => {
    const cache = new TemplateAnalysisCache();
    runOver(cache, [template('a', 'e1')], { sinks: [], maxLoopItems: 5 });
    expect(
      runOver(cache, [template('a', 'e1')], { maxLoopItems: 5, sinks: [] })
        .analysed,
    ).toEqual([]);
    expect(
      runOver(cache, [template('a', 'e1')], { maxLoopItems: 6, sinks: [] })
        .analysed,
    ).toEqual(['a']);
  });

  it('reuses only what the last complete run analysed or reused', () => {
    const cache = new TemplateAnalysisCache();
    runOver(cache, [template('a', 'e1'), template('b', 'e1')]);
    // A run that did not complete (e.g. a cancelled scan) changes nothing.
    runOver(cache, [template('c', 'e1')], undefined, false);
    expect(runOver(cache, [template('a', 'e1')]).analysed).toEqual([]);
    // b was not in the last complete run: forgotten.
    expect(runOver(cache, [template('b', 'e1')]).analysed).toEqual(['b']);
  });

  it('never reuses templates without uid and etag (read from files)', () => {
    const cache = new TemplateAnalysisCache();
    runOver(cache, [template('a')]);
    expect(runOver(cache, [template('a')]).analysed).toEqual(['a']);
  });

  it('keeps nothing of an analysis that threw', () => {
    const cache = new TemplateAnalysisCache();
    const run = cache.startRun({});
    expect(() =>
      run.analyze(template('a', 'e1'), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    run.complete();
    expect(runOver(cache, [template('a', 'e1')], {}).analysed).toEqual(['a']);
  });
});
