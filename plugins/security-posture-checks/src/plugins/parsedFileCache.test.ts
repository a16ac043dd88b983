import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ParsedFileCache } from './parsedFileCache';

describe('ParsedFileCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sp-parsed-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const parseCounting = (file: string, calls: string[]) => async () => {
    calls.push(file);
    return (await fs.readFile(file, 'utf8')).toUpperCase();
  };

  it('parses an unchanged file once, and a changed one again', async () => {
    const cache = new ParsedFileCache<string>(4);
    const file = path.join(dir, 'a.yaml');
    await fs.writeFile(file, 'one');
    const calls: string[] = [];
    const read = async () => cache.read(file, await fs.stat(file), parseCounting(file, calls));
    expect(await read()).toBe('ONE');
    expect(await read()).toBe('ONE');
    expect(calls).toHaveLength(1);

    await fs.writeFile(file, 'two, longer');
    expect(await read()).toBe('TWO, LONGER');
    expect(calls).toHaveLength(2);
  });

  it('does not keep a failed parse', async () => {
    const cache = new ParsedFileCache<string>(4);
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, 'x');
    const stat = await fs.stat(file);
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw new Error('unparseable');
    };
    await expect(cache.read(file, stat, failing)).rejects.toThrow('unparseable');
    await expect(cache.read(file, stat, failing)).rejects.toThrow('unparseable');
    expect(attempts).toBe(2);
  });

  it('keeps at most maxFiles, letting the least recently parsed go', async () => {
    const cache = new ParsedFileCache<string>(2);
    const calls: string[] = [];
    const files = ['a', 'b', 'c'].map(name => path.join(dir, name));
    for (const file of files) await fs.writeFile(file, path.basename(file));
    const read = async (file: string) =>
      cache.read(file, await fs.stat(file), parseCounting(file, calls));
    for (const file of files) await read(file);
    // b and c are kept; a, the first parsed, was let go and is parsed again.
    await read(files[2]);
    await read(files[1]);
    await read(files[0]);
    expect(calls.map(f => path.basename(f))).toEqual(['a', 'b', 'c', 'a']);
  });
});
