import { Entity } from '@backstage/catalog-model';
import { SecretMatch } from '@security-posture/static-analysis';
import { describeReason, EntityApiVersions, hasGoTemplateMarker, NoteReason } from './classify';
import { DocumentOutcome, FileContext, fileContext, routeDocument } from './documentRouting';
import { EntityCheckRunner } from './entityChecks';
import { InputFile } from './files';
import { KubernetesManifestRunner } from './kubernetesManifests';
import { hasPlaceholder, IncludeProblem, resolveIncludes } from './includes';
import { IncludeScope } from './placement';
import { findSecretsInText } from './rawText';
import { ScannedFile } from './report';
import { ScanSession } from './scanSession';
import { TemplateCheckRunner } from './templateCheck';
import { TextSecretReporter } from './textSecrets';
import {
  allScalarRanges,
  inspectedValueRanges,
  parseYamlSource,
  positionOf,
  SourceDocument,
  YamlSource,
} from './yamlSource';

/** The documents of YAML files: routed, then checked as entities and templates, or noted. */
export class DocumentScanner {
  /** Scalar ranges of included YAML files that the entity checks inspected, by absolute path. */
  readonly includedCoverage = new Map<string, Array<[number, number]>>();
  /** Included files (display path) → the file that includes them. */
  readonly includedBy = new Map<string, string>();
  private readonly apiVersions: EntityApiVersions;
  private readonly entityChecks: EntityCheckRunner;

  constructor(
    private readonly session: ScanSession,
    private readonly templateChecks: TemplateCheckRunner,
    private readonly textSecrets: TextSecretReporter,
    private readonly kubernetes: KubernetesManifestRunner,
  ) {
    this.apiVersions = new EntityApiVersions(session.options.entityApiVersions ?? []);
    this.entityChecks = new EntityCheckRunner(session);
  }

  /** A YAML file's documents; its text is searched for secrets once every include is known. */
  async scanFile(
    input: InputFile,
    type: ScannedFile['type'],
    text: string,
    raw: SecretMatch[],
    scanned: ScannedFile,
  ) {
    const { file } = scanned;
    const context = fileContext(input, file, type === 'config', this.session.options.root);
    if (context.pathReason === 'helm-chart') {
      // Go templates: not YAML until Helm renders them. Only their text is searched.
      this.session.note({
        reason: 'helm-chart',
        file,
        message: `${file}: ${describeReason('helm-chart')}`,
      });
      this.textSecrets.defer(input.absolute, file, text, raw, [], undefined);
      return;
    }
    const source = parseYamlSource(text);
    scanned.documents = source.documents.length;
    const covered: Array<[number, number]> = [];
    const outcomes: DocumentOutcome[] = [];
    for (const doc of source.documents) {
      outcomes.push(await this.scanDocument(context, source, doc, scanned, covered));
    }
    if (type !== 'config') this.noteDocuments(context, source, outcomes);
    this.textSecrets.defer(input.absolute, file, text, raw, covered, source);
  }

  /** One note for a file that holds no entity; one per skipped document of a file that does. */
  private noteDocuments(context: FileContext, source: YamlSource, outcomes: DocumentOutcome[]) {
    const { file } = context;
    const notes = outcomes
      .map((outcome, index) => ({ outcome, index }))
      .filter(
        (
          o,
        ): o is {
          outcome: Extract<DocumentOutcome, { type: 'note' }>;
          index: number;
        } => o.outcome.type === 'note',
      );
    const analysed = outcomes.some(o => o.type !== 'note');
    if (!analysed) {
      const first = notes.find(n => n.outcome.reason !== 'empty') ?? notes[0];
      const reason: NoteReason = first?.outcome.reason ?? context.pathReason ?? 'empty';
      const detail = first?.outcome.message;
      this.session.note({
        reason,
        file,
        message: `${file}: ${describeReason(reason)}${detail ? ` (${detail})` : ''}`,
        ...(first?.outcome.offset !== undefined
          ? { doc: first.index, ...positionOf(source, first.outcome.offset) }
          : {}),
      });
      return;
    }
    for (const { outcome, index } of notes) {
      if (outcome.reason === 'empty') continue;
      this.session.note({
        reason: outcome.reason,
        file,
        doc: index,
        message: `${file}, document ${index}: ${describeReason(outcome.reason)}${
          outcome.message ? ` (${outcome.message})` : ''
        }`,
        ...(outcome.offset !== undefined ? positionOf(source, outcome.offset) : {}),
      });
    }
  }

