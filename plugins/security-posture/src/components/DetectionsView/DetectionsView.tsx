import { CategoryView } from '../CategoryView';

/** Findings raised by detections over the auditor's events, between scans. */
export function DetectionsView() {
  return (
    <CategoryView
      category="detections"
      intro={
        <>
          Suspicious activity in the audit events of the backend: template runs
          outside business hours or by users outside the allowed groups, catalog
          read bursts, catalog changes by users outside the platform team and
          authentication failures above a baseline. Each finding names the
          actor, how many events in which window, and the event ids; it is
          raised when the rule fires, not by a scan. Needs the security-posture
          auditor in the backend (see docs/detections.md).
        </>
      }
    />
  );
}
