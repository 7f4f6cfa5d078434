/** What a commit holds at a path, as far as pipeline-file reads care. */
export type CachedPipelineFile =
  | { kind: 'file'; text: string }
  | { kind: 'missing' }
  | { kind: 'folder' }
  | { kind: 'tooLarge'; size: number }
  /** It exists (its folder was listed), but its text was not read. */
  | { kind: 'unread' };

/** The files read at one commit of one repository, and the folders listed completely. */
export type CommitFiles = {
  files: Map<string, CachedPipelineFile>;
  /** Folders whose every entry is named in `files` (a path not there is missing). */
  listedFolders: Set<string>;
  /** The commit's message, when it was read. */
  message?: string;
};

/**
 * Pipeline files by repository and commit, least recently used first out, bounded by the number
 * of commits and by the bytes of text kept. A commit never changes, so an entry is never stale.
 */
export class PipelineFileCache {
  readonly #commits = new Map<string, CommitFiles & { bytes: number }>();
  readonly #maxCommits: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: { maxCommits: number; maxBytes: number }) {
    this.#maxCommits = Math.max(0, Math.floor(options.maxCommits));
    this.#maxBytes = Math.max(0, options.maxBytes);
  }

  /** Commits kept now. */
  get size(): number {
    return this.#commits.size;
  }

  /** Bytes of file text kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether any commit of this repository is kept (so resolving a branch first may pay off). */
  hasRepository(repositoryUrl: string): boolean {
    const prefix = `${repositoryUrl}\n`;
    for (const key of this.#commits.keys()) {
      if (key.startsWith(prefix)) return true;
    }
    return false;
  }

  /** What is known about `filePath` at the commit, or undefined when it must be fetched. */
  get(
    repositoryUrl: string,
    commit: string,
    filePath: string,
  ): CachedPipelineFile | undefined {
    const key = cacheKey(repositoryUrl, commit);
    const entry = this.#commits.get(key);
    if (!entry) return undefined;
    const known = entry.files.get(filePath);
    if (known?.kind === 'unread') return undefined;
    const found =
      known ??
      (entry.listedFolders.has(folderOf(filePath))
        ? ({ kind: 'missing' } as const)
        : undefined);
    if (found) {
      // Most recently used last
      this.#commits.delete(key);
      this.#commits.set(key, entry);
    }
    return found;
  }

  /**
   * What is known about every entry of `folder` at the commit (by path), or undefined when the
   * folder was not listed completely there and must be fetched.
   */
  listing(
    repositoryUrl: string,
    commit: string,
    folder: string,
  ): Map<string, CachedPipelineFile> | undefined {
    const key = cacheKey(repositoryUrl, commit);
    const entry = this.#commits.get(key);
    if (!entry?.listedFolders.has(folder)) return undefined;
    // Most recently used last
    this.#commits.delete(key);
    this.#commits.set(key, entry);
    const entries = new Map<string, CachedPipelineFile>();
    for (const [filePath, file] of entry.files) {
      if (folderOf(filePath) === folder) entries.set(filePath, file);
    }
    return entries;
  }

  /** The commit's message, when it is kept. */
  message(repositoryUrl: string, commit: string): string | undefined {
    return this.#commits.get(cacheKey(repositoryUrl, commit))?.message;
  }

  /** Adds what was read at the commit to what is kept for it. */
  put(repositoryUrl: string, commit: string, files: CommitFiles): void {
    if (this.#maxCommits === 0) return;
    const key = cacheKey(repositoryUrl, commit);
    const entry: CommitFiles & { bytes: number } = this.#commits.get(key) ?? {
      files: new Map(),
      listedFolders: new Set(),
      bytes: 0,
    };
    this.#commits.delete(key);
    this.#bytes -= entry.bytes;
    for (const [filePath, file] of files.files) {
      if (file.kind !== 'unread' || !entry.files.has(filePath)) {
        entry.files.set(filePath, file);
      }
    }
    for (const folder of files.listedFolders) {
      entry.listedFolders.add(folder);
    }
    if (files.message !== undefined) entry.message = files.message;
    entry.bytes =
      [...entry.files.values()].reduce(
        (sum, file) => sum + (file.kind === 'file' ? file.text.length : 0),
        0,
      ) + (entry.message?.length ?? 0);
    if (entry.bytes > this.#maxBytes) return;
    this.#commits.set(key, entry);
    this.#bytes += entry.bytes;
    for (const [oldest, old] of this.#commits) {
      if (
        this.#commits.size <= this.#maxCommits &&
        this.#bytes <= this.#maxBytes
      ) {
        break;
      }
      this.#commits.delete(oldest);
      this.#bytes -= old.bytes;
    }
  }
}

/** The folder of a repository path: `.comet` for `.comet/x.yaml`, `` for `x.yaml`. */
export function folderOf(filePath: string): string {
  const slash = filePath.lastIndexOf('/');
  return slash < 0 ? '' : filePath.slice(0, slash);
}

function cacheKey(repositoryUrl: string, commit: string): string {
  return `${repositoryUrl}\n${commit}`;
}
