import { InputError, NotFoundError } from '@backstage/errors';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  gitEnvironment,
  gitSafetyArgs,
  isSafeGitRef,
  isSafeRepositoryUrl,
  GitRemote,
  GitRemotePolicy,
  redactCredentials,
  redactUrl,
  runGit,
} from '@internal/plugin-pipelines-node';
import {
  CachedPipelineFile,
  CommitFiles,
  PipelineFileCache,
  folderOf,
} from './PipelineFileCache';

/** The largest pipeline file read: 1 MiB. */
export const MAX_PIPELINE_FILE_BYTES = 1024 * 1024;

/** The folder whose YAML files are read together with any pipeline file of a commit. */
const PIPELINES_FOLDER = '.comet';
/** At most this many files are fetched together in one read. */
const MAX_FILES_PER_READ = 32;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const FULL_COMMIT = /^[0-9a-f]{40}$/;

export type PipelineFile = {
  text: string;
  /** The commit the file was read at. */
  commit: string;
  /** That commit's message (at most {@link MAX_COMMIT_MESSAGE_LENGTH} characters). */
  message?: string;
};

/** A file {@link GitPipelineSource.listFiles} found, with its text when it was read. */
export type ListedPipelineFile = { path: string; text?: string };

/** The pipeline files of one commit, by path. */
export type PipelineFileListing = {
  /** The commit listed. */
  commit: string;
  files: ListedPipelineFile[];
};

/** The longest commit message kept with a run. */
export const MAX_COMMIT_MESSAGE_LENGTH = 8192;

type TreeEntry = { type: string; oid: string; path: string };

/** The git commands of one read, in one throw-away repository with a private HOME. */
class GitSession {
  #dir = '';
  #env: Record<string, string> = {};

  constructor(
    private readonly remote: GitRemote,
    private readonly repositoryUrl: string,
    private readonly allowedProtocols: string,
    private readonly timeoutMs: number,
  ) {}

  async inTemporaryRepository<T>(work: () => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-pipeline-src-'));
    this.#dir = dir;
    this.#env = gitEnvironment({
      path: process.env.PATH ?? DEFAULT_PATH,
      home: dir,
      allowedProtocols: this.allowedProtocols,
    });
    try {
      await this.run(['init', '--quiet', '--bare']);
      return await work();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** The commit `ref` names on the remote, when `git ls-remote` finds it unambiguously. */
  async resolve(ref: string): Promise<string | undefined> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-ls-remote-'));
    try {
      const result = await runGit(
        ['ls-remote', '--quiet', '--', this.remote.fetchUrl, ref],
        {
          cwd: dir,
          env: gitEnvironment({
            path: process.env.PATH ?? DEFAULT_PATH,
            home: dir,
            allowedProtocols: this.allowedProtocols,
          }),
          timeoutMs: this.timeoutMs,
          globalArgs: gitSafetyArgs({ allowFile: this.remote.local }),
        },
      );
      if (result.failure) return undefined;
      const refs = new Map<string, string>();
      for (const line of result.stdout.split('\n')) {
        const [oid, name] = line.trim().split('\t');
        if (oid && name) refs.set(name, oid);
      }
      // git's own order for a short name (git help revisions), peeled for annotated tags
      for (const candidate of [
        ref,
        `refs/${ref}`,
        `refs/tags/${ref}`,
        `refs/heads/${ref}`,
        `refs/remotes/${ref}`,
        `refs/remotes/${ref}/HEAD`,
      ]) {
        const oid = refs.get(`${candidate}^{}`) ?? refs.get(candidate);
        if (oid && FULL_COMMIT.test(oid)) return oid;
      }
      return undefined;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async fetchCommit(ref: string): Promise<void> {
    const result = await this.#git([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-recurse-submodules',
      '--depth',
      '1',
      '--filter=blob:none',
      '--',
      this.remote.fetchUrl,
      ref,
    ]);
    if (result.failure) {
      const reason = redactCredentials(
        redactCredentials(result.failure, this.remote.fetchUrl),
        this.repositoryUrl,
      )
        .split('\n')
        .slice(-3)
        .join(' ');
      throw new InputError(
        `Cannot fetch ${ref} from ${this.remote.shownUrl}: ${reason}`,
      );
    }
  }

  /** The contents of many files in one request; a server without filters sent them already. */
  async fetchBlobs(oids: string[]): Promise<void> {
    if (oids.length < 2) return; // one is fetched on demand by `cat-file`
    // Best effort: what this misses, `cat-file` fetches one by one
    await this.#git([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      '--filter=blob:none',
      '--',
      this.remote.fetchUrl,
      ...oids,
    ]);
  }

  /** The entries of a folder at FETCH_HEAD, or undefined when there is no such folder. */
  async list(folder: string): Promise<TreeEntry[] | undefined> {
    const spec = folder === '' ? 'FETCH_HEAD' : `FETCH_HEAD:${folder}`;
    const result = await this.#git(['ls-tree', '-z', spec]);
    if (result.failure) return undefined;
    return result.stdout
      .split('\0')
      .filter(Boolean)
      .map(line => {
        const [meta, name] = line.split('\t');
        const [, type, oid] = meta.split(' ');
        return { type, oid, path: folder ? `${folder}/${name}` : name };
      });
  }

  /** Runs a git command that must succeed; its output (trimmed unless `trim` is false). */
  async run(args: string[], trim = true): Promise<string> {
    const result = await this.#git(args);
    if (result.failure) {
      throw new Error(
        `git ${args[0]} failed while reading from ${
          this.remote.shownUrl
        }: ${redactCredentials(result.failure, this.remote.fetchUrl)}`,
      );
    }
    return trim ? result.stdout.trim() : result.stdout;
  }

  #git(args: string[]) {
    return runGit(args, {
      cwd: this.#dir,
      env: this.#env,
      timeoutMs: this.timeoutMs,
      globalArgs: gitSafetyArgs({ allowFile: this.remote.local }),
    });
  }
}

