import type { ComponentType } from 'react';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import { pipelinesAttachPoints } from './attachPoints';

/** One pipeline file of the entity, as the editor holds it. */
export type PipelineEditorFile = {
  /** The path in the repository, as the entity's `comet.dev/pipelines` annotation names it. */
  path: string;
  /** The text in the editor now. */
  content: string;
  /**
   * The text on the repository's default branch when the editor opened; undefined when the
   * editor could not read it (a file the repository does not have yet, or a read that failed).
   */
  savedContent?: string;
  /** Whether `content` differs from `savedContent` (always true without `savedContent`). */
  changed: boolean;
  /** Whether the editor's own check finds no problem in `content`. */
  valid: boolean;
};

/** What a pipeline-editor action is given, kept current as the user types. */
export type EditorActionProps = {
  /** The entity whose pipelines are edited, e.g. `component:default/payments-api`. */
  entityRef: string;
  /** Every pipeline file of the entity the editor knows, the one on screen first. */
  files: PipelineEditorFile[];
  /**
   * The user's `pipelines.run.create` on the entity: undefined while the editor asks, then
   * whether it is allowed. An action that writes on the user's behalf checks its own
   * permission too; this one only says whether the user may change the pipelines at all.
   */
  canCreateRuns?: boolean;
  /**
   * Puts text in the editor as an unsaved change: the file's text is replaced (a path the
   * editor does not hold yet is added to its files) and shown, so the user reviews it and then
   * saves, copies or proposes it as usual. Nothing is written anywhere.
   */
  openInEditor(file: EditorFileText): void;
};

/** A file's path and the text to put in the editor for it. */
export type EditorFileText = {
  /** The path in the repository, e.g. `.comet/pipeline.yaml`. */
  path: string;
  /** The whole text of the file. */
  content: string;
};

/** A pipeline-editor action: its component is loaded when the editor first renders it. */
export type EditorAction = {
  loader: () => Promise<ComponentType<EditorActionProps>>;
};

export const editorActionDataRef = createExtensionDataRef<EditorAction>().with({
  id: 'pipelines.editor-action',
});

/**
 * A button (with its dialog) in the pipeline editor's toolbar beside Copy and Download, shown
 * when the editor is opened for an entity, e.g. "Propose as pull request". The component is
 * loaded lazily, so other plugins' actions do not grow the app's start-up scripts.
 */
export const EditorActionBlueprint = createExtensionBlueprint({
  kind: 'pipeline-editor-action',
  attachTo: pipelinesAttachPoints.editorActions,
  output: [editorActionDataRef],
  dataRefs: { action: editorActionDataRef },
  *factory(params: EditorAction) {
    yield editorActionDataRef(params);
  },
});
