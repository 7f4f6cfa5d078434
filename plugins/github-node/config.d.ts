export interface Config {
  /**
   * Comet's GitHub family. Credentials and hosts are not here: they come from Backstage's own
   * `integrations.github` (a `token`, or `apps` for a GitHub App; `apiBaseUrl` for GitHub
   * Enterprise Server), so the catalog, the scaffolder and Comet share one configuration.
   */
  github?: {
    cache?: {
      /**
       * How long a GET answer is reused without asking GitHub, in seconds. Default 60. After
       * that it is revalidated with `If-None-Match` (a 304 costs no rate limit). 0 always
       * revalidates.
       */
      ttlSeconds?: number;
      /**
       * About how much memory cached answers may take, in MiB (their JSON's size); the least
       * recently stored go first. Default 64.
       */
      maxMegabytes?: number;
    };
    /** Timeout of each GitHub REST call, in milliseconds. Default 10000. */
    requestTimeoutMs?: number;
  };
}
