import { mergePages, partitionKinds, untilAborted } from './catalogPartitions';

describe('partitionKinds', () => {
  it('splits kinds into parts of similar size, largest kind first', () => {
    const parts = partitionKinds(
      [
        { value: 'User', count: 5 },
        { value: 'Component', count: 60 },
        { value: 'API', count: 20 },
        { value: 'Resource', count: 20 },
        { value: 'Group', count: 1 },
      ],
      3,
    );
    expect(parts).toEqual([
      { kinds: ['Component'], count: 60 },
      { kinds: ['API', 'User'], count: 25 },
      { kinds: ['Resource', 'Group'], count: 21 },
    ]);
  });

  it('never puts one kind in two parts when its case differs', () => {
    const parts = partitionKinds(
      [
        { value: 'Component', count: 10 },
        { value: 'component', count: 3 },
        { value: 'API', count: 4 },
      ],
      3,
    );
    expect(parts).toEqual([
      { kinds: ['Component'], count: 13 },
      { kinds: ['API'], count: 4 },
    ]);
  });

  it('gives no part for an empty catalog and one part when asked for one', () => {
    expect(partitionKinds([], 3)).toEqual([]);
    expect(
      partitionKinds(
        [
          { value: 'A', count: 1 },
          { value: 'B', count: 2 },
        ],
        1,
      ),
    ).toEqual([{ kinds: ['B', 'A'], count: 3 }]);
  });
});

const tick = () => new Promise(resolve => setImmediate(resolve));

async function* listed<T>(items: T[], failAfter?: number) {
  let index = 0;
  for (const item of items) {
    if (index === failAfter) throw new Error('catalog unavailable');
    await tick();
    yield item;
    index += 1;
  }
  if (index === failAfter) throw new Error('catalog unavailable');
}

describe('mergePages', () => {
  it('hands on every page of every stream once, as they arrive', async () => {
    const slow = async function* slowPages() {
      for (const page of ['s0', 's1']) {
        await new Promise(resolve => setTimeout(resolve, 20));
        yield page;
      }
    };
    const seen: string[] = [];
    for await (const page of mergePages([slow(), listed(['f0', 'f1', 'f2'])]))
      seen.push(page);
    expect(seen.sort()).toEqual(['f0', 'f1', 'f2', 's0', 's1']);
    // The fast stream was not held back by the slow one.
    expect(seen.indexOf('f2')).toBeLessThan(seen.indexOf('s0'));
  });

  it('pulls a stream again only once its page was taken', async () => {
    let pulled = 0;
    const counting = async function* countingPages() {
      for (let page = 0; page < 5; page++) {
        pulled += 1;
        yield page;
      }
    };
    const merged = mergePages([counting()]);
    await merged.next();
    await tick();
    // The page taken and the one pending behind it; no more.
    expect(pulled).toBe(2);
    await merged.return(undefined);
  });

  it('reads the other streams to their end before throwing a failed stream’s error', async () => {
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const page of mergePages([
          listed(['a0', 'a1', 'a2'], 1),
          listed(['b0', 'b1', 'b2', 'b3']),
        ]))
          seen.push(page);
      })(),
    ).rejects.toThrow('catalog unavailable');
    expect(seen.sort()).toEqual(['a0', 'b0', 'b1', 'b2', 'b3']);
  });

  it('closes the streams still open when the caller stops early', async () => {
    const closed: string[] = [];
    const stream = (name: string) =>
      (async function* endlessPages() {
        try {
          for (let page = 0; ; page++) {
            await tick();
            yield `${name}${page}`;
          }
        } finally {
          closed.push(name);
        }
      })();
    for await (const page of mergePages([stream('a'), stream('b')])) {
      if (page) break;
    }
    await tick();
    await tick();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});

describe('untilAborted', () => {
  it('hands on every page while not aborted', async () => {
    const seen: string[] = [];
    for await (const page of untilAborted(listed(['a', 'b', 'c']), new AbortController().signal))
      seen.push(page);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('stops waiting for a page in flight when aborted, with the abort reason', async () => {
    const controller = new AbortController();
    let released = false;
    const stuck = async function* stuckAfterOne() {
      try {
        yield 'a';
        // A catalog that never answers the next page.
        await new Promise(() => {});
      } finally {
        released = true;
      }
    };
    const seen: string[] = [];
    const reading = (async () => {
      for await (const page of untilAborted(stuck(), controller.signal)) {
        seen.push(page);
        setTimeout(() => controller.abort(new Error('backend shutting down')), 10);
      }
    })();
    await expect(reading).rejects.toThrow('backend shutting down');
    expect(seen).toEqual(['a']);
    // The stuck source is left to itself (its page never comes), not awaited.
    expect(released).toBe(false);
  });
});
