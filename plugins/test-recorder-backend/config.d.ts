export interface Config {
  /**
   * Comet's test recorder: browser tests recorded in the portal and run with traces, video and
   * screenshots. The browser runs in the pipelines sandbox (`pipelines.sandbox.*`), so it needs
   * bubblewrap and Debian's Chromium; video needs ffmpeg. See docs/test-recorder.md.
   */
  testRecorder?: {
    /** Where artifacts, the generated secrets key and work folders live. Default `./.data/test-recorder`. */
    dataDir?: string;
    /**
     * Origins (besides loopback, where a suite's web server listens) that recordings and runs
     * may open, e.g. `https://staging.shop.example.com`. The sandbox's egress proxy lets the
     * browser reach only these.
     */
    allowedOrigins?: string[];
    /** The attribute `getByTestId` reads and the recorder prefers. Default `data-testid`. */
    testIdAttribute?: string;
    /** Suite runs at once across all instances. Default 2. */
    maxConcurrentRuns?: number;
    /** A run still going after this many minutes is failed. Default 30. */
    runTimeoutMinutes?: number;
    /** How long one step may wait for its element. Default 15000. */
    stepTimeoutMs?: number;
    /** Run artifacts (traces, videos, screenshots) older than this are deleted. Default 30. */
    retentionDays?: number;
    /** Chromium's binary. Default: Debian's `/usr/lib/chromium/chromium`. */
    chromiumPath?: string;
    /** ffmpeg's binary, for run videos. Default: `ffmpeg` on the PATH; without it runs have no video. */
    ffmpegPath?: string;
    /**
     * The key suite secrets are encrypted with (any string; its SHA-256 is the key). Without it
     * a random key is kept in `dataDir`; set it when several instances share the database.
     * @visibility secret
     */
    secretsKey?: string;
    /** Whether this instance runs queued suites. Default true. */
    worker?: {
      enabled?: boolean;
    };
    /**
     * Suite files (JSON, with their `entityRef`) loaded at start-up when no suite of that name
     * exists; suites edited in the portal are never overwritten.
     */
    seedSuites?: string[];
    /** Secrets of a suite taken from config, never stored; a stored secret of the same name wins. */
    suites?: {
      [suiteName: string]: {
        /**
         * Secret values by name (upper case), e.g. `ACCOUNT_PASSWORD: ${SHOP_PASSWORD}`.
         * @visibility secret
         */
        secrets?: { [name: string]: string };
      };
    };
    /** Live recording sessions. */
    recording?: {
      /** Open sessions per user. Default 2. */
      maxPerUser?: number;
      /** Open sessions per backend instance. Default 6. */
      maxTotal?: number;
      /** A session without input for this many minutes is closed. Default 10. */
      idleTimeoutMinutes?: number;
    };
  };
}
