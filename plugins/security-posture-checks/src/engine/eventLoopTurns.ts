/** Resolves on a later turn of the event loop, after the I/O callbacks that were waiting. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise<void>(resolve => setImmediate(resolve));

/**
 * Bounds the synchronous stretches of long work on the backend's event loop, where the portal's
 * requests wait behind them: `due()` says whether `sliceMs` of work have passed since the last
 * turn, `yield()` gives the loop a turn. Checked per item, so an item is the longest stretch.
 */
export class EventLoopTurns {
  private since = performance.now();

  constructor(private readonly sliceMs = 5) {}

  due(): boolean {
    return performance.now() - this.since >= this.sliceMs;
  }

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.since = performance.now();
  }
}
