import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerThreadPriority } from './threadPriority';

jest.setTimeout(60_000);

const linux = process.platform === 'linux';

/**
 * Starts a worker thread that lowers its own priority (to each niceness asked, in turn) and
 * stays alive until terminated, so its thread's nice value can be read from outside.
 */
async function workerThatLowers(niceness: number[]) {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { lowerThreadPriority } = require(workerData.module);
     const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
     const results = workerData.niceness.map(n => lowerThreadPriority(n) ?? null);
     parentPort.postMessage({ tid, results });
     setInterval(() => {}, 1000);`,
    {
      eval: true,
      workerData: { module: require.resolve('./threadPriority'), niceness },
      execArgv: [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ],
    },
  );
  const answer = await new Promise<{
    tid: number;
    results: Array<number | null>;
  }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, ...answer };
}

// The nice value is per thread on Linux only; elsewhere lowerThreadPriority leaves it.
(linux ? describe : describe.skip)('lowerThreadPriority on Linux', () => {
  it('lowers only the calling worker thread, never the process or the event loop', async () => {
    const before = os.getPriority();
    const { worker, tid, results } = await workerThatLowers([12]);
    try {
      expect(tid).not.toBe(process.pid);
      expect(results).toEqual([Math.max(12, before)]);
      expect(os.getPriority(tid)).toBe(Math.max(12, before));
      // The main thread (whose id is the process id) keeps its priority.
      expect(os.getPriority()).toBe(before);
      expect(os.getPriority(process.pid)).toBe(before);
    } finally {
      await worker.terminate();
    }
  });

  it('never raises a priority and clamps to the lowest', async () => {
    const { worker, tid, results } = await workerThatLowers([15, 5, 40]);
    try {
      expect(results).toEqual([15, 15, 19]);
      expect(os.getPriority(tid)).toBe(19);
    } finally {
      await worker.terminate();
    }
  });
});

describe('lowerThreadPriority', () => {
  it('leaves the thread as it is for 0 or nonsense', () => {
    const before = os.getPriority();
    expect(lowerThreadPriority(0)).toBeUndefined();
    expect(lowerThreadPriority(-5)).toBeUndefined();
    expect(lowerThreadPriority(Number.NaN)).toBeUndefined();
    expect(os.getPriority()).toBe(before);
  });
});
