export { securityPostureKeys, scanDependentKeys } from './queryKeys';
export {
  DEFAULT_POLL_INTERVAL_MS,
  isScanActive,
  useChangesSince,
  useCheckData,
  useChecks,
  useEntityFindings,
  useFinding,
  useFindings,
  useFindingGroups,
  useHistory,
  useScan,
  useScanChanges,
  useScans,
  useScorecards,
  useRefreshOnNewScan,
  useSummary,
} from './queries';
export { useScanNow } from './useScanNow';
export {
  PAGE_SIZES,
  URL_PARAMS,
  filtersToQuery,
  parseFindingsTableState,
  tableStateToQuery,
  useFindingDrawerParam,
  useFindingsUrlState,
  writeFindingsTableState,
} from './useFindingsUrlState';
export type {
  FindingStatusFilter,
  FindingsFilters,
  FindingsTableState,
} from './useFindingsUrlState';
export * from './exemptions';