  private parseError(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    code: string,
    message: string,
    offset: number,
  ): DocumentOutcome {
    this.session.diagnose({
      code,
      file,
      doc: doc.index,
      message: `${file}, document ${doc.index}: ${message}`,
      ...positionOf(source, offset),
    });
    return { type: 'diagnostic' };
  }

  private async scanDocument(
    context: FileContext,
    source: YamlSource,
    doc: SourceDocument,
    scanned: ScannedFile,
    covered: Array<[number, number]>,
  ): Promise<DocumentOutcome> {
    const route = routeDocument(context, source, doc, this.apiVersions);
    if (route.type === 'note') {
      // Manifests (and Helm-rendered YAML) go to the runtime/k8s-* checks once all files are read;
      // unrendered Go templates would be judged by their placeholders.
      const docText = source.text.slice(doc.document.range[0], doc.document.range[2]);
      if (route.reason === 'kubernetes' && !context.isConfig && !hasGoTemplateMarker(docText)) {
        this.kubernetes.add(context.file, context.input.absolute, source, doc);
      }
      return route;
    }
    if (route.type === 'problem') {
      return this.parseError(context.file, source, doc, route.code, route.message, route.offset);
    }
    const { value, isTemplate, named } = route;
    const { file } = context;
    const scope: IncludeScope = {
      absolute: context.input.absolute,
      unresolved: new Set(),
    };
    let entityValue: Record<string, unknown> = value;
    let inspectedIncludes: Array<{
      absolute: string;
      ranges: Array<[number, number]>;
    }> = [];
    if (hasPlaceholder(value)) {
      const result = await resolveIncludes(
        value,
        { absolute: context.input.absolute, source, document: doc.document },
        { root: context.includeRoot },
      );
      entityValue = result.value as Record<string, unknown>;
      scope.value = entityValue;
      for (const problem of result.problems) this.includeProblem(problem, doc, scope);
      for (const included of result.included) {
        for (const match of findSecretsInText(included.text)) {
          this.session.factory.secrets.add(match.value);
        }
        const shown = this.session.display(included.absolute);
        if (!this.includedBy.has(shown)) {
          this.includedBy.set(shown, this.session.display(included.by));
        }
      }
      inspectedIncludes = result.included
        .filter(i => i.source)
        .map(i => ({
          absolute: i.absolute,
          ranges: i.source!.documents.flatMap(d => allScalarRanges(d.document)),
        }));
    }
    if (isTemplate) {
      scanned.templates += 1;
      await this.templateChecks.run(file, source, doc, entityValue, scope);
    }
    if (!named) return { type: 'entity' };
    scanned.entities += 1;
    const entity = entityValue as unknown as Entity;
    await this.entityChecks.run(file, source, doc, entity, scope);
    if (this.session.entityChecks.some(r => r.check.meta.id === 'catalog/leaked-secret')) {
      covered.push(...inspectedValueRanges(doc.document));
      for (const { absolute, ranges } of inspectedIncludes) {
        const list = this.includedCoverage.get(absolute) ?? [];
        list.push(...ranges);
        this.includedCoverage.set(absolute, list);
      }
    }
    return { type: 'entity' };
  }

  /** An include that could not be resolved: a diagnostic, or a note for a remote one. */
  private includeProblem(problem: IncludeProblem, doc: SourceDocument, scope: IncludeScope) {
    if (problem.ref !== undefined && problem.file === scope.absolute) {
      scope.unresolved.add(problem.ref);
    }
    const file = this.session.display(problem.file);
    const position =
      problem.source && problem.offset !== undefined
        ? positionOf(problem.source, problem.offset)
        : { line: 1, column: 1 };
    const sameFile = problem.file === scope.absolute;
    if (problem.kind === 'note') {
      this.session.note({
        reason: 'remote-include',
        file,
        ...(sameFile ? { doc: doc.index } : {}),
        ...position,
        message: `${file}:${position.line}: ${problem.message}`,
      });
      return;
    }
    this.session.diagnose({
      code: problem.code,
      file,
      ...(sameFile ? { doc: doc.index } : {}),
      ...position,
      message: `${file}:${position.line}: ${problem.message}`,
    });
  }
}