/**
 * Reads pipeline files straight from an entity's git repository at a branch or commit.
 *
 * A read fetches one commit without file contents (`--depth 1 --filter=blob:none`, where the
 * server supports it) into a throw-away folder, then only the YAML files of the file's folder
 * and of `.comet/` in one more request. What was read is kept per repository and commit
 * ({@link PipelineFileCache}): the same commit is fetched once, and a branch already seen is
 * resolved with `git ls-remote` before anything is fetched. Git runs as in checkouts (see
 * src/git/gitEnvironment.ts), and only repositories the {@link GitRemotePolicy} allows.
 */
export class GitPipelineSource {
  static create(options?: {
    timeoutMs?: number;
    /** Which repositories may be read; see `pipelines.git.allowedHosts`. Default: none. */
    remotePolicy?: GitRemotePolicy;
    /** Commits whose pipeline files are kept. Default 200; 0 keeps none. */
    cacheCommits?: number;
    /** Bytes of pipeline-file text kept. Default 32 MiB. */
    cacheBytes?: number;
  }) {
    return new GitPipelineSource(
      options?.timeoutMs ?? 60_000,
      options?.remotePolicy ?? GitRemotePolicy.create(),
      new PipelineFileCache({
        maxCommits: options?.cacheCommits ?? 200,
        maxBytes: options?.cacheBytes ?? 32 * 1024 * 1024,
      }),
    );
  }

  /** Reads in progress, by repository and ref: a second read of the same ref waits for it. */
  readonly #inFlight = new Map<
    string,
    Promise<{ commit: string; files: CommitFiles }>
  >();

  private constructor(
    private readonly timeoutMs: number,
    private readonly remotePolicy: GitRemotePolicy,
    private readonly cache: PipelineFileCache,
  ) {}

