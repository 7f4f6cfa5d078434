export interface Config {
  /**
   * Jenkins, for entities annotated with `jenkins.io/job-full-name: [instance:]folder/job[,…]`.
   * Off until `jenkins.instances` (or the single-instance shorthand `jenkins.baseUrl`,
   * `jenkins.username`, `jenkins.apiKey`) is set. The shorthand is the instance `default`.
   */
  jenkins?: {
    /** Shorthand for one instance named `default`: its base URL, e.g. https://jenkins.example.com */
    baseUrl?: string;
    /** Shorthand: the Jenkins user whose API token Comet uses. */
    username?: string;
    /**
     * Shorthand: the user's API token (Jenkins: your name → Security → API Token).
     * @visibility secret
     */
    apiKey?: string;
    /** Shorthand: at most this many jobs listed in a folder or multibranch project (default 50). */
    projectCountLimit?: number;
    /** Shorthand: entities may override the base URL (`jenkins.io/override-base-url`) with URLs matching this. */
    allowedBaseUrlOverrideRegex?: string;
    /**
     * Shorthand: headers sent with every request, e.g. for a proxy in front of Jenkins.
     * @deepVisibility secret
     */
    extraRequestHeaders?: { [name: string]: string };
    /** Shorthand: fetch a CSRF crumb before POSTs (default true). */
    crumbIssuer?: boolean;

    /** Jenkins instances; an annotation entry `legacy:folder/job` uses the one named `legacy`. */
    instances?: Array<{
      /** The instance name used in annotations; `default` for entries without `instance:`. */
      name: string;
      /** e.g. https://jenkins.example.com (a path prefix such as /jenkins is kept). */
      baseUrl: string;
      /** The Jenkins user whose API token Comet uses. */
      username: string;
      /**
       * The user's API token.
       * @visibility secret
       */
      apiKey: string;
      /** At most this many jobs listed in a folder or multibranch project (default 50). */
      projectCountLimit?: number;
      /** Entities may override the base URL (`jenkins.io/override-base-url`) with URLs matching this regex. */
      allowedBaseUrlOverrideRegex?: string;
      /**
       * Headers sent with every request to this instance.
       * @deepVisibility secret
       */
      extraRequestHeaders?: { [name: string]: string };
      /** Fetch a CSRF crumb before POSTs (default true). */
      crumbIssuer?: boolean;
    }>;

    /** Timeout of each call to Jenkins, in seconds (default 10). */
    requestTimeoutSeconds?: number;
    /**
     * Extra attempts of a read (GET) after a 429 or 5xx answer or no answer (default 2), with
     * backoff honouring Retry-After. POSTs (trigger, rebuild, abort, create job) are never
     * repeated: Jenkins may have acted on the first one.
     */
    maxRetries?: number;
    /**
     * The most console text one read of a build log returns, in bytes (default 1048576,
     * 1 MiB); the answer's `nextStart` resumes after it. The full download streams instead.
     */
    consoleChunkBytes?: number;
    /** How long Jenkins answers are reused by concurrent and repeated page views, in seconds (default 5; 0 turns caching off). */
    cacheTtlSeconds?: number;
  };
}
