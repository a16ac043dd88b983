import type { Stats } from 'node:fs';

/**
 * Parsed files by path, kept while a file stays the same (inode, size, modification time):
 * files that change only with a deployment (lockfiles, app-config) are parsed once rather than
 * at the start of every scan, where parsing holds the event loop the portal's requests wait on.
 * What is kept is shared: callers only read it, never change it. A failed parse is not kept.
 */
export class ParsedFileCache<T> {
  private readonly kept = new Map<string, { version: string; parsed: Promise<T> }>();

  constructor(private readonly maxFiles: number) {}

  /** `stat`: the file's, as the caller just read it; `parse` runs when the file is new or changed. */
  read(file: string, stat: Stats, parse: () => Promise<T>): Promise<T> {
    const version = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const kept = this.kept.get(file);
    if (kept?.version === version) return kept.parsed;
    const parsed = parse();
    this.kept.delete(file);
    this.kept.set(file, { version, parsed });
    if (this.kept.size > this.maxFiles) {
      this.kept.delete(this.kept.keys().next().value!);
    }
    // Tried again next time.
    parsed.catch(() => {
      if (this.kept.get(file)?.parsed === parsed) this.kept.delete(file);
    });
    return parsed;
  }
}
