import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Scan } from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../api';
import { scanDependentKeys, securityPostureKeys } from './queryKeys';
import { isScanActive, useScan } from './queries';

/**
 * Starts a scan, polls it until it finishes and then refreshes everything the
 * scan may have changed (summary, findings, entity findings, history, scans).
 * With `checkIds`, the scan runs only those checks ("rescan this check").
 */
export function useScanNow(
  options: { pollIntervalMs?: number; checkIds?: string[] } = {},
) {
  const api = useApi(securityPostureApiRef);
  const queryClient = useQueryClient();
  const [scanId, setScanId] = useState<string>();
  const { checkIds } = options;

  const mutation = useMutation({
    mutationFn: () => api.requestScan(checkIds ? { checkIds } : undefined),
    onSuccess: (scan: Scan) => {
      queryClient.setQueryData(securityPostureKeys.scan(scan.id), scan);
      setScanId(scan.id);
      // The summary's last scan is now this one; its polling shows progress to every viewer.
      queryClient.invalidateQueries({
        queryKey: securityPostureKeys.summary(),
      });
    },
  });

  const scanQuery = useScan(scanId, options);
  const scan = scanId ? scanQuery.data : undefined;
  const finishedStatus =
    scan && !isScanActive(scan.status) ? scan.status : undefined;

  useEffect(() => {
    if (!scanId || !finishedStatus) {
      return;
    }
    for (const queryKey of scanDependentKeys()) {
      queryClient.invalidateQueries({ queryKey });
    }
  }, [queryClient, scanId, finishedStatus]);

  return {
    /** Requests a new scan. */
    start: () => mutation.mutate(),
    /** The scan started from here, as last polled. */
    scan,
    /** True from the request until the scan has finished. */
    isScanning:
      mutation.isPending || Boolean(scan && isScanActive(scan.status)),
    error: (mutation.error ?? scanQuery.error ?? undefined) as
      | Error
      | undefined,
  };
}
