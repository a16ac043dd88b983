import type {
  DetectionFinding,
  DetectionWindow,
} from '@security-posture/static-analysis';

/** A detection finding with what the store keeps beside it. */
export interface RecordedDetection {
  finding: DetectionFinding;
  /** When the rule fired (the finding's first and last seen time). */
  seenAt: string;
}

/**
 * Live detections' state: the sliding windows per rule and subject, and the findings hits
 * become. Findings raised outside a scan are written only here; scans never report them, so
 * they stay open until exempted or until `resolveStaleFindings` closes them.
 */
export interface DetectionStore {
  /**
   * Reads the stored windows of these keys (`<rule id>|<subject>`; absent keys have none),
   * lets `update` count events in them, and writes back the windows it touched, in one
   * transaction (rows locked on PostgreSQL).
   */
  updateWindows<T>(
    keys: string[],
    updatedAt: string,
    update: (loaded: Map<string, DetectionWindow>) => {
      touched: Map<string, DetectionWindow>;
      result: T;
    },
  ): Promise<T>;
  /**
   * Inserts findings not stored yet (same fingerprint: same rule, subject and window, so a
   * repeat is ignored); returns the fingerprints that were new.
   */
  recordFindings(detections: RecordedDetection[]): Promise<string[]>;
  /**
   * Deletes windows not updated since `windowsBefore`, then the oldest beyond `maxWindows`;
   * resolves open detection findings last seen before `findingsBefore`. Returns what it did.
   */
  cleanup(options: {
    windowsBefore: string;
    maxWindows: number;
    findingsBefore: string;
    resolvedAt: string;
  }): Promise<{ deletedWindows: number; resolvedFindings: number }>;
  /** Changes whenever a detection finding is recorded or resolved: for caches of derived data. */
  changeKey(): Promise<string>;
}
