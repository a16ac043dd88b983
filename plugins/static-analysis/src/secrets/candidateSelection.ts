import { Candidate } from './candidates';

/** Stretches of text; answers "does one of them contain this one?" in logarithmic time. */
export class Slots {
  private readonly slots: Candidate[];
  /** The largest end among slots[0..i]. */
  private readonly maxEnd: number[];

  constructor(slots: Candidate[]) {
    this.slots = slots.sort((a, b) => a.start - b.start);
    let max = -1;
    this.maxEnd = this.slots.map(slot => (max = Math.max(max, slot.end)));
  }

  contain(c: Candidate): boolean {
    // The last slot starting at or before c.start; any slot before it starts earlier still.
    let lo = 0;
    let hi = this.slots.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots[mid].start <= c.start) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && this.maxEnd[found] >= c.end;
  }
}

/**
 * One finding per stretch of text: the most specific detector (lowest priority number) wins,
 * then the earliest start. The same greedy choice as "sort by priority and start, accept what
 * overlaps nothing accepted", in O(n log n) rather than quadratic time: a hostile string yields
 * tens of thousands of candidates.
 */
export function mostSpecific(candidates: Candidate[]): Candidate[] {
  const byPriority = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const level = byPriority.get(c.priority);
    if (level) level.push(c);
    else byPriority.set(c.priority, [c]);
  }
  // Accepted stretches, sorted by start and never overlapping (so sorted by end too).
  let accepted: Candidate[] = [];
  const overlapsAccepted = (c: Candidate) => {
    // The first accepted stretch that ends after c starts.
    let lo = 0;
    let hi = accepted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (accepted[mid].end <= c.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < accepted.length && accepted[lo].start < c.end;
  };
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const level = byPriority.get(priority)!.sort((a, b) => a.start - b.start);
    const kept: Candidate[] = [];
    for (const c of level) {
      const last = kept[kept.length - 1];
      if ((last && last.end > c.start) || overlapsAccepted(c)) continue;
      kept.push(c);
    }
    // Merge the two sorted lists.
    const merged: Candidate[] = [];
    let i = 0;
    let j = 0;
    while (i < accepted.length || j < kept.length) {
      if (j >= kept.length || (i < accepted.length && accepted[i].start < kept[j].start)) {
        merged.push(accepted[i++]);
      } else {
        merged.push(kept[j++]);
      }
    }
    accepted = merged;
  }
  return accepted;
}
