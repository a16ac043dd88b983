import type { EntityPageOutput } from './CheckRunner';
import { EntityCheckState, PassTimings } from './entityPassState';
import { asError } from './errors';

// At most this many catalog pages are gathered into one write (bounds what waits in memory).
const MAX_GATHERED_PAGES = 20;

/**
 * The catalog pass's writes. A page's findings are written while the next page is evaluated:
 * the database works while the checks compute. A failed write ends the pass and fails the scan.
 * Pages with little to write (a rescan's few changed entities) are gathered into one write:
 * every write is a transaction whose round trips compete with the catalog stream for the event
 * loop. The checks' states hold the gathered findings and entity lists.
 */
export class GatheredPageWrites {
  private pending: Promise<void> = Promise.resolve();
  /** The failure that ends the pass: a write's, or the database's when it was read. */
  error?: Error;
  private gathered: Omit<EntityPageOutput, 'checks'> =
    GatheredPageWrites.empty();
  private gatheredPages = 0;

  constructor(
    private readonly options: {
      states: EntityCheckState[];
      /** A write is due once the gathered pages weigh this much. */
      pageSize: number;
      onEntityPage?(page: EntityPageOutput): Promise<void>;
      timings: PassTimings;
    },
  ) {}

  private static empty(): Omit<EntityPageOutput, 'checks'> {
    return {
      entityRefs: [],
      unchangedEntityRefs: [],
      evaluations: [],
      forgetEvaluations: [],
    };
  }

  /** Records a failure that ends the pass, and returns it to be thrown. */
  fail(error: unknown): Error {
    this.error = asError(error);
    return this.error;
  }

  /** Throws the failure that ended the pass, if any. */
  throwIfFailed() {
    if (this.error) throw this.error;
  }

  /** Settles when the write under way does (it never rejects: see `error`). */
  settled(): Promise<void> {
    return this.pending;
  }

  /** Hands a page on: written now when it (with those gathered before it) is worth a write. */
  async deliver(page: Omit<EntityPageOutput, 'checks'>) {
    this.throwIfFailed();
    const { gathered } = this;
    gathered.entityRefs.push(...page.entityRefs);
    gathered.unchangedEntityRefs.push(...page.unchangedEntityRefs);
    gathered.evaluations.push(...page.evaluations);
    gathered.forgetEvaluations.push(...page.forgetEvaluations);
    this.gatheredPages += 1;
    if (
      this.weight() >= this.options.pageSize ||
      this.gatheredPages >= MAX_GATHERED_PAGES
    )
      await this.write();
  }

  /** Writes what was gathered since the last write, if anything. */
  async flush() {
    if (this.gatheredPages) await this.write();
  }

  /** What the gathered pages write: evaluated entities, findings and refreshed kept findings. */
  private weight() {
    return (
      this.gathered.entityRefs.length +
      this.gathered.forgetEvaluations.length +
      this.options.states.reduce(
        (sum, state) =>
          sum + state.findings.length + state.pageKeptRefresh.length,
        0,
      )
    );
  }

  private async write() {
    await this.pending;
    this.throwIfFailed();
    const { states, onEntityPage, timings } = this.options;
    const output: EntityPageOutput = {
      ...this.gathered,
      checks: states.map(state => ({
        checkId: state.check.meta.id,
        findings: state.findings,
        unevaluatedEntityRefs: state.pageUnevaluated,
        keptEntityRefs: state.pageKept,
        refreshEntityRefs: state.pageKeptRefresh,
      })),
    };
    this.gathered = GatheredPageWrites.empty();
    this.gatheredPages = 0;
    for (const state of states) {
      state.pageUnevaluated = [];
      state.pageKept = [];
      state.pageKeptRefresh = [];
    }
    if (!onEntityPage) return;
    for (const state of states) state.findings = [];
    const writing = performance.now();
    this.pending = onEntityPage(output).then(
      () => {
        timings.writing += performance.now() - writing;
      },
      e => {
        this.fail(e);
      },
    );
  }
}
