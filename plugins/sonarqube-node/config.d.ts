export interface Config {
  /**
   * SonarQube (or SonarCloud) instances Comet reads quality data from. Off until configured:
   * the entity card and tab say which key to set. The single-instance shorthand (`baseUrl`,
   * `apiKey`, … directly under `sonarqube`) is an instance named `default`.
   */
  sonarqube?: {
    /** Shorthand for one instance: its Web API base URL, e.g. https://sonarqube.example.com */
    baseUrl?: string;
    /** Shorthand: the URL users open, when it differs from baseUrl. */
    externalBaseUrl?: string;
    /**
     * Shorthand: a user token (or global analysis token for the quality-gate step only).
     * @visibility secret
     */
    apiKey?: string;
    /** Shorthand: the SonarCloud organization. */
    organization?: string;
    /** Shorthand: how the token is sent: `Basic` (token as login, the default) or `Bearer`. */
    tokenKind?: 'Basic' | 'Bearer';
    /**
     * Shorthand: the secret of SonarQube's webhook, to verify X-Sonar-Webhook-HMAC-SHA256.
     * @visibility secret
     */
    webhookSecret?: string;
    /** Instances; the one named `default` (else the first) serves keys without `instance/`. */
    instances?: Array<{
      /** The name used in `sonarqube.org/project-key: <name>/<key>`. */
      name: string;
      /** The Web API base URL, e.g. https://sonarqube.example.com or https://sonarcloud.io */
      baseUrl: string;
      /** The URL users open, when it differs from baseUrl (links in the UI use it). */
      externalBaseUrl?: string;
      /**
       * A SonarQube token. A user token with Browse on the projects reads everything; a
       * project analysis token only its own project.
       * @visibility secret
       */
      apiKey: string;
      /** The SonarCloud organization (required by SonarCloud to create projects). */
      organization?: string;
      /** How the token is sent: `Basic` (token as login, the default) or `Bearer`. */
      tokenKind?: 'Basic' | 'Bearer';
      /**
       * The secret of this instance's webhook to /api/sonarqube/webhook?instance=<name>.
       * @visibility secret
       */
      webhookSecret?: string;
    }>;
    /** How long measures, gates and issue pages are cached, in seconds. Default 300. */
    cacheTtlSeconds?: number;
    /** Timeout of each SonarQube Web API call, in seconds. Default 10. */
    requestTimeoutSeconds?: number;
  };
}
