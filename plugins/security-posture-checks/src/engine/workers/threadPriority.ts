import fs from 'node:fs';
import os from 'node:os';

/** The niceness evaluation workers run at by default: below the event loop, above idle work. */
export const DEFAULT_WORKER_NICENESS = 10;

/**
 * Lowers the CPU priority of the calling thread to `niceness` (0 leaves it). On Linux the nice
 * value belongs to each thread, so an evaluation worker can yield the cores to the backend's
 * event loop (which answers requests) and to the database without slowing the process down;
 * its id comes from `/proc/thread-self`. Elsewhere the nice value is the whole process's, so
 * nothing changes. Never raises a priority. Returns the thread's niceness after, or undefined
 * where it was left.
 */
export function lowerThreadPriority(niceness: number): number | undefined {
  if (process.platform !== 'linux' || !(niceness > 0)) return undefined;
  try {
    const threadId = Number(
      fs.readlinkSync('/proc/thread-self').split('/').pop(),
    );
    if (!Number.isInteger(threadId) || threadId <= 0) return undefined;
    const target = Math.min(19, Math.floor(niceness));
    if (os.getPriority(threadId) < target) os.setPriority(threadId, target);
    return os.getPriority(threadId);
  } catch {
    // E.g. /proc not mounted: the worker runs at the process's priority.
    return undefined;
  }
}
