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
    /**
     * How long a job may run. A job's own `timeout` above `maxMinutes` makes the pipeline file
     * invalid (a validation issue); a job without one gets `defaultMinutes`. A job that runs out
     * of time is stopped and fails as timed out.
     */
    jobTimeout?: {
      /** The timeout of jobs whose pipeline file sets none. Default 60. */
      defaultMinutes?: number;
      /** The longest `timeout` a job may ask for. Default 360 (or defaultMinutes if higher). */
      maxMinutes?: number;
    };
    /**
     * Caps on what one user or one entity may keep busy. A request over a cap is refused with
     * 429 and a message naming the cap; a push webhook or a schedule over the entity's cap is
     * skipped (logged, and for a webhook recorded as a failed run that says why).
     */
    limits?: {
      /** Runs queued, running or waiting for approval that one user started. Default 20. */
      maxActiveRunsPerUser?: number;
      /** Runs queued, running or waiting for approval of one entity, however started. Default 50. */
      maxActiveRunsPerEntity?: number;
      /** Live log streams open on one backend replica. Default 200. */
      maxLiveStreams?: number;
      /** Live log streams one user may have open on one backend replica. Default 10. */
      maxLiveStreamsPerUser?: number;
      /**
       * How long a live-log reader whose connection stopped taking data keeps it before it is
       * closed (it resumes from its last line when it reconnects). Default 30.
       */
      slowReaderSeconds?: number;
    };
    /**
     * How long finished runs, their logs and their artifacts are kept. A sweep (one replica at
     * a time, every `sweepIntervalMinutes`) deletes what is older; runs still queued, running or
     * waiting, and the newest run of each pipeline, are never deleted. 0 keeps that kind forever.
     */
    retention?: {
      /** Finished runs older than this many days are deleted with everything stored for them. Default 180. */
      runDays?: number;
      /** Only the newest runs of each pipeline of each entity are kept. Default 1000. */
      maxRunsPerPipeline?: number;
      /** The logs of runs finished longer ago than this many days are deleted. Default 90. */
      logDays?: number;
      /** The artifacts of runs finished longer ago than this many days are deleted. Default 30. */
      artifactDays?: number;
      /** How often the sweep runs. Default 60. */
      sweepIntervalMinutes?: number;
    };
    /**
     * Who decides the approval gates that name an environment (`approval.environment` in a
     * pipeline file), per environment name. Approvers are user or group refs
     * (`user:<ns>/<name>`, `group:<ns>/<name>`); a user matches a group through their sign-in
     * ownership refs or the catalog's membership. A pipeline file's own `approvers` can only
     * narrow this list. A gate that names an environment missing here cannot be decided, and
     * its file fails validation; a gate without an environment is decided by the members of
     * the entity's owner group. Nobody decides a gate of a run they triggered.
     */
    environments?: {
      [environment: string]: {
        /** At least one user or group ref. */
        approvers: string[];
      };
    };
    /** How checkouts and pipeline-file reads reach git hosts (docs/security.md, "Git"). */
    git?: {
      /**
       * The hosts checkouts and pipeline-file reads may fetch from, as `host[:port]`
       * (`github.com`, `git.internal:8443`, `10.0.0.5:3000`); a host without a port allows
       * port 443 for https and 80 for http only. Checked after `gitUrlRewrites`, so a rewrite
       * target must be allowed. Only http and https: no `file://`, local paths, ssh or
       * `ext::`. The portal's own example repositories (`<backend.baseUrl>/api/example-repos/`)
       * are allowed without an entry. Default: none besides those.
       */
      allowedHosts?: string[];
      /**
       * Commits whose pipeline files (the YAML files of `.comet/` and of the folder read) are
       * kept in memory, so the same commit is fetched once. 0 keeps none. Default 200.
       */
      pipelineFileCacheCommits?: number;
    };
    worker?: {
      /** Set false for a replica that serves the API but runs no jobs. Default true. */
      enabled?: boolean;
    };
    localExecutor?: {
      /**
       * Run steps as plain child processes of the backend where the step sandbox is
       * unavailable (no bubblewrap): they then run as the backend's user and can read its
       * config, data and environment and reach every service it can. Without this key the
       * backend refuses to start without the sandbox. Never in production. Default false.
       */
      unsandboxed?: boolean;
    };
    /** The step sandbox (bubblewrap) of the local executor; see docs/security.md. */
    sandbox?: {
      /**
       * Hosts steps may reach, through Comet's egress proxy (HTTP_PROXY/HTTPS_PROXY are set
       * in the step): `host[:port]` or `*.domain[:port]`; without a port, 80 and 443. A name
       * (or IP) that is a loopback, private, link-local or metadata address is refused, except
       * `host.comet.internal:PORT`, the backend host's 127.0.0.1:PORT for demos (refused in
       * production). Default: none, steps have no network.
       */
      allowedEgress?: string[];
      /** Writable memory of each step process (RLIMIT_DATA), in MiB. Default 4096. */
      maxMemoryMb?: number;
      /** Processes of a step (RLIMIT_NPROC), when the backend runs as root. Default 512. */
      maxProcesses?: number;
      /** Size of a step's private /tmp (tmpfs, counts as memory), in MiB. Default 1024. */
      maxTmpMb?: number;
      /**
       * The workspace and HOME of a step together (checked every 5 s; also the largest file),
       * in MiB; a step over it is stopped. Default 10240.
       */
      maxWorkspaceMb?: number;
      /** More read-only mounts: toolchains outside /usr (the backend's Node is always there). */
      readOnlyPaths?: string[];
      /** When the backend runs as root, steps run as uids uidBase.. Default 61000. */
      uidBase?: number;
      /** How many sandbox uids (concurrent sandboxes) there are. Default 64. */
      uidCount?: number;
      /** Where bwrap is. Default: `bwrap` on the backend's PATH. */
      bwrapPath?: string;
    };
    github?: {
      /**
       * The secret of the GitHub webhook that posts to /api/pipelines/webhooks/github, for
       * every repository without its own under `repositories`.
       * Unset (and no repository secret): webhooks are refused with a message naming this key.
       * @visibility secret
       */
      webhookSecret?: string;
      /**
       * Per repository (`owner/repo`, case-insensitive), the secret(s) of its webhook; a list
       * while one is rotated. A delivery naming a repository listed here is verified only
       * with its secrets, never with `webhookSecret`.
       * @deepVisibility secret
       */
      repositories?: {
        [repository: string]: {
          /** @visibility secret */
          webhookSecret: string | string[];
        };
      };
      /**
       * The largest webhook body read, in bytes; a longer one is refused with 413 before or
       * while it is read. Default 1048576 (1 MiB); GitHub's push payloads are far smaller.
       */
      webhookMaxBytes?: number;
    };
    /**
     * Secrets pipelines reference as `${{ secrets.NAME }}`; masked in every log. A job gets
     * only the secrets it references whose scope allows the run's entity and the
     * environments of the gates approved before the job; a run of a fork's pull request gets
     * none. A plain string is a secret for every entity, refused at start-up when
     * NODE_ENV=production.
     * @deepVisibility secret
     */
    secrets?: {
      [name: string]:
        | string
        | {
            /** The value. */
            value: string;
            /** Group refs (`payments` is `group:default/payments`): for the entities they own. */
            owners?: string[];
            /** Entity refs (`component:default/ledger`): for these entities. */
            entities?: string[];
            /** Environment names: only for jobs after an approved gate of one of them. */
            environments?: string[];
          };
    };
  };
}
