import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  FactRetriever,
  techInsightsFactRetrieversExtensionPoint,
} from '@backstage-community/plugin-tech-insights-node';
import techInsightsModuleSecurityPostureFacts from './index';

describe('techInsightsModuleSecurityPostureFacts', () => {
  it('adds the security-posture fact retriever through the Tech Insights extension point', async () => {
    const added: Array<Record<string, FactRetriever>> = [];
    // Stands in for the Tech Insights backend, which owns the extension point.
    const techInsights = createBackendPlugin({
      pluginId: 'tech-insights',
      register(env) {
        env.registerExtensionPoint(techInsightsFactRetrieversExtensionPoint, {
          addFactRetrievers: retrievers => added.push(retrievers),
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    const backend = await startTestBackend({
      features: [techInsights, techInsightsModuleSecurityPostureFacts],
    });
    expect(added.map(r => Object.keys(r))).toEqual([['securityPostureFactRetriever']]);
    expect(added[0].securityPostureFactRetriever.schema.criticalFindings).toBeDefined();
    await backend.stop();
  });
});
