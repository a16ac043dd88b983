import { useApi } from '@backstage/core-plugin-api';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  FindingsQuery,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../api';
import { securityPostureKeys } from './queryKeys';

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

export function useFinding(fingerprint: string | undefined) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.finding(fingerprint ?? ''),
    queryFn: () => api.getFinding(fingerprint!),
    enabled: Boolean(fingerprint),
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
