import { EventLoopTurns, yieldToEventLoop } from './eventLoopTurns';

function busyFor(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous stretch
  }
}

describe('EventLoopTurns', () => {
  it('is due once its slice of work has passed, and not again until after a turn', async () => {
    const turns = new EventLoopTurns(5);
    expect(turns.due()).toBe(false);
    busyFor(6);
    expect(turns.due()).toBe(true);
    await turns.yield();
    expect(turns.due()).toBe(false);
  });

  it('lets waiting callbacks run on each turn', async () => {
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    await yieldToEventLoop();
    expect(ran).toBe(true);
  });
});
