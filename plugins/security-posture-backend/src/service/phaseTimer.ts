/** Where a scan's time went, phase by phase (logged at debug level when the scan ends). */
export class PhaseTimer {
  private last = performance.now();
  private readonly phases: Array<[string, number]> = [];

  /** Ends the phase that ran since the previous mark. */
  mark(name: string) {
    const now = performance.now();
    this.phases.push([name, now - this.last]);
    this.last = now;
  }

  toString() {
    return this.phases
      .map(([name, ms]) => `${name} ${Math.round(ms)} ms`)
      .join(', ');
  }
}
