import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
  TEMPLATE_RISK_BAND_MINIMUMS,
  TEMPLATE_RISK_CHECK_ID,
  TEMPLATE_SCORES_KEY,
  TemplateRiskBand,
  TemplateRiskScore,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createSecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { analyzeTemplate, TemplateAnalysis } from '@security-posture/static-analysis';
import { EventLoopTurns } from '../engine/eventLoopTurns';
import { readInstalledActions } from './installedActions';
import { TemplateAnalysisCache } from './templateAnalysisCache';
import { gatingFromMatrix } from './permissionGating';
import {
  ScaffolderConfinement,
  scaffolderConfinement,
} from '@security-posture/static-analysis';
import { TEMPLATE_RULES } from '@security-posture/static-analysis';
import { CiTemplateValues } from '@security-posture/static-analysis';
import {
  ActionTraits,
  SINK_KINDS,
  SinkDefinition,
  SinkKind,
  SinkRegistry,
} from '@security-posture/static-analysis';

const DEFAULT_ACTIONS_TIMEOUT_MS = 5000;
// The analysis runs on the backend's event loop: it gives way at least this often, so a page of
// templates (hundreds, ~0.4 ms each when not cached) never holds up the portal's requests.
const YIELD_AFTER_MS = 5;

// The backend keeps one check object for its lifetime: unchanged templates are analysed once.
const analysisCache = new TemplateAnalysisCache();
const SCAFFOLDER_BACKEND = '@backstage/plugin-scaffolder-backend';

/**
 * The deployment's scaffolder-backend version: the `scaffolderBackendVersion` option, else the
 * plugin inventory of the last scan. With several installed copies the lowest counts.
 */
export async function scaffolderFromContext(
  options: Config,
  getPublished: (
    checkId: string,
    key: string,
  ) => Promise<JsonValue | undefined>,
): Promise<ScaffolderConfinement> {
  const configured = options.getOptionalString('scaffolderBackendVersion');
  if (configured)
    return scaffolderConfinement(
      configured,
      options.getOptionalString('scaffolderBackendVersionSource') ??
        'options.scaffolderBackendVersion',
    );
  // Where the version would come from, when the caller knows better than the inventory (CLI).
  const source = options.getOptionalString('scaffolderBackendVersionSource');
  if (source) return scaffolderConfinement(undefined, source);
  let inventory: JsonValue | undefined;
  try {
    inventory = await getPublished('plugins/inventory', 'inventory');
  } catch {
    inventory = undefined;
  }
  const packages =
    inventory && typeof inventory === 'object' && !Array.isArray(inventory)
      ? (inventory as { packages?: unknown }).packages
      : undefined;
  const entry = Array.isArray(packages)
    ? (packages as Array<{ name?: unknown; installedVersions?: unknown }>).find(
        p => p?.name === SCAFFOLDER_BACKEND,
      )
    : undefined;
  const versions = Array.isArray(entry?.installedVersions)
    ? (entry!.installedVersions as unknown[]).filter(
        (v): v is string => typeof v === 'string',
      )
    : [];
  if (versions.length === 0) {
    return scaffolderConfinement(
      undefined,
      inventory
        ? `${SCAFFOLDER_BACKEND} is not in the plugin inventory`
        : 'no plugin inventory yet; set options.scaffolderBackendVersion',
    );
  }
  const judged = versions.map(v =>
    scaffolderConfinement(v, 'plugin inventory of the last scan'),
  );
  return (
    judged.find(j => j.status === 'vulnerable') ?? judged[judged.length - 1]
  );
}

/** Custom sinks from `securityPosture.checks.templates.template-risk.options.sinks`. */
export function sinksFromOptions(options: Config): {
  sinks: SinkDefinition[];
  traits: ActionTraits[];
} {
  const sinks: SinkDefinition[] = [];
  for (const entry of options.getOptionalConfigArray('sinks') ?? []) {
    const kind = entry.getString('kind');
    if (!SINK_KINDS.includes(kind as SinkKind)) {
      throw new Error(
        `options.sinks: unknown kind '${kind}', expected one of ${SINK_KINDS.join(
          ', ',
        )}`,
      );
    }
    sinks.push({
      action: entry.getString('action'),
      input: entry.getString('input'),
      kind: kind as SinkKind,
      guarded: entry.getOptionalBoolean('guarded') ?? false,
      source: 'config',
    });
  }
  const traits: ActionTraits[] = (
    options.getOptionalStringArray('destructiveActions') ?? []
  ).map(action => ({
    action,
    destructive: 'remote' as const,
  }));
  return { sinks, traits };
}

