import { JsonValue } from '@backstage/types';
import {
  InventoryPackage,
  PluginInventory,
} from '@security-posture/plugin-security-posture-common';
import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { CredentialReach, REACH_WEIGHTS } from './credentials';
import { processEnvironment, readCredentialInventory, RuntimeEnvironment } from './runtimeContext';

export const BLAST_RADIUS_CHECK_ID = 'runtime/blast-radius';

/** A backend plugin or module in the process: by package when the inventory knows it. */
export interface ProcessPlugin {
  name: string;
  pluginId: string;
  /** `@backstage/*`; undefined when only the plugin id is known. */
  core?: boolean;
}

export interface BlastRadius {
  score: number;
  reachScore: number;
  communityPlugins: string[];
  reaches: CredentialReach[];
}

/**
 * The blast-radius score: the sum of the reach weights of the credentials, times one plus half
 * the number of community backend plugins and modules in the same process (each is code that can
 * read every one of them). No credentials: 0.
 */
export function blastRadiusScore(reaches: CredentialReach[], communityPlugins: number): number {
  const reachScore = reaches.reduce((sum, r) => sum + REACH_WEIGHTS[r], 0);
  return Math.round(reachScore * (1 + 0.5 * communityPlugins));
}

const WIDE_REACH: CredentialReach[] = ['push to repos', 'cluster access', 'cloud provisioning'];

async function processPlugins(context: Parameters<Parameters<typeof createSecurityCheck>[0]['run']>[0]) {
  const published = (await context.getPublished('plugins/inventory', 'inventory')) as
    | PluginInventory
    | undefined;
  const installed = await context.instanceMetadata.getInstalledPlugins();
  const plugins: ProcessPlugin[] = [];
  const seen = new Set<string>();
  if (published && Array.isArray(published.packages)) {
    for (const p of published.packages as InventoryPackage[]) {
      if (!p.loaded || (p.kind !== 'backend-plugin' && p.kind !== 'backend-module')) continue;
      plugins.push({ name: p.name, pluginId: p.moduleId ? `${p.pluginId}.${p.moduleId}` : p.pluginId ?? p.name, core: p.core });
      seen.add(p.moduleId ? `${p.pluginId}.${p.moduleId}` : p.pluginId ?? '');
    }
  }
  // Features the inventory did not map to a package (or no inventory yet): known by id only.
  for (const p of installed) {
    const ids = [p.pluginId, ...p.modules.map(m => `${p.pluginId}.${m.moduleId}`)];
    for (const id of ids) {
      if (!seen.has(id)) {
        seen.add(id);
        plugins.push({ name: id, pluginId: id });
      }
    }
  }
  return { plugins, fromInventory: !!published };
}

/** Credentials × the backend plugins that can read them, community code highlighted. */
export function createBlastRadiusCheck(runtime: () => RuntimeEnvironment = processEnvironment) {
  return createSecurityCheck({
    meta: {
      id: BLAST_RADIUS_CHECK_ID,
      version: 1,
      title: 'Blast radius of the backend process',
      category: 'runtime',
      defaultSeverity: 'medium',
      description:
        "Crosses the backend's credentials (runtime/credential-inventory) with the backend plugins and modules loaded into the same process (plugins/inventory, else the root instance metadata): in one Node.js process every plugin can read all config and process.env. The score is the sum of the credentials' reach weights times one plus half the number of community (non-`@backstage`) backend plugins and modules. Fails high when community code shares the process with credentials that push to repositories, reach a cluster or provision cloud resources, medium for other reach with community code or a score of 20 or more, and publishes the matrix under `blast-radius` (also as CSV).",
      remediation:
        'Shrink what one process holds: run privileged integrations (Kubernetes, AWS, scaffolder with write tokens) in a separate backend deployment with only the plugins that need them; put third-party APIs behind a proxy service with audit logging instead of handing the backend their tokens; narrow every token to the repositories, namespaces and actions it is used for; use GitHub Apps instead of personal access tokens; review community backend plugins before they share a process with these credentials.',
    },
    async run(context) {
      const inventory = await readCredentialInventory(context, runtime());
      const { plugins, fromInventory } = await processPlugins(context);
      const community = plugins.filter(p => p.core === false);
      const unknownScope = plugins.filter(p => p.core === undefined);
      const reaches = inventory.credentials.map(c => c.reach);
      const score = blastRadiusScore(reaches, community.length);
      const distinctReach = [...new Set(reaches)];
      const communityNames = community.map(p => p.name);

      context.publish('blast-radius', {
        score,
        plugins: plugins.length,
        communityPlugins: communityNames.join(', '),
        pluginsFrom: fromInventory ? 'plugins/inventory' : 'root instance metadata (package scopes unknown)',
        credentials: inventory.credentials.map(c => ({
          path: c.path,
          kind: c.kind,
          reach: c.reach,
          reachWeight: REACH_WEIGHTS[c.reach],
          source: c.source,
          readableBy: plugins.length,
          communityReaders: communityNames.join(', '),
        })) as JsonValue,
      });

      if (!inventory.credentials.length) {
        return [
          {
            outcome: 'pass',
            target: { type: 'deployment' },
            message: `No credential in the config: the ${plugins.length} backend plugins and modules share no integration secret (score 0)`,
            evidence: { score: 0, plugins: plugins.length },
          },
        ];
      }
      const wide = distinctReach.filter(r => WIDE_REACH.includes(r));
      let severity: 'high' | 'medium' | 'low' | undefined;
      if (community.length && wide.length) severity = 'high';
      else if (community.length || score >= 20) severity = 'medium';
      else if (score >= 10) severity = 'low';
      const summary = `${inventory.credentials.length} credential(s) (${distinctReach.join(', ')}) readable by ${
        plugins.length
      } backend plugins and modules in one process, ${community.length} of them community code${
        communityNames.length ? ` (${communityNames.slice(0, 10).join(', ')})` : ''
      }${unknownScope.length ? `, ${unknownScope.length} of unknown package` : ''}; blast-radius score ${score}`;
      return [
        {
          outcome: severity ? 'fail' : 'pass',
          ...(severity ? { severity } : {}),
          target: { type: 'deployment' },
          location: 'backend-process',
          title: `Blast radius ${score}: ${distinctReach.join(', ')}`,
          message: summary,
          evidence: {
            score,
            credentials: inventory.credentials.length,
            reach: distinctReach,
            plugins: plugins.length,
            communityPlugins: communityNames.slice(0, 50),
            unknownScope: unknownScope.length,
          },
        },
      ];
    },
  });
}
