import type { Grade, SeverityCounts } from './types';

/**
 * One owner's (a group's, or a user's) posture: the deployment's scoring model applied to the
 * open findings of the entities and templates it owns.
 */
export interface TeamScorecard {
  /** The owner's entity ref, e.g. `group:default/payments-checkout`. */
  owner: string;
  score: number;
  /** Capped at D while one of its findings is critical, as the deployment's grade is. */
  grade: Grade;
  /** Open findings (not exempted), by severity. */
  counts: SeverityCounts;
  openFindings: number;
  /** Its entities and templates with open findings. */
  entities: number;
  /** Checks that could not evaluate its entities (they cost points like a low finding). */
  errors: number;
  /** Score per category of owned findings. */
  categories: Array<{ category: string; score: number; grade: Grade }>;
}

/**
 * Scorecards per owner, worst first. `all` (the report permission): every owner of a finding;
 * `mine`: only the owners among the caller's ownership refs (their user and groups).
 */
export interface TeamScorecards {
  items: TeamScorecard[];
  scope: 'all' | 'mine';
  /** The categories every owner is graded over: those the checks attribute to owners. */
  categories: string[];
}
