export { securityPostureKeys } from './queryKeys';
export {
  DEFAULT_POLL_INTERVAL_MS,
  isScanActive,
  useChecks,
  useEntityFindings,
  useFinding,
  useFindings,
  useHistory,
  useScan,
  useScans,
  useSummary,
} from './queries';
export { useScanNow } from './useScanNow';
