/**
 * Tech Insights facts from security-posture.
 *
 * @packageDocumentation
 */
export { techInsightsModuleSecurityPostureFacts as default } from './module';
export {
  createSecurityPostureFactRetriever,
  SECURITY_POSTURE_FACT_RETRIEVER_ID,
} from './securityPostureFactRetriever';