/**
 * `options.skeletonCiValues`, set by the CLI, which reads template skeletons: per template ref,
 * per `fetch:template` step, the values rendered into CI shell lines. The portal does not read
 * skeletons.
 */
function ciValuesFor(
  options: Config,
  entity: { metadata?: { name?: string; namespace?: string } },
): CiTemplateValues | undefined {
  const all = options.getOptional('skeletonCiValues');
  if (!all || typeof all !== 'object') return undefined;
  const ref = `template:${entity.metadata?.namespace ?? 'default'}/${
    entity.metadata?.name ?? ''
  }`;
  const values = (all as Record<string, unknown>)[ref];
  return values && typeof values === 'object'
    ? (values as CiTemplateValues)
    : undefined;
}

/**
 * The template as the subject of its results, so its findings carry its ref, kind and owners;
 * none for an entity without a name (no ref can be made of it).
 */
function subjectOf(entity: Entity): Entity | undefined {
  return typeof entity.metadata?.name === 'string' && entity.metadata.name
    ? entity
    : undefined;
}

function toScore(analysis: TemplateAnalysis): TemplateRiskScore {
  return {
    entityRef: analysis.entityRef,
    title: analysis.title,
    owner: analysis.owner,
    score: analysis.score,
    band: analysis.band,
    legacy: analysis.legacy,
    parseError: analysis.parseError || undefined,
    findingCount: analysis.findings.length,
    diagnostics:
      analysis.diagnostics.length > 0 ? analysis.diagnostics : undefined,
    contributions: analysis.contributions,
  };
}

function summarize(
  scores: TemplateRiskScore[],
): Pick<TemplateScoresData, 'bands' | 'histogram'> {
  const order: TemplateRiskBand[] = [...TEMPLATE_RISK_BAND_MINIMUMS]
    .map(b => b.band)
    .reverse();
  const bands = order.map(band => ({
    band,
    count: scores.filter(s => s.band === band).length,
  }));
  const histogram = new Array<number>(10).fill(0);
  for (const { score } of scores)
    histogram[Math.min(9, Math.floor(score / 10))]++;
  return { bands, histogram };
}

/**
 * Analyses every `kind: Template` entity: parses `${{ }}` expressions, follows user input and
 * secrets into action inputs, and scores each template 0–100. One result per rule finding; a
 * template without findings passes; a template the analyser crashes on is an `error` result
 * for that template alone. Publishes the scores under `scores` for the UI.
 */
