import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { builtInChecks, CheckRegistry } from '@security-posture/checks';
import { configData, mergeConfigs } from './appConfig';
import { cliCheckContext } from './checkContext';
import { CLI_CHECKS, CONFIG_DEPENDENT_ENTITY_CHECKS, CONFIG_ONLY_CHECKS } from './cliChecks';
import { InputFile, UsageError } from './files';
import { placeInConfig } from './placement';
import { findSecretsInText } from './rawText';
import { errorOf, isFailing, ScanSession } from './scanSession';
import { parseYamlSource } from './yamlSource';

/** Reads the --config files, merged in order, into the session. */
export async function loadConfig(
  session: ScanSession,
  configInputs: InputFile[],
  texts: Map<string, string | Error>,
) {
  if (!configInputs.length) return;
  session.configUsable = true;
  for (const input of configInputs) {
    const text = texts.get(input.absolute);
    const file = session.display(input.absolute);
    if (typeof text !== 'string') {
      session.configUsable = false;
      continue;
    }
    // A credential in the config is masked in what the config checks say about it.
    for (const match of findSecretsInText(text)) session.factory.secrets.add(match.value);
    const source = parseYamlSource(text);
    const data = configData(source);
    if (!data) session.configUsable = false;
    session.configSources.push({ file, source, data });
  }
  session.config = mergeConfigs(session.configSources);
}

/** The checks with the config's overrides; entity checks that cannot run here are skipped. */
export function resolveChecks(session: ScanSession) {
  const registry = new CheckRegistry(session.config);
  registry.add(...builtInChecks);
  // The CLI's own checks honour `securityPosture.checks.files.<name>` overrides too.
  const own = new CheckRegistry(session.config);
  own.add(
    ...CLI_CHECKS.map(
      (meta): SecurityCheck => ({
        meta,
        scope: 'deployment',
        run: async () => [],
      }),
    ),
  );
  try {
    for (const resolved of [...registry.list(), ...own.list()]) {
      session.resolved.set(resolved.check.meta.id, resolved);
    }
  } catch (e) {
    // An invalid `securityPosture.checks` override in the given config.
    throw new UsageError(errorOf(e).message);
  }

  session.entityChecks = [...session.resolved.values()].filter(r => {
    if (r.check.scope !== 'entity') return false;
    if (!r.enabled) {
      session.tracker.skip(r.check.meta.id, 'disabled in securityPosture.checks');
      return false;
    }
    if (CONFIG_DEPENDENT_ENTITY_CHECKS.has(r.check.meta.id) && !session.configUsable) {
      session.tracker.skip(
        r.check.meta.id,
        'its answer depends on the deployment config: give the app-config with --config',
      );
      return false;
    }
    return true;
  });
}

/** The checks that read only the app-config, run once over the merged config. */
export async function runConfigChecks(session: ScanSession) {
  for (const checkId of CONFIG_ONLY_CHECKS) {
    const resolved = session.resolved.get(checkId);
    if (!resolved) continue;
    if (!session.configSources.length) {
      session.tracker.skip(checkId, 'no app-config given (--config)');
      continue;
    }
    if (!session.configUsable) {
      session.tracker.skip(checkId, 'an app-config file could not be read or parsed');
      continue;
    }
    if (!session.enabled(checkId) || resolved.check.scope !== 'deployment') continue;
    const { meta } = resolved.check;
    const context = cliCheckContext({
      config: session.config,
      checkOptions: resolved.options,
      logger: session.logger,
      checkId,
    });
    try {
      const results = await resolved.check.run(context);
      const failing = results.filter(isFailing);
      const findings = session.factory.fromResults(meta, resolved.severity, results);
      findings.forEach((finding, i) =>
        session.add(finding, placeInConfig(session.configSources, failing[i])),
      );
      session.tracker.record(
        checkId,
        results.map(r => r.outcome),
        findings.length,
      );
    } catch (e) {
      const finding = session.factory.fromError(meta, resolved.severity, errorOf(e));
      session.add(finding, placeInConfig(session.configSources, undefined));
      session.tracker.record(checkId, ['error'], 1);
    }
  }
}