  async readFile(options: {
    repositoryUrl: string;
    ref?: string;
    filePath: string;
  }): Promise<PipelineFile> {
    const { filePath } = options;
    const ref = options.ref ?? 'HEAD';
    const { remote, git } = this.#open(options.repositoryUrl, ref);
    if (
      path.isAbsolute(filePath) ||
      filePath.split('/').includes('..') ||
      /[\0\n]/.test(filePath)
    ) {
      throw new InputError(
        `Pipeline path "${filePath}" must be relative to the repository and must not contain ".."`,
      );
    }

    // A commit is read at most once: a full commit id needs no network, a branch seen before
    // only `git ls-remote`
    let commit = FULL_COMMIT.test(ref) ? ref : undefined;
    if (!commit && this.cache.hasRepository(remote.fetchUrl)) {
      commit = await git.resolve(ref);
    }
    if (commit) {
      const cached = this.cache.get(remote.fetchUrl, commit, filePath);
      if (cached) {
        return this.#result(cached, remote, ref, commit, filePath);
      }
    }

    const key = `${remote.fetchUrl}\n${ref}`;
    const previous = this.#inFlight.get(key);
    if (previous) {
      // The same ref is being read: its commit's files are kept when it is done
      const done = await previous.catch(() => undefined);
      const cached =
        done && this.cache.get(remote.fetchUrl, done.commit, filePath);
      if (done && cached) {
        return this.#result(cached, remote, ref, done.commit, filePath);
      }
    }
    const reading = this.#fetchAndRead(
      git,
      ref,
      [folderOf(filePath), PIPELINES_FOLDER],
      [filePath],
    );
    this.#inFlight.set(key, reading);
    try {
      const read = await reading;
      this.cache.put(remote.fetchUrl, read.commit, read.files);
      const file = read.files.files.get(filePath);
      if (!file || file.kind === 'unread') {
        return this.#result(
          { kind: 'missing' },
          remote,
          ref,
          read.commit,
          filePath,
        );
      }
      return this.#result(
        file,
        remote,
        ref,
        read.commit,
        filePath,
        read.files.message,
      );
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /**
   * The pipeline files of a commit: the YAML files (`.yaml`, `.yml`) directly in `.comet/`, and
   * each of `paths` (the files an entity declares, wherever they are) that exists as a file.
   * Sorted by path. Read like {@link readFile}: one fetch without file contents, the listed
   * folders' YAML files in one more request, all of it kept in the cache, which a later read of
   * the same commit (a listing or a file) is answered from.
   */
  async listFiles(options: {
    repositoryUrl: string;
    ref?: string;
    /** Declared pipeline paths; one the engine could not read (`./x`, `a/../b`) is left out. */
    paths?: string[];
  }): Promise<PipelineFileListing> {
    const ref = options.ref ?? 'HEAD';
    const { remote, git } = this.#open(options.repositoryUrl, ref);
    const declared = new Set((options.paths ?? []).filter(isPlainPath));
    const folders = [
      ...new Set([PIPELINES_FOLDER, ...[...declared].map(folderOf)]),
    ];
    const fromCache = (commit: string) => {
      const listings = folders.map(folder =>
        this.cache.listing(remote.fetchUrl, commit, folder),
      );
      if (listings.some(listing => listing === undefined)) return undefined;
      return pipelineFilesOf(
        listings.flatMap(listing => [...listing!]),
        declared,
      );
    };

    let commit = FULL_COMMIT.test(ref) ? ref : undefined;
    if (!commit && this.cache.hasRepository(remote.fetchUrl)) {
      commit = await git.resolve(ref);
    }
    const cached = commit && fromCache(commit);
    if (commit && cached) return { commit, files: cached };

    const key = `${remote.fetchUrl}\n${ref}`;
    const previous = this.#inFlight.get(key);
    if (previous) {
      const done = await previous.catch(() => undefined);
      const files = done && fromCache(done.commit);
      if (done && files) return { commit: done.commit, files };
    }
    const reading = this.#fetchAndRead(git, ref, folders, [...declared]);
    this.#inFlight.set(key, reading);
    try {
      const read = await reading;
      this.cache.put(remote.fetchUrl, read.commit, read.files);
      return {
        commit: read.commit,
        files: pipelineFilesOf([...read.files.files], declared),
      };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** The remote and a git session for it, once the URL and the ref are safe to give git. */
  #open(repositoryUrl: string, ref: string) {
    // Both reach git as arguments: neither may look like an option (--upload-pack=… runs a
    // command), and the ref is one word.
    if (!isSafeGitRef(ref)) {
      throw new InputError(`Invalid git ref ${JSON.stringify(ref)}`);
    }
    if (!isSafeRepositoryUrl(repositoryUrl)) {
      throw new InputError(
        `Invalid repository URL ${JSON.stringify(redactUrl(repositoryUrl))}`,
      );
    }
    const remote = this.remotePolicy.resolve(repositoryUrl);
    const git = new GitSession(
      remote,
      repositoryUrl,
      this.remotePolicy.allowedProtocols,
      this.timeoutMs,
    );
    return { remote, git };
  }

  #result(
    file: CachedPipelineFile,
    remote: GitRemote,
    ref: string,
    commit: string,
    filePath: string,
    readMessage?: string,
  ): PipelineFile {
    const where = `in ${remote.shownUrl} at ${ref} (${commit.slice(0, 12)})`;
    switch (file.kind) {
      case 'file': {
        const message =
          readMessage ?? this.cache.message(remote.fetchUrl, commit);
        return {
          text: file.text,
          commit,
          ...(message !== undefined ? { message } : {}),
        };
      }
      case 'tooLarge':
        // Said as such: git's output over the limit used to fail like a missing file
        throw new InputError(
          `Pipeline file ${filePath} ${where} is too large (${file.size} bytes, limit 1 MiB)`,
        );
      case 'folder':
        throw new InputError(
          `Pipeline file ${filePath} ${where} is a folder, not a file`,
        );
      default:
        throw new NotFoundError(
          `Pipeline file ${filePath} does not exist ${where}`,
        );
    }
  }

  /**
   * Fetches the commit without file contents, lists `folders` (the file's and `.comet/`), and
   * reads the files of `mustRead` and the YAML files next to them, with their contents fetched
   * in one request.
   */
  async #fetchAndRead(
    git: GitSession,
    ref: string,
    folders: string[],
    mustRead: string[],
  ): Promise<{ commit: string; files: CommitFiles }> {
    return git.inTemporaryRepository(async () => {
      await git.fetchCommit(ref);
      const commit = await git.run(['rev-parse', 'FETCH_HEAD']);
      // The commit object is fetched (only blobs are filtered out): its message costs no request
      const message = (
        await git.run(['show', '-s', '--format=%B', commit]).catch(() => '')
      ).slice(0, MAX_COMMIT_MESSAGE_LENGTH);
      const files: CommitFiles = {
        files: new Map(),
        listedFolders: new Set(),
        ...(message ? { message } : {}),
      };
      const wanted: Array<{ path: string; oid: string }> = [];
      for (const folder of new Set(folders)) {
        const listing = await git.list(folder);
        if (listing === undefined) {
          // No such folder: nothing in it exists
          files.listedFolders.add(folder);
          continue;
        }
        files.listedFolders.add(folder);
        for (const entry of listing) {
          if (entry.type !== 'blob') {
            files.files.set(entry.path, { kind: 'folder' });
            continue;
          }
          // Listed but maybe not read: it exists, so it is not "missing" in the cache
          files.files.set(entry.path, { kind: 'unread' });
          if (
            mustRead.includes(entry.path) ||
            (/\.ya?ml$/i.test(entry.path) &&
              wanted.length < MAX_FILES_PER_READ &&
              !wanted.some(w => w.path === entry.path))
          ) {
            wanted.push({ path: entry.path, oid: entry.oid });
          }
        }
      }
      await git.fetchBlobs(wanted.map(w => w.oid));
      for (const { path: wantedPath, oid } of wanted) {
        const size = Number(await git.run(['cat-file', '-s', oid]));
        if (size > MAX_PIPELINE_FILE_BYTES) {
          files.files.set(wantedPath, { kind: 'tooLarge', size });
        } else {
          const text = await git.run(['cat-file', 'blob', oid], false);
          files.files.set(wantedPath, { kind: 'file', text });
        }
      }
      return { commit, files };
    });
  }
}

