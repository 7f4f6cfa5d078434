export interface Config {
  /** Comet's pipeline engine. Every key is optional; the defaults suit one machine. */
  pipelines?: {
    /**
     * Where workspaces and artifacts are kept (local executor). Default: `.data/pipelines`
     * under the backend's working directory.
     */
    dataDir?: string;
    /** Jobs one backend replica runs at once. Default 4. */
    concurrency?: number;
    /** How long a claimed job stays claimed without a heartbeat. Default 30. */
    leaseSeconds?: number;
    /** How often a running job renews its lease (and notices a cancel). Default 5. */
    heartbeatSeconds?: number;
    /**
     * How long a user's read access to an entity's runs (the catalog lookup and the
     * pipelines.run.read decision) is reused before it is checked again. Writes are always
     * checked. 0 checks every request. Default 5.
     */
    readAccessCacheSeconds?: number;
    /**
     * How long a page of a run list may be served again without reading the database. This
     * replica's own changes to runs, jobs and steps drop it at once; another replica's show
     * within this time. 0 reads every time. Default 1.
     */
    runListCacheSeconds?: number;
    /** SIGTERM-to-SIGKILL delay for a cancelled or timed-out step. Default 10. */
    killGracePeriodSeconds?: number;
    /** On shutdown, how long running jobs may finish before they are cancelled. Default 20. */
    shutdownGraceSeconds?: number;
    /** Stored log bytes per run before the log is truncated. Default 52428800 (50 MB). */
    logLimitBytes?: number;
    /**
     * Repository URL prefixes that checkouts and pipeline-file reads fetch from somewhere else,
     * as git's `url.<to>.insteadOf <from>`: a mirror, or the example repositories when the portal
     * listens on another address than `http://localhost:7007`. Entities and run pages keep
     * showing the original URL.
     */
    gitUrlRewrites?: Array<{
      /** The prefix as `backstage.io/source-location` names it, e.g. `https://github.com/`. */
      from: string;
      /** What git fetches instead, e.g. `https://git-mirror.internal/github/`. */
      to: string;
    }>;
    worker?: {
      /** Set false for a replica that serves the API but runs no jobs. Default true. */
      enabled?: boolean;
    };
    github?: {
      /**
       * The secret of the GitHub webhook that posts to /api/pipelines/webhooks/github.
       * Unset: webhooks are refused with a message naming this key.
       * @visibility secret
       */
      webhookSecret?: string;
      /**
       * The largest webhook body read, in bytes; a longer one is refused with 413 before or
       * while it is read. Default 1048576 (1 MiB); GitHub's push payloads are far smaller.
       */
      webhookMaxBytes?: number;
    };
    /**
     * Secrets pipelines reference as `${{ secrets.NAME }}`; masked in every log.
     * @visibility secret
     */
    secrets?: { [name: string]: string };
  };
}
