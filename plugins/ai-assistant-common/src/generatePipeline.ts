/** `POST /generate/pipeline` and the action `ai-assistant:generate-pipeline`: what to write. */
export type AiGeneratePipelineRequest = {
  /** What the pipeline should do, in the user's words. */
  description: string;
  /** The entity the pipeline is for, e.g. `component:default/payments-api`. */
  entityRef?: string;
  /** The file's path in the repository. Default `.comet/pipeline.yaml`. */
  path?: string;
  /** The file's current text, to modify rather than write from scratch. */
  currentContent?: string;
};

/** A problem the pipelines validator (`pipelines:validate-pipeline`) found, with where it is. */
export type AiGeneratedPipelineProblem = {
  message: string;
  /** The field, e.g. `jobs.build.needs`; empty for the whole file. */
  path: string;
  line?: number;
  column?: number;
};

/** A generated pipeline file: valid, or the last attempt with the problems that remain. */
export type AiGeneratedPipeline = {
  path: string;
  content: string;
  /** Whether `pipelines:validate-pipeline` accepted `content`. */
  valid: boolean;
  /** Model answers it took: 1 when the first was valid, at most 1 + `aiAssistant.generation.maxRepairs`. */
  attempts: number;
  /** What is still wrong with `content`; empty when valid. */
  problems: AiGeneratedPipelineProblem[];
  /** The model that wrote it. */
  model: string;
};
