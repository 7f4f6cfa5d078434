export interface Config {
  /** Backstage's permission framework; `comet` is Comet's policy (docs/security.md). */
  permission?: {
    /** Comet's permission policy and permissions service. */
    comet?: {
      /**
       * Users and groups allowed everything, as entity refs (`user:default/ada`,
       * `group:default/platform-team`); a user is an administrator when its ref or one of its
       * groups is listed. Default: none.
       */
      admins?: string[];
      /**
       * Permission names granted to a static-token service principal (a subject of
       * `backend.auth.externalAccess`), beyond the read permissions every such token has, e.g.
       * `release-bot: [pipelines.run.create]`. Backend plugins (`plugin:<id>`) are not listed.
       */
      services?: { [subject: string]: string[] };
    };
  };
  /** Comet's own settings. */
  comet?: {
    /**
     * OpenTelemetry metrics in Prometheus's format at `GET /metrics` on their own port
     * (docs/operations.md lists every metric). On by default.
     */
    metrics?: {
      /** Serve metrics. Default true. */
      enabled?: boolean;
      /**
       * The port of the metrics endpoint. Default 9464, the exporter's registered port.
       * `COMET_METRICS_PORT` overrides it, e.g. for two replicas on one machine. A port in use
       * turns metrics off with a warning; the portal still starts.
       */
      port?: number;
      /**
       * The interface to bind. Default: the backend's own `backend.listen.host` (loopback in
       * the embedded defaults, every interface in production).
       */
      host?: string;
    };
    /**
     * Local fakes of external APIs served at /api/fakes/<name>, for demos and tests only: each
     * is loaded only when on, and the backend refuses to start with one on when
     * NODE_ENV=production.
     */
    fakes?: {
      /** Serve a fake Jenkins at /api/fakes/jenkins. Default false. */
      jenkins?: boolean;
      /** Serve a fake SonarQube at /api/fakes/sonarqube. Default false. */
      sonarqube?: boolean;
      /** The Jira fake (Cloud REST v3 and Agile) at /api/fakes/jira, with the example projects. */
      jira?: boolean;
      /**
       * The GitHub REST fake at /api/fakes/github, with the example catalog's repositories
       * (point `integrations.github[].apiBaseUrl` at it).
       */
      github?: boolean;
      /**
       * An OpenAI-compatible API (Chat Completions with streaming and tool calls) at
       * /api/fakes/openai in demo mode, with its published demo key (point
       * `aiAssistant.provider.baseUrl` at it).
       */
      openai?: boolean;
    };
    /**
     * Serves example projects as read-only git repositories at /api/example-repos/<name>.git.
     */
    exampleRepos?: {
      /**
       * A folder whose sub-folders each become a repository (relative to the backend's
       * working directory). Unset: the example repositories are off.
       */
      sourceDir?: string;
      /**
       * Where the bare repositories are kept. Default: `.data/git` beside the examples.
       */
      targetDir?: string;
    };
  };
}
