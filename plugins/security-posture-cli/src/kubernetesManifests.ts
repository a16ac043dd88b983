import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import {
  KUBERNETES_MANIFEST_CHECK_IDS,
  LocatedObject,
  MANIFESTS_OPTION,
} from '@security-posture/checks';
import { kubernetesObjectsOf } from '@security-posture/static-analysis';
import { cliCheckContext } from './checkContext';
import { Place, placeInDocument } from './placement';
import { errorOf, isFailing, ScanSession } from './scanSession';
import { resolveField, SourceDocument, YamlSource } from './yamlSource';

/**
 * Kubernetes objects of the scanned YAML (manifests, Helm-rendered output, `kind: List`), handed
 * to the `runtime/k8s-*` checks once every file is read: a NetworkPolicy or ServiceAccount may
 * sit in another file than the Deployment it applies to.
 */
export class KubernetesManifestRunner {
  private readonly objects: LocatedObject[] = [];
  private readonly sources = new Map<string, { absolute: string; source: YamlSource }>();

  constructor(private readonly session: ScanSession) {}

  /** A parsed document that is not a Backstage entity: kept when it holds Kubernetes objects. */
  add(file: string, absolute: string, source: YamlSource, doc: SourceDocument) {
    const found = kubernetesObjectsOf([doc.value]);
    if (!found.length) return;
    this.sources.set(file, { absolute, source });
    for (const { object, path } of found) {
      this.objects.push({ file, doc: doc.index, path, object });
    }
  }

  /**
   * Runs the checks over all objects. Returns, per absolute path, the value ranges the checks
   * reported as literal credentials, which the raw-text search then leaves to them.
   */
  async run(): Promise<Map<string, Array<[number, number]>>> {
    const covered = new Map<string, Array<[number, number]>>();
    const { session } = this;
    for (const checkId of KUBERNETES_MANIFEST_CHECK_IDS) {
      const resolved = session.enabled(checkId);
      if (!resolved || resolved.check.scope !== 'deployment') continue;
      if (!this.objects.length) {
        session.tracker.note(checkId, 'no Kubernetes manifests among the scanned files');
        continue;
      }
      const { meta } = resolved.check;
      const own = (resolved.options.getOptional() ?? {}) as JsonObject;
      const options = new ConfigReader(
        {
          ...own,
          [MANIFESTS_OPTION]: {
            objects: this.objects as unknown as JsonObject[],
            workloads: session.options.kubernetesWorkloads ?? [],
          },
        },
        'cli',
      );
      const context = cliCheckContext({
        config: session.config,
        checkOptions: options,
        logger: session.logger,
        checkId,
      });
      try {
        const results = await resolved.check.run(context);
        const failing = results.filter(isFailing);
        for (const r of failing) if (r.secret) session.factory.secrets.add(r.secret.value);
        const findings = session.factory.fromResults(meta, resolved.severity, results);
        findings.forEach((finding, i) => session.add(finding, this.place(failing[i], covered)));
        session.tracker.record(
          checkId,
          results.map(r => r.outcome),
          findings.length,
        );
      } catch (e) {
        const finding = session.factory.fromError(meta, resolved.severity, errorOf(e));
        const first = this.objects[0];
        session.add(finding, { file: first.file!, doc: first.doc, span: { start: { line: 1, column: 1 } } });
        session.tracker.record(checkId, ['error'], 1);
      }
    }
    return covered;
  }

  /** The result's file, document and field (evidence the checks set for manifests). */
  private place(result: CheckResult, covered: Map<string, Array<[number, number]>>): Place {
    const file = typeof result.evidence?.file === 'string' ? result.evidence.file : undefined;
    const docIndex = typeof result.evidence?.doc === 'number' ? result.evidence.doc : 0;
    const known = file ? this.sources.get(file) : undefined;
    const doc = known?.source.documents[docIndex];
    if (!file || !known || !doc) {
      const first = this.objects[0];
      return { file: file ?? first.file!, span: { start: { line: 1, column: 1 } } };
    }
    const field = typeof result.evidence?.field === 'string' ? result.evidence.field : '';
    if (result.secret && field) {
      const node = resolveField(doc.document, field).node;
      if (node?.range) {
        const list = covered.get(known.absolute) ?? [];
        list.push([node.range[0], node.range[1]]);
        covered.set(known.absolute, list);
      }
    }
    return placeInDocument(this.session.options.root, file, known.source, doc, result);
  }
}
