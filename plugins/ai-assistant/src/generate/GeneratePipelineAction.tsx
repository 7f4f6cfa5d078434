import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  aiAssistantChatUsePermission,
  type AiGeneratedPipeline,
} from '@internal/plugin-ai-assistant-common';
import type {
  EditorActionProps,
  PipelineEditorFile,
} from '@internal/plugin-pipelines-react';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormLabel,
  LinearProgress,
  Radio,
  RadioGroup,
  TextField,
  Typography,
} from '@material-ui/core';
import AutorenewIcon from '@material-ui/icons/Autorenew';
import { Alert, AlertTitle } from '@material-ui/lab';
import { type FormEvent, useCallback, useId, useRef, useState } from 'react';
import { pipelineGenerationApiRef } from './pipelineApi';

/** Where a new pipeline goes: the first of these the entity does not have yet. */
export function newPipelinePath(files: readonly PipelineEditorFile[]): string {
  const taken = new Set(files.map(f => f.path));
  if (!taken.has('.comet/pipeline.yaml')) return '.comet/pipeline.yaml';
  for (let n = 1; ; n++) {
    const path = `.comet/generated${n === 1 ? '' : `-${n}`}.yaml`;
    if (!taken.has(path)) return path;
  }
}

const PATH_PATTERN =
  /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]+\.ya?ml$/;

type Mode = 'modify' | 'new';

type State =
  | { kind: 'form' }
  | { kind: 'generating' }
  | { kind: 'done'; result: AiGeneratedPipeline }
  | { kind: 'failed'; message: string };

