import { useEffect, useRef } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  keepPreviousData,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import {
  Finding,
  FindingsQuery,
  ChangesSinceQuery,
  ScanChangesQuery,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../api';
import { scanDependentKeys, securityPostureKeys } from './queryKeys';

/** Default time between polls of a running scan. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** True while a scan may still change. */
export function isScanActive(status?: ScanStatus): boolean {
  return status === 'queued' || status === 'running';
}

export function useSummary(
  options: { enabled?: boolean; pollIntervalMs?: number } = {},
) {
  const api = useApi(securityPostureApiRef);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  return useQuery({
    queryKey: securityPostureKeys.summary(),
    queryFn: () => api.getSummary(),
    enabled: options.enabled ?? true,
    // Keep the header fresh while a (scheduled or manual) scan is running.
    refetchInterval: query =>
      isScanActive(query.state.data?.lastScan?.status) ? pollIntervalMs : false,
  });
}

export function useFindings(
  query: FindingsQuery,
  options: { enabled?: boolean } = {},
) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.findings(query),
    queryFn: () => api.getFindings(query),
    enabled: options.enabled ?? true,
    // Keep the current page on screen while the next one loads.
    placeholderData: keepPreviousData,
  });
}

/** Findings grouped by check id and title, for the same filters as {@link useFindings}. */
export function useFindingGroups(
  query: FindingsQuery,
  options: { enabled?: boolean } = {},
) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.findingGroups(query),
    queryFn: () => api.getFindingGroups(query),
    enabled: options.enabled ?? true,
    placeholderData: keepPreviousData,
  });
}

/** One finding; `placeholder` (e.g. the table row) shows at once while the full record loads. */
export function useFinding(
  fingerprint: string | undefined,
  options: { placeholder?: Finding } = {},
) {
  const api = useApi(securityPostureApiRef);
  const { placeholder } = options;
  return useQuery({
    queryKey: securityPostureKeys.finding(fingerprint ?? ''),
    queryFn: () => api.getFinding(fingerprint!),
    enabled: Boolean(fingerprint),
    placeholderData:
      placeholder && placeholder.fingerprint === fingerprint
        ? placeholder
        : undefined,
  });
}

export function useEntityFindings(entityRef: string) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.entity(entityRef),
    queryFn: () => api.getEntityFindings(entityRef),
  });
}

export function useScan(
  id: string | undefined,
  options: { pollIntervalMs?: number } = {},
) {
  const api = useApi(securityPostureApiRef);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  return useQuery({
    queryKey: securityPostureKeys.scan(id ?? ''),
    queryFn: () => api.getScan(id!),
    enabled: Boolean(id),
    staleTime: 0,
    refetchInterval: query =>
      isScanActive(query.state.data?.status) ? pollIntervalMs : false,
  });
}

export function useScans(options: { enabled?: boolean } = {}) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.scans(),
    queryFn: () => api.listScans(),
    enabled: options.enabled ?? true,
  });
}

/** What one scan changed; a finished scan's changes do not change, a running one's grow. */
export function useScanChanges(
  scanId: string | undefined,
  query: ScanChangesQuery = {},
  options: { running?: boolean } = {},
) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.scanChanges(scanId ?? '', query),
    queryFn: () => api.getScanChanges(scanId!, query),
    enabled: Boolean(scanId),
    placeholderData: keepPreviousData,
    staleTime: options.running ? 0 : Infinity,
  });
}

/** Findings first seen and resolved since a date; nothing is asked without one. */
export function useChangesSince(query: ChangesSinceQuery | undefined) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.changesSince(query ?? { since: '' }),
    queryFn: () => api.getChangesSince(query!),
    enabled: Boolean(query),
    placeholderData: keepPreviousData,
  });
}

/** Team scorecards: every owner for the platform team, the caller's own for everyone else. */
export function useScorecards(options: { enabled?: boolean } = {}) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.scorecards(),
    queryFn: () => api.getScorecards(),
    enabled: options.enabled ?? true,
  });
}

export function useHistory(options: { enabled?: boolean } = {}) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.history(),
    queryFn: () => api.getHistory(),
    enabled: options.enabled ?? true,
  });
}

export function useChecks() {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.checks(),
    queryFn: () => api.listChecks(),
    staleTime: 5 * 60_000,
  });
}

/** Data a check published during the latest scan; `data` is undefined while it has none. */
export function useCheckData<T>(
  checkId: string,
  key: string,
  options: { enabled?: boolean } = {},
) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.checkData(checkId, key),
    // react-query forbids undefined results: null stands for "not published yet".
    queryFn: async () => (await api.getCheckData<T>(checkId, key)) ?? null,
    enabled: options.enabled ?? true,
  });
}

/**
 * Refreshes everything a scan may have changed when a newer completed scan shows up in the
 * summary (a scheduled scan, or one started elsewhere), not only after "Scan now".
 */
export function useRefreshOnNewScan(completedScanId: string | undefined) {
  const queryClient = useQueryClient();
  const previous = useRef(completedScanId);
  useEffect(() => {
    if (
      previous.current !== undefined &&
      completedScanId !== undefined &&
      previous.current !== completedScanId
    ) {
      for (const queryKey of scanDependentKeys()) {
        // The summary itself just told us; refetching it would only repeat the answer.
        if (queryKey[1] !== 'summary') {
          queryClient.invalidateQueries({ queryKey });
        }
      }
    }
    if (completedScanId !== undefined) {
      previous.current = completedScanId;
    }
  }, [queryClient, completedScanId]);
}
