import { CheckOutcome } from '@security-posture/plugin-security-posture-common';
import { CheckRun } from './report';

/** Outcomes of one check over the whole run, combined as the engine does. */
export class CheckTracker {
  private readonly runs = new Map<
    string,
    {
      counts: Record<CheckOutcome, number>;
      findings: number;
      reason?: string;
      skipped?: boolean;
    }
  >();

  private entry(checkId: string) {
    let entry = this.runs.get(checkId);
    if (!entry) {
      entry = {
        counts: { fail: 0, pass: 0, error: 0, notApplicable: 0 },
        findings: 0,
      };
      this.runs.set(checkId, entry);
    }
    return entry;
  }

  record(checkId: string, outcomes: CheckOutcome[], findings: number) {
    const entry = this.entry(checkId);
    for (const outcome of outcomes) entry.counts[outcome] += 1;
    entry.findings += findings;
  }

  skip(checkId: string, reason: string) {
    const entry = this.entry(checkId);
    entry.skipped = true;
    entry.reason = reason;
  }

  note(checkId: string, reason: string) {
    this.entry(checkId).reason ??= reason;
  }

  /** Replaces the reason: for a state that changes during the run (an advisory source failing). */
  setReason(checkId: string, reason: string) {
    this.entry(checkId).reason = reason;
  }

  list(): CheckRun[] {
    return [...this.runs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([checkId, { counts, findings, reason, skipped }]) => {
        let outcome: CheckRun['outcome'] = 'pass';
        if (skipped) outcome = 'skipped';
        else if (counts.error) outcome = 'error';
        else if (counts.fail) outcome = 'fail';
        else if (!counts.pass) outcome = 'notApplicable';
        return { checkId, outcome, findings, ...(reason ? { reason } : {}) };
      });
  }
}