function ProblemList(props: { result: AiGeneratedPipeline }) {
  const { result } = props;
  return (
    <ul aria-label="Remaining problems">
      {result.problems.map((problem, index) => (
        <li key={index}>
          <code>
            {result.path}
            {problem.line !== undefined ? `:${problem.line}` : ''}
            {problem.column !== undefined ? `:${problem.column}` : ''}
          </code>
          : {problem.message}
          {problem.path ? ` (at ${problem.path})` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The dialog: a description, modify or new, then the result to open in the editor. */
export function GeneratePipelineDialog(props: {
  entityRef: string;
  files: PipelineEditorFile[];
  openInEditor: EditorActionProps['openInEditor'];
  onClose(): void;
}) {
  const { entityRef, files, openInEditor, onClose } = props;
  const api = useApi(pipelineGenerationApiRef);
  const titleId = useId();
  const current = files[0];
  const [mode, setMode] = useState<Mode>(current ? 'modify' : 'new');
  const [description, setDescription] = useState('');
  const [newPath, setNewPath] = useState(() => newPipelinePath(files));
  const [state, setState] = useState<State>({ kind: 'form' });
  const [touched, setTouched] = useState(false);
  // A generation still going when the dialog closes, or started again, is dropped
  const latest = useRef(0);
  // The description takes the focus when the dialog opens and when the form comes back (the
  // dialog mounts its content after its own first render, so a ref read in an effect is empty)
  const focusDescription = useCallback((input: HTMLElement | null) => {
    input?.focus();
  }, []);

  const path = mode === 'modify' && current ? current.path : newPath.trim();
  const descriptionError =
    touched && !description.trim() ? 'Say what the pipeline should do' : '';
  const pathError =
    mode === 'new' && !PATH_PATTERN.test(newPath.trim())
      ? 'A relative path in the repository ending in .yaml or .yml, e.g. .comet/pipeline.yaml'
      : '';

  const generate = async (event?: FormEvent) => {
    event?.preventDefault();
    setTouched(true);
    if (!description.trim() || pathError) return;
    const call = ++latest.current;
    setState({ kind: 'generating' });
    try {
      const result = await api.generatePipeline({
        description: description.trim(),
        entityRef,
        path,
        ...(mode === 'modify' && current
          ? { currentContent: current.content }
          : {}),
      });
      if (call === latest.current) setState({ kind: 'done', result });
    } catch (error) {
      if (call === latest.current) {
        setState({
          kind: 'failed',
          message: (error as Error)?.message ?? String(error),
        });
      }
    }
  };

  const close = () => {
    latest.current += 1;
    onClose();
  };

  const generating = state.kind === 'generating';
  const result = state.kind === 'done' ? state.result : undefined;

  return (
    <Dialog
      open
      // The description takes the focus itself (below), not the dialog's container
      disableAutoFocus
      onClose={close}
      aria-labelledby={titleId}
      fullWidth
      maxWidth="md"
    >
      <form onSubmit={generate} noValidate>
        <DialogTitle id={titleId}>Generate a pipeline with AI</DialogTitle>
        <DialogContent>
          {!result && (
            <>
              <TextField
                id={`${titleId}-description`}
                label="Describe the pipeline"
                helperText={
                  descriptionError ||
                  'What it should build, test and deploy, and when, e.g. "npm build and test on every push to main; deploy on tags v*"'
                }
                error={Boolean(descriptionError)}
                value={description}
                onChange={event => setDescription(event.target.value)}
                disabled={generating}
                required
                multiline
                minRows={3}
                fullWidth
                inputRef={focusDescription}
                inputProps={{ maxLength: 4000 }}
              />
              <Box mt={2}>
                <FormControl component="fieldset" disabled={generating}>
                  <FormLabel component="legend">What to generate</FormLabel>
                  <RadioGroup
                    name="generate-mode"
                    value={mode}
                    onChange={event => setMode(event.target.value as Mode)}
                  >
                    {current && (
                      <FormControlLabel
                        value="modify"
                        control={<Radio />}
                        label={`Modify the current file (${current.path})`}
                      />
                    )}
                    <FormControlLabel
                      value="new"
                      control={<Radio />}
                      label="A new file"
                    />
                  </RadioGroup>
                </FormControl>
              </Box>
              {mode === 'new' && (
                <TextField
                  id={`${titleId}-path`}
                  label="File path"
                  value={newPath}
                  onChange={event => setNewPath(event.target.value)}
                  disabled={generating}
                  error={Boolean(pathError)}
                  helperText={
                    pathError ||
                    (files.some(f => f.path === newPath.trim())
                      ? 'The editor holds this file: the new text replaces it (unsaved)'
                      : 'Added to the editor as a new, unsaved file')
                  }
                  fullWidth
                />
              )}
            </>
          )}
          {generating && (
            <Box mt={2} role="status">
              <LinearProgress aria-label="Generating the pipeline" />
              <Typography variant="body2">
                Asking the model and checking its answer with the pipeline
                validator…
              </Typography>
            </Box>
          )}
          {state.kind === 'failed' && (
            <Box mt={2}>
              <Alert severity="error" role="alert">
                <AlertTitle>The pipeline could not be generated</AlertTitle>
                {state.message}
              </Alert>
            </Box>
          )}
          {result && (
            <>
              <Alert
                severity={result.valid ? 'success' : 'warning'}
                role="status"
              >
                <AlertTitle>
                  {result.valid
                    ? `Valid pipeline for ${result.path}`
                    : `Not valid yet: ${result.problems.length} problem${
                        result.problems.length === 1 ? '' : 's'
                      } remain in ${result.path}`}
                </AlertTitle>
                {result.valid
                  ? `The validator accepted it after ${
                      result.attempts
                    } attempt${result.attempts === 1 ? '' : 's'} (${
                      result.model
                    }).`
                  : `The model could not fix them in ${result.attempts} attempts (${result.model}). Open it to fix them in the editor, or generate again.`}
                {!result.valid && <ProblemList result={result} />}
              </Alert>
              <Box mt={2}>
                <TextField
                  id={`${titleId}-result`}
                  label="Generated pipeline"
                  value={result.content}
                  multiline
                  maxRows={16}
                  fullWidth
                  variant="outlined"
                  InputProps={{
                    readOnly: true,
                    style: { fontFamily: 'monospace', fontSize: 13 },
                  }}
                />
                <Typography variant="caption" component="p">
                  Opening it puts the text in the editor as an unsaved change:
                  review it, then copy, download or propose it as usual.
                </Typography>
              </Box>
            </>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          {result ? (
            <>
              <Button
                startIcon={<AutorenewIcon />}
                onClick={() => setState({ kind: 'form' })}
              >
                Change the description
              </Button>
              <Button
                variant="contained"
                color="primary"
                disabled={!result.content}
                onClick={() => {
                  openInEditor({ path: result.path, content: result.content });
                  close();
                }}
              >
                Open in editor
              </Button>
            </>
          ) : (
            <Button
              type="submit"
              variant="contained"
              color="primary"
              disabled={generating}
            >
              Generate
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * "Generate with AI" in the pipeline editor's toolbar, for users who may use the assistant
 * (`ai-assistant.chat.use`): a pipeline file from a description, validated and repaired by the
 * backend, opened in the editor for review. It writes nothing itself.
 */
export function GeneratePipelineAction(props: EditorActionProps) {
  const { entityRef, files, openInEditor } = props;
  const permission = usePermission({
    permission: aiAssistantChatUsePermission,
  });
  const [open, setOpen] = useState(false);
  if (!permission.allowed) return null;
  return (
    <>
      <Button
        variant="outlined"
        color="primary"
        startIcon={<AutorenewIcon />}
        onClick={() => setOpen(true)}
      >
        Generate with AI
      </Button>
      {open && (
        <GeneratePipelineDialog
          entityRef={entityRef}
          files={files}
          openInEditor={openInEditor}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