/** A path as the engine reads it: relative, no empty, `.` or `..` segment, no control character. */
function isPlainPath(filePath: string): boolean {
  return (
    filePath !== '' &&
    ![...filePath].some(char => char.charCodeAt(0) < 0x20) &&
    filePath
      .split('/')
      .every(segment => segment !== '' && segment !== '.' && segment !== '..')
  );
}

/** The pipeline files among a commit's listed entries (see {@link GitPipelineSource.listFiles}). */
function pipelineFilesOf(
  entries: Array<[string, CachedPipelineFile]>,
  declared: Set<string>,
): ListedPipelineFile[] {
  const files = new Map<string, ListedPipelineFile>();
  for (const [filePath, file] of entries) {
    if (file.kind === 'folder' || file.kind === 'missing') continue;
    const inPipelinesFolder =
      folderOf(filePath) === PIPELINES_FOLDER && /\.ya?ml$/i.test(filePath);
    if (!inPipelinesFolder && !declared.has(filePath)) continue;
    files.set(filePath, {
      path: filePath,
      ...(file.kind === 'file' ? { text: file.text } : {}),
    });
  }
  // By code point, as git lists them (not by locale)
  return [...files.values()].sort(
    (a, b) => Number(a.path > b.path) - Number(a.path < b.path),
  );
}
