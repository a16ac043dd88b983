import { Entity } from '@backstage/catalog-model';
import { EntitySecurityCheck } from '@security-posture/plugin-security-posture-node';
import { cliCheckContext } from './checkContext';
import { IncludeScope, placeInDocument } from './placement';
import { errorOf, isFailing, ScanSession } from './scanSession';
import { SourceDocument, spanOfField, YamlSource } from './yamlSource';

/** The enabled entity checks, run over each entity as the portal runs them over the catalog. */
export class EntityCheckRunner {
  /** One context per check, kept for the whole run as the engine keeps it. */
  private readonly contexts = new Map<string, ReturnType<typeof cliCheckContext>>();

  constructor(private readonly session: ScanSession) {}

  async run(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    entity: Entity,
    scope: IncludeScope,
  ) {
    const { session } = this;
    for (const resolved of session.entityChecks) {
      const check = resolved.check as EntitySecurityCheck;
      const { meta } = check;
      let context = this.contexts.get(meta.id);
      if (!context) {
        context = cliCheckContext({
          config: session.config,
          checkOptions: resolved.options,
          logger: session.logger,
          checkId: meta.id,
        });
        this.contexts.set(meta.id, context);
      }
      try {
        if (check.appliesTo && !check.appliesTo(entity)) continue;
        const results = await check.evaluate(entity, context);
        const failing = results.filter(isFailing);
        const findings = session.factory.fromResults(meta, resolved.severity, results, entity);
        findings.forEach((finding, i) =>
          session.add(
            finding,
            placeInDocument(session.options.root, file, source, doc, failing[i], scope),
          ),
        );
        session.tracker.record(
          meta.id,
          results.map(r => r.outcome),
          findings.length,
        );
      } catch (e) {
        const finding = session.factory.fromError(meta, resolved.severity, errorOf(e), entity);
        session.add(finding, {
          file,
          doc: doc.index,
          span: spanOfField(source, doc.document, 'metadata.name'),
        });
        session.tracker.record(meta.id, ['error'], 1);
      }
    }
  }
}
