/**
 * Where the pipelines plugin's extensions take contributions from other plugins: the ids of
 * its host extensions (`<kind>:pipelines/<name>`) and the names of their inputs. The
 * blueprints below attach here by default; a plugin that attaches elsewhere names one of these.
 */
export const pipelinesAttachPoints = {
  /** The CI/CD entity tab: its filter includes each attached provider's entities. */
  ciCdContentProviders: {
    id: 'entity-content:pipelines/ci-cd',
    input: 'providers',
  },
  /** The latest-runs card on the entity overview: the same filter as the tab. */
  latestRunsCardProviders: {
    id: 'entity-card:pipelines/latest-runs',
    input: 'providers',
  },
  /** Panels below the runs on the CI/CD entity tab. */
  ciCdContentPanels: { id: 'entity-content:pipelines/ci-cd', input: 'panels' },
  /** Buttons in the header of a run's page. */
  runPageActions: { id: 'page:pipelines', input: 'runActions' },
} as const;
