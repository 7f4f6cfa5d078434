import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EditorActionBlueprint } from '@internal/plugin-pipelines-react';
import {
  PipelineGenerationClient,
  pipelineGenerationApiRef,
} from './pipelineApi';

/** The client of `/api/ai-assistant/generate/pipeline`. */
export const pipelineGenerationApi = ApiBlueprint.make({
  name: 'pipeline-generation',
  params: defineParams =>
    defineParams({
      api: pipelineGenerationApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PipelineGenerationClient({ discoveryApi, fetchApi }),
    }),
});

/** "Generate with AI" in the pipeline editor's toolbar; its dialog loads lazily. */
export const generatePipelineEditorAction = EditorActionBlueprint.make({
  name: 'generate-pipeline',
  params: {
    loader: () =>
      import('./GeneratePipelineAction').then(m => m.GeneratePipelineAction),
  },
});

/** Every extension of pipeline generation, for the plugin's `extensions`. */
export const pipelineGenerationExtensions = [
  pipelineGenerationApi,
  generatePipelineEditorAction,
];
