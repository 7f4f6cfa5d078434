export interface Config {
  comet?: {
    /**
     * The catalog processor that checks Comet's annotations (`jenkins.io/job-full-name`,
     * `sonarqube.org/project-key`, `jira/*`, `github.com/project-slug`, `comet.dev/*`) and
     * reports each problem on the entity's status (the entity page's processing-errors panel),
     * keeping the entity in the catalog.
     */
    annotationValidation?: {
      /** Off: the processor is not added. Default true. */
      enabled?: boolean;
    };
  };
}
