import { createBackendModule } from '@backstage/backend-plugin-api';
import { techInsightsFactRetrieversExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import {
  createSecurityPostureFactRetriever,
  SECURITY_POSTURE_FACT_RETRIEVER_ID,
} from './securityPostureFactRetriever';

/**
 * Adds the security-posture fact retriever to the Tech Insights backend. Its schedule comes from
 * `techInsights.factRetrievers.securityPostureFactRetriever` (cadence, lifecycle).
 */
export const techInsightsModuleSecurityPostureFacts = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'security-posture-facts',
  register(env) {
    env.registerInit({
      deps: { providing: techInsightsFactRetrieversExtensionPoint },
      async init({ providing }) {
        providing.addFactRetrievers({
          [SECURITY_POSTURE_FACT_RETRIEVER_ID]: createSecurityPostureFactRetriever(),
        });
      },
    });
  },
});
