import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import {
  ExemptionsQuery,
  NewExemption,
} from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../api';
import { exemptionDependentKeys, securityPostureKeys } from './queryKeys';

/** The config key the backend bounds expiry dates with (also visible to the frontend). */
export const EXEMPTION_MAX_DURATION_KEY = 'securityPosture.exemptions.maxDuration';
/** The backend's default when the key is not set. */
export const DEFAULT_EXEMPTION_MAX_DAYS = 365;

const DAY_MS = 24 * 60 * 60 * 1000;

/** How far ahead an exemption may expire, in whole days (what the date picker offers). */
export function useExemptionMaxDays(): number {
  const config = useApi(configApiRef);
  if (!config.has(EXEMPTION_MAX_DURATION_KEY)) return DEFAULT_EXEMPTION_MAX_DAYS;
  try {
    const ms = durationToMilliseconds(
      readDurationFromConfig(config, { key: EXEMPTION_MAX_DURATION_KEY }),
    );
    return Math.max(1, Math.floor(ms / DAY_MS));
  } catch {
    // A value the frontend cannot read: the backend still enforces its own.
    return DEFAULT_EXEMPTION_MAX_DAYS;
  }
}

export function useExemptions(
  query: ExemptionsQuery,
  options: { enabled?: boolean } = {},
) {
  const api = useApi(securityPostureApiRef);
  return useQuery({
    queryKey: securityPostureKeys.exemptions(query),
    queryFn: () => api.listExemptions(query),
    enabled: options.enabled ?? true,
    placeholderData: keepPreviousData,
  });
}

/** Refreshes what an exemption changes: findings, scores, entity tabs and exemption lists. */
function useInvalidateExemptionDependents() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      exemptionDependentKeys().map(queryKey =>
        queryClient.invalidateQueries({ queryKey }),
      ),
    );
}

export function useCreateExemption() {
  const api = useApi(securityPostureApiRef);
  const invalidate = useInvalidateExemptionDependents();
  return useMutation({
    mutationFn: (exemption: NewExemption) => api.createExemption(exemption),
    onSuccess: () => invalidate(),
  });
}

export function useRevokeExemption() {
  const api = useApi(securityPostureApiRef);
  const invalidate = useInvalidateExemptionDependents();
  return useMutation({
    mutationFn: (id: string) => api.revokeExemption(id),
    onSuccess: () => invalidate(),
  });
}
