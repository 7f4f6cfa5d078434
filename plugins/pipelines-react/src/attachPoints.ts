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
  /** Buttons in the pipeline editor's toolbar, when it edits an entity's pipelines. */
  editorActions: { id: 'page:pipelines', input: 'editorActions' },
  /** Buttons in the rows of the CI/CD tab's run list, for one provider's runs. */
  ciCdRunActions: { id: 'entity-content:pipelines/ci-cd', input: 'runActions' },
} as const;
