import { createApiRef } from '@backstage/core-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  CheckMetadata,
  EntityFindingsResponse,
  Exemption,
  ExemptionsPage,
  ExemptionsQuery,
  Finding,
  FindingGroupsPage,
  FindingsPage,
  NewExemption,
  FindingsQuery,
  HistoryPoint,
  PostureSummary,
  PublishedCheckData,
  Scan,
  ChangesSincePage,
  ChangesSinceQuery,
  ScanChangesPage,
  ScanChangesQuery,
  TeamScorecards,
} from '@security-posture/plugin-security-posture-common';

/** A CSV file fetched with the caller's credentials, ready to be saved. */
export interface CsvDownload {
  blob: Blob;
  /** From the response's Content-Disposition header, or a sensible default. */
  filename: string;
}

/**
 * Client of the security-posture backend. All calls are authenticated with the
 * signed-in user's credentials.
 */
export interface SecurityPostureApi {
  /** Deployment-wide summary; fails with 403 without the report permission. */
  getSummary(): Promise<PostureSummary>;
  /** Findings, deployment-wide (`scope: 'all'`) or of the caller's entities (`scope: 'mine'`). */
  getFindings(query?: FindingsQuery): Promise<FindingsPage>;
  /** Findings of the same filters grouped by check id and title; sorting does not apply. */
  getFindingGroups(query?: FindingsQuery): Promise<FindingGroupsPage>;
  getFinding(fingerprint: string): Promise<Finding>;
  /** What the caller may see of one catalog entity's findings. */
  getEntityFindings(
    entityRef: string | CompoundEntityRef,
  ): Promise<EntityFindingsResponse>;
  /**
   * Starts a scan; resolves with the queued scan. With `checkIds`, a scan of only those checks
   * ("rescan this check"): other checks' findings stay as they are.
   */
  requestScan(options?: { checkIds?: string[] }): Promise<Scan>;
  getScan(id: string): Promise<Scan>;
  /** Recent scans, newest first, each with what it changed (`changes`). */
  listScans(): Promise<Scan[]>;
  /** What one scan changed since the scan before it: new, reopened, resolved, re-rated findings. */
  getScanChanges(scanId: string, query?: ScanChangesQuery): Promise<ScanChangesPage>;
  /** Findings first seen and findings resolved at or after `query.since` (report permission). */
  getChangesSince(query: ChangesSinceQuery): Promise<ChangesSincePage>;
  getHistory(): Promise<HistoryPoint[]>;
  /** Grade and open findings per owner: every owner with the report permission, else the caller's own. */
  getScorecards(): Promise<TeamScorecards>;
  /** The scorecards as CSV, with the same visibility. */
  downloadScorecardsCsv(): Promise<CsvDownload>;
  listChecks(): Promise<CheckMetadata[]>;
  /** Exemptions the caller may see (all of them with the report permission). */
  listExemptions(query?: ExemptionsQuery): Promise<ExemptionsPage>;
  /** Exempts a finding, or a check on a target; rejects with the server's reason (403, 400). */
  createExemption(exemption: NewExemption): Promise<Exemption>;
  /** Revokes an exemption; resolves with it, revoked. */
  revokeExemption(id: string): Promise<Exemption>;
  /**
   * Structured data a check published during the latest scan (a matrix, an inventory, scores),
   * or `undefined` when the check has not published under that key yet. Needs the report permission.
   */
  getCheckData<T = unknown>(
    checkId: string,
    key: string,
  ): Promise<PublishedCheckData<T> | undefined>;
  /**
   * URL of the CSV export with the same filters as {@link SecurityPostureApi.getFindings}.
   * The endpoint needs the user's token: fetch it with {@link SecurityPostureApi.downloadFindingsCsv}
   * unless cookie authentication is set up.
   */
  exportCsvUrl(query?: FindingsQuery): Promise<string>;
  /** URL of one entity's findings CSV; same caveat as {@link SecurityPostureApi.exportCsvUrl}. */
  entityCsvUrl(entityRef: string | CompoundEntityRef): Promise<string>;
  downloadFindingsCsv(query?: FindingsQuery): Promise<CsvDownload>;
  downloadEntityFindingsCsv(
    entityRef: string | CompoundEntityRef,
  ): Promise<CsvDownload>;
}

export const securityPostureApiRef = createApiRef<SecurityPostureApi>({
  id: 'plugin.security-posture.service',
});