export const templateRiskCheck = createSecurityCheck({
  meta: {
    id: TEMPLATE_RISK_CHECK_ID,
    version: 1,
    title: 'Risky scaffolder template',
    category: 'templates',
    defaultSeverity: 'high',
    description:
      'Parses every scaffolder template with the Nunjucks parser and follows form parameters, step outputs and secrets into action inputs: path traversal, SSRF, command and CI workflow injection, secret exposure, hard-coded credentials, weak repository settings, destructive steps, user-chosen catalog entities and loops, hidden conditions, missing owners and legacy syntax. Each template gets an explainable risk score.',
    remediation:
      'Constrain every parameter that reaches a path, URL, command, repository setting or workflow input with an `enum` or an anchored `pattern` (the scaffolder validates these server-side; `ui:options` bind only the form), keep secrets in credential inputs, and restrict who may run templates with the `scaffolder.task.create` and `scaffolder.action.execute` permissions.',
    docsUrl:
      'https://backstage.io/docs/features/software-templates/writing-templates',
  },
  async run(context) {
    const { options, logger, signal } = context;
    const { sinks, traits } = sinksFromOptions(options);

    const installed =
      options.getOptionalBoolean('readInstalledActions') === false
        ? {
            message:
              'reading the installed actions list is disabled (options.readInstalledActions: false)',
          }
        : await readInstalledActions(
            context,
            options.getOptionalNumber('actionsTimeoutMs') ??
              DEFAULT_ACTIONS_TIMEOUT_MS,
          );
    if (!installed.actions) logger.info(installed.message);
    const registry = new SinkRegistry({
      extraSinks: sinks,
      extraTraits: traits,
      installedActions: installed.actions,
    });

    let matrix: JsonValue | undefined;
    try {
      matrix = await context.getPublished(
        POLICY_COVERAGE_CHECK_ID,
        POLICY_COVERAGE_MATRIX_KEY,
      );
    } catch (error) {
      logger.warn(`Could not read the permission coverage matrix: ${error}`);
    }
    const gating = gatingFromMatrix(matrix);
    const scaffolder = await scaffolderFromContext(options, (id, key) =>
      context.getPublished(id, key),
    );

    const maxLoopItems = options.getOptionalNumber('maxLoopItems');
    const analyses = analysisCache.startRun({
      sinks,
      traits,
      installedActions: installed.actions ?? null,
      gating: gating.gating ?? null,
      maxLoopItems: maxLoopItems ?? null,
      scaffolder,
    });

    const results: CheckResult[] = [];
    const scores: TemplateRiskScore[] = [];
    const errors: TemplateScoresData['errors'] = [];
    const turns = new EventLoopTurns(YIELD_AFTER_MS);
    for await (const page of context.catalog.streamEntities({
      filter: { kind: 'Template' },
    })) {
      if (signal.aborted) throw new Error('Template analysis was cancelled');
      for (const entity of page) {
        if (turns.due()) await turns.yield();
        const subject = subjectOf(entity);
        const fallbackRef = `template:${
          entity.metadata?.namespace ?? 'default'
        }/${entity.metadata?.name ?? '<unnamed>'}`;
        let analysis: TemplateAnalysis;
        try {
          const ciTemplateValues = ciValuesFor(options, entity);
          const analyzeNow = () =>
            analyzeTemplate(entity, {
              sinks: registry,
              gating: gating.gating,
              maxLoopItems,
              scaffolder,
              ciTemplateValues,
            });
          // Skeleton values come with the entity (CLI): such an analysis is not reused.
          analysis = ciTemplateValues
            ? analyzeNow()
            : analyses.analyze(entity, analyzeNow);
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          errors.push({ entityRef: fallbackRef, message });
          results.push({
            outcome: 'error',
            target: { type: 'template', entityRef: fallbackRef },
            location: 'template-analysis',
            message: `The template could not be analysed: ${message}`,
            entity: subject,
          });
          continue;
        }
        scores.push(toScore(analysis));
        const target = {
          type: 'template' as const,
          entityRef: analysis.entityRef,
        };
        if (analysis.parseError) {
          // Not a pass: nothing could be vouched for. Not a finding either: what the analyser
          // could not read is listed in the template's diagnostics.
          results.push({
            outcome: 'error',
            target,
            location: 'template-analysis',
            message: `The template could not be analysed: ${
              analysis.diagnostics[0]?.message ?? 'unreadable'
            }`,
            evidence: { diagnostics: analysis.diagnostics.length },
            entity: subject,
          });
          continue;
        }
        if (analysis.findings.length === 0) {
          results.push({
            outcome: 'pass',
            target,
            message: `No risky patterns found (score ${analysis.score})`,
            evidence: {
              score: analysis.score,
              band: analysis.band,
              actionsList: installed.message,
              diagnostics: analysis.diagnostics.length,
            },
            entity: subject,
          });
          continue;
        }
        for (const finding of analysis.findings) {
          results.push({
            outcome: 'fail',
            target,
            // One finding per rule and input; the rule keeps two findings at one input apart.
            location: `${finding.location}#${finding.rule}`,
            title: `${finding.rule}: ${TEMPLATE_RULES[finding.rule].title}`,
            message: finding.message,
            severity: finding.severity,
            evidence: {
              ...finding.evidence,
              score: analysis.score,
              band: analysis.band,
              actionsList: installed.message,
              permissionGating: gating.reason,
            },
            secret: finding.secret,
            entity: subject,
          });
        }
      }
    }

    analyses.complete();
    scores.sort(
      (a, b) => b.score - a.score || a.entityRef.localeCompare(b.entityRef),
    );
    const data: TemplateScoresData = {
      generatedAt: new Date().toISOString(),
      templates: scores,
      ...summarize(scores),
      actionsList: {
        available: installed.actions !== undefined,
        actionCount: installed.actions?.length,
        message: installed.message,
      },
      scaffolder: {
        status: scaffolder.status,
        version: scaffolder.version,
        reason: scaffolder.reason,
      },
      permissionGating: {
        applied: gating.gating !== undefined,
        factor: gating.gating?.factor,
        reason: gating.gating?.reason ?? gating.reason,
      },
      errors,
    };
    context.publish(TEMPLATE_SCORES_KEY, JSON.parse(JSON.stringify(data)));

    if (scores.length === 0 && errors.length === 0) {
      return [
        {
          outcome: 'notApplicable',
          target: { type: 'deployment' },
          message: 'The catalog holds no kind: Template entities',
        },
      ];
    }
    return results;
  },
});
