import { Entity } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
import {
  TEMPLATE_SCORES_KEY,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import { cliCheckContext } from './checkContext';
import { TEMPLATE_CHECK_ID } from './cliChecks';
import { InputFile } from './files';
import { IncludeScope, placeInDocument } from './placement';
import { errorOf, isFailing, ScanSession } from './scanSession';
import {
  ScaffolderVersion,
  scaffolderVersionFromLockfiles,
  skeletonCiValues,
  templateCheckOptions,
} from './templateContext';
import { SourceDocument, spanOfField, YamlSource } from './yamlSource';

/** The template check, with the context the portal would give it: scaffolder version, skeletons. */
export class TemplateCheckRunner {
  private scaffolder?: ScaffolderVersion & { fromFlag: boolean };

  constructor(private readonly session: ScanSession) {}

  /** The deployment's scaffolder-backend version: the flag's, else the scanned lockfiles'. */
  async resolveScaffolderVersion(inputs: InputFile[]) {
    const { options } = this.session;
    this.scaffolder = options.scaffolderBackendVersion
      ? {
          version: options.scaffolderBackendVersion,
          source: '--scaffolder-backend-version',
          fromFlag: true,
        }
      : await scaffolderVersionFromLockfiles(inputs, a => this.session.display(a)).then(v =>
          v ? { ...v, fromFlag: false } : undefined,
        );
  }

  /** The template check, run as the portal runs it, over a catalog holding this one template. */
  async run(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    template: Record<string, unknown>,
    scope: IncludeScope,
  ) {
    const { session } = this;
    const resolved = session.enabled(TEMPLATE_CHECK_ID);
    if (!resolved || resolved.check.scope !== 'deployment') return;
    const { meta } = resolved.check;
    const published = new Map<string, JsonValue>();
    const metadata = (template.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const ref = `template:${
      typeof metadata.namespace === 'string' ? metadata.namespace : 'default'
    }/${typeof metadata.name === 'string' ? metadata.name : ''}`;
    // Skeleton CI files whose shell lines render template values.
    const ciValues = await skeletonCiValues(scope.absolute, template, session.options.root);
    const context = cliCheckContext({
      config: session.config,
      checkOptions: templateCheckOptions(resolved.options, {
        scaffolder: this.scaffolder,
        skeletonCiValues: ciValues ? { [ref]: ciValues } : undefined,
      }),
      logger: session.logger,
      entities: [template as unknown as Entity],
      published,
      checkId: meta.id,
    });
    try {
      const all = await resolved.check.run(context);
      // Parse problems are diagnostics, not findings: the analyser publishes them with the
      // scores (`diagnostics`); an analyser that still reports `parse-error` results is read
      // the same way.
      // A template the analyser could not read at all is an `error` result with diagnostics.
      const problems = all.filter(
        r =>
          (isFailing(r) && r.evidence?.rule === 'parse-error') ||
          (r.outcome === 'error' &&
            r.location === 'template-analysis' &&
            r.evidence?.diagnostics !== undefined),
      );
      const results = all.filter(r => !problems.includes(r));
      const failing = results.filter(isFailing);
      const findings = session.factory.fromResults(meta, resolved.severity, results);
      findings.forEach((finding, i) =>
        session.add(
          finding,
          placeInDocument(session.options.root, file, source, doc, failing[i], scope),
        ),
      );
      const outcomes = results.map(r => r.outcome);
      session.tracker.record(meta.id, outcomes.length ? outcomes : ['pass'], findings.length);
      const data = published.get(`${meta.id}#${TEMPLATE_SCORES_KEY}`) as
        | (TemplateScoresData & JsonValue)
        | undefined;
      const entityRef = data?.templates?.[0]?.entityRef;
      const diagnostics: Array<{
        location?: string;
        message: string;
        stepId?: string;
      }> = [
        ...problems.map(r => ({
          location: r.location,
          message: r.message ?? r.title ?? 'the template could not be read',
          stepId: typeof r.evidence?.step === 'string' ? r.evidence.step : undefined,
        })),
        ...(data?.templates ?? []).flatMap(t => t.diagnostics ?? []),
      ];
      for (const d of diagnostics) {
        const place = placeInDocument(
          session.options.root,
          file,
          source,
          doc,
          { location: d.location, evidence: {} },
          scope,
        );
        // A problem inside an include that was not resolved is that include's diagnostic.
        if (place.unresolved) continue;
        session.diagnose({
          source: meta.id,
          code: 'template-parse',
          file,
          doc: doc.index,
          line: place.span.start.line,
          column: place.span.start.column,
          ...(place.span.end
            ? { endLine: place.span.end.line, endColumn: place.span.end.column }
            : {}),
          ...(place.field ? { field: session.factory.scrub(place.field) } : {}),
          ...(entityRef ? { entityRef } : {}),
          ...(d.stepId ? { templateStepId: d.stepId } : {}),
          ...(place.includedFile ? { includedFile: place.includedFile } : {}),
          message: d.message,
        });
      }
      for (const score of data?.templates ?? []) {
        session.templates.push({
          file,
          doc: doc.index,
          entityRef: score.entityRef,
          ...(score.title ? { title: session.factory.scrub(score.title) } : {}),
          score: score.score,
          band: score.band,
          legacy: score.legacy,
          parseError: score.parseError ?? false,
          findingCount: score.findingCount,
        });
      }
    } catch (e) {
      const finding = session.factory.fromError(meta, resolved.severity, errorOf(e));
      session.add(finding, {
        file,
        doc: doc.index,
        span: spanOfField(source, doc.document, 'metadata.name'),
      });
      session.tracker.record(meta.id, ['error'], 1);
    }
  }
}
