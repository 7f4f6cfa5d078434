import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import FileCopyIcon from '@material-ui/icons/FileCopy';
import GetAppIcon from '@material-ui/icons/GetApp';
import { Content, Header, InfoCard, Page } from '@backstage/core-components';
import {
  alertApiRef,
  useApi,
  useAppSearchParams,
} from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  DEFAULT_PIPELINE_PATH,
  expandMatrix,
  parsePipeline,
  PipelineDefinition,
  PipelineIssue,
  pipelinesRunCreatePermission,
  sortIssues,
} from '@internal/plugin-pipelines-common';
import type {
  EditorAction,
  EditorFileText,
  PipelineEditorFile,
} from '@internal/plugin-pipelines-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  PipelinesApi,
  pipelinesApiRef,
  ValidationResult,
} from '../../api/PipelinesApi';
import { IssueList } from '../common/IssueList';
import { EditorActions } from '../extensions/EditorActions';
import { saveBlob } from '../common/format';
import { JobGraph } from '../RunPage/JobGraph';
import { PipelineBuilder } from './PipelineBuilder';
import { STARTER_PIPELINE } from './pipelineSchema';
import { YamlEditor, YamlEditorHandle } from './YamlEditor';

/** The preview's nodes: one per job, matrix jobs expanded into their instances. */
export function previewNodes(definition: PipelineDefinition) {
  const instances = new Map<string, string[]>();
  const nodes = definition.jobs.flatMap(job => {
    const combos = job.matrix ? expandMatrix(job.matrix) : [undefined];
    const ids = combos.map(combo =>
      combo
        ? `${job.id} (${Object.values(combo).map(String).join(', ')})`
        : job.id,
    );
    instances.set(job.id, ids);
    return combos.map((combo, i) => ({ job, combo, id: ids[i] }));
  });
  return nodes.map(({ job, combo, id }) => ({
    id,
    name: combo ? id : job.name,
    needs: job.needs.flatMap(need => instances.get(need) ?? []),
    detail: (
      <span>
        {job.approval
          ? 'approval'
          : `${job.steps.length} step${job.steps.length === 1 ? '' : 's'}`}
      </span>
    ),
  }));
}

/** Validation as you type, with the parser the backend uses (syntax, keys, needs, …). */
function useValidation(text: string, file: string) {
  const [result, setResult] = useState(() => parsePipeline(text, { file }));
  useEffect(() => {
    const timer = setTimeout(
      () => setResult(parsePipeline(text, { file })),
      250,
    );
    return () => clearTimeout(timer);
  }, [text, file]);
  return result;
}

/** How long typing pauses before the backend validates the text. */
export const BACKEND_VALIDATION_DELAY_MS = 400;

/** The backend's validation of one text, which also knows the step types and secrets. */
export type BackendCheck =
  | { state: 'checking' }
  | { state: 'done'; text: string; result: ValidationResult }
  | { state: 'failed'; text: string; error: string };

/**
 * `POST /validate` once typing pauses. A request for text that has changed since is stale:
 * its answer is dropped (the client cannot abort it).
 */
function useBackendValidation(
  api: PipelinesApi,
  text: string,
  file: string,
): BackendCheck {
  const [check, setCheck] = useState<BackendCheck>({ state: 'checking' });
  useEffect(() => {
    let stale = false;
    setCheck(current =>
      current.state === 'checking' ? current : { state: 'checking' },
    );
    const timer = setTimeout(() => {
      api.validate(text, file).then(
        result => {
          if (!stale) setCheck({ state: 'done', text, result });
        },
        error => {
          if (!stale) {
            setCheck({
              state: 'failed',
              text,
              error: (error as Error)?.message ?? String(error),
            });
          }
        },
      );
    }, BACKEND_VALIDATION_DELAY_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, text, file]);
  return check;
}

const issueKey = (issue: PipelineIssue) =>
  `${issue.line}:${issue.column}:${issue.message}`;

/** The local issues and the backend's others (unknown step types, secrets), by position. */
export function mergeIssues(
  local: PipelineIssue[],
  backend: PipelineIssue[],
): PipelineIssue[] {
  const seen = new Set(local.map(issueKey));
  return sortIssues([
    ...local,
    ...backend.filter(issue => !seen.has(issueKey(issue))),
  ]);
}

/** The editor's actions for an entity, with the user's `pipelines.run.create` on it. */
function EntityEditorActions(props: {
  entityRef: string;
  files: PipelineEditorFile[];
  actions: readonly EditorAction[];
  openInEditor(file: EditorFileText): void;
}) {
  const permission = usePermission({
    permission: pipelinesRunCreatePermission,
    resourceRef: props.entityRef,
  });
  return (
    <EditorActions
      actions={props.actions}
      entityRef={props.entityRef}
      files={props.files}
      canCreateRuns={permission.loading ? undefined : permission.allowed}
      openInEditor={props.openInEditor}
    />
  );
}

/** Whether the editor's own check finds no problem, remembered per path and text. */
function useLocalValidity() {
  const known = useRef(new Map<string, { text: string; ok: boolean }>());
  return (path: string, text: string) => {
    const last = known.current.get(path);
    if (last?.text === text) return last.ok;
    const ok = parsePipeline(text, { file: path }).ok;
    known.current.set(path, { text, ok });
    return ok;
  };
}

export type EditorPageProps = {
  /** Actions other plugins attached to the toolbar (`EditorActionBlueprint`). */
  actions?: readonly EditorAction[];
};

/**
 * The pipeline editor: YAML with completion and live validation, a live graph preview and a
 * visual builder. Opened for an entity (`?entityRef=`), it starts from the entity's pipeline
 * files on the default branch and offers the actions other plugins attach (a pull request);
 * the result can always be copied or downloaded.
 */
export function EditorPage(props: EditorPageProps) {
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const [search] = useAppSearchParams();
  const entityRef = search.get('entityRef') ?? undefined;
  // The text of each file, as edited; the starter pipeline until an entity's files load
  const [texts, setTexts] = useState<Record<string, string>>({
    [DEFAULT_PIPELINE_PATH]: STARTER_PIPELINE,
  });
  const [file, setFile] = useState(DEFAULT_PIPELINE_PATH);
  const [tab, setTab] = useState(0);
  const editor = useRef<YamlEditorHandle>(null);
  const lastGood = useRef<PipelineDefinition>();
  const localValidity = useLocalValidity();

  const files = useAsync(
    async () => (entityRef ? api.listPipelines(entityRef) : undefined),
    [api, entityRef],
  );
  const entityFiles = useMemo(
    () => files.value?.pipelines ?? [],
    [files.value],
  );
  // The entity's files replace the starter once they load: a file that could not be read
  // starts from the starter pipeline
  useEffect(() => {
    if (!entityFiles.length) return;
    setTexts(
      Object.fromEntries(
        entityFiles.map(f => [f.path, f.text ?? STARTER_PIPELINE]),
      ),
    );
    setFile(entityFiles[0].path);
  }, [entityFiles]);
  const loadingFiles = Boolean(entityRef) && files.loading;
  const text = texts[file] ?? STARTER_PIPELINE;
  const setText = (next: string) =>
    setTexts(current => ({ ...current, [file]: next }));
  // Every file the editor holds: the entity's, then those actions added (a generated file)
  const paths = useMemo(
    () => [
      ...new Set([...entityFiles.map(f => f.path), ...Object.keys(texts)]),
    ],
    [entityFiles, texts],
  );
  // An action's text (a generated pipeline) replaces the file's as an unsaved edit, on screen
  const openInEditor = useCallback((next: EditorFileText) => {
    setTexts(current => ({ ...current, [next.path]: next.content }));
    setFile(next.path);
    setTab(0);
  }, []);

  const validation = useValidation(text, file);
  const backend = useBackendValidation(api, text, file);
  const backendCurrent = backend.state !== 'checking' && backend.text === text;
  const backendValid =
    backendCurrent && backend.state === 'done' && backend.result.ok;
  if (validation.ok) lastGood.current = validation.pipeline;
  const issues: PipelineIssue[] = useMemo(
    () =>
      mergeIssues(
        validation.ok ? [] : validation.issues,
        backend.state === 'done' && backend.text === text
          ? backend.result.issues
          : [],
      ),
    [validation, backend, text],
  );
  // The backend names its step types in every answer; keep the last ones across edits
  const knownStepTypes = useRef<string[]>();
  if (backend.state === 'done' && backend.result.stepTypes) {
    knownStepTypes.current = backend.result.stepTypes;
  }
  const stepTypes = knownStepTypes.current;
  const jobCount = validation.ok ? validation.pipeline.jobs.length : 0;
  const jobs = `${jobCount} job${jobCount === 1 ? '' : 's'}`;
  const errorLines = useMemo(
    () => issues.flatMap(issue => (issue.line ? [issue.line] : [])),
    [issues],
  );
  const preview = validation.ok ? validation.pipeline : lastGood.current;

  // What the toolbar's actions get: every file of the entity, the one on screen first
  const editorFiles: PipelineEditorFile[] = [
    file,
    ...paths.filter(path => path !== file),
  ].map(path => {
    const content = texts[path] ?? STARTER_PIPELINE;
    const savedContent = entityFiles.find(f => f.path === path)?.text;
    return {
      path,
      content,
      savedContent,
      changed: savedContent === undefined || content !== savedContent,
      valid:
        path === file
          ? validation.ok && issues.length === 0
          : localValidity(path, content),
    };
  });

  return (
    <Page themeId="tool">
      <Header
        title="Pipeline editor"
        subtitle={
          entityRef ? `Pipelines of ${entityRef}` : 'Write a pipeline file'
        }
      />
      <Content>
        <Grid container spacing={2}>
          <Grid item xs={12} lg={7}>
            <InfoCard
              title={file}
              action={
                <Box
                  display="flex"
                  flexWrap="wrap"
                  style={{ gap: 8 }}
                  mt={1}
                  mr={1}
                >
                  {entityRef && !loadingFiles && props.actions?.length ? (
                    <EntityEditorActions
                      entityRef={entityRef}
                      files={editorFiles}
                      actions={props.actions}
                      openInEditor={openInEditor}
                    />
                  ) : null}
                  <Button
                    startIcon={<FileCopyIcon />}
                    onClick={async () => {
                      try {
                        await navigator.clipboard.writeText(text);
                        alertApi.post({
                          message: 'Copied the pipeline YAML',
                          severity: 'success',
                          display: 'transient',
                        });
                      } catch (error) {
                        alertApi.post({
                          message: `Could not copy: ${
                            (error as Error).message
                          }`,
                          severity: 'error',
                        });
                      }
                    }}
                  >
                    Copy YAML
                  </Button>
                  <Button
                    startIcon={<GetAppIcon />}
                    onClick={() =>
                      saveBlob(
                        new Blob([text], { type: 'application/yaml' }),
                        file.split('/').pop() || 'pipeline.yaml',
                      )
                    }
                  >
                    Download
                  </Button>
                </Box>
              }
            >
              {loadingFiles && (
                <LinearProgress
                  aria-label={`Loading the pipeline files of ${entityRef}`}
                />
              )}
              {files.error && (
                <Box mb={2}>
                  <Alert severity="warning">
                    The pipeline files of {entityRef} could not be read (
                    {files.error.message}): the editor starts from a new
                    pipeline.
                  </Alert>
                </Box>
              )}
              {paths.length > 1 && (
                <Box mb={2}>
                  <TextField
                    select
                    id="editor-pipeline-file"
                    label="Pipeline file"
                    value={file}
                    onChange={event => setFile(event.target.value)}
                    helperText="Edits to each file are kept while you switch"
                  >
                    {paths.map(path => (
                      <MenuItem key={path} value={path}>
                        {entityFiles.some(f => f.path === path)
                          ? path
                          : `${path} (new)`}
                      </MenuItem>
                    ))}
                  </TextField>
                </Box>
              )}
              {entityFiles.length > 0 && (
                <Box mb={2}>
                  <Typography variant="subtitle2">
                    Pipeline files of {entityRef} on its default branch
                  </Typography>
                  <ul aria-label="Pipeline files">
                    {entityFiles.map(f => (
                      <li key={f.path}>
                        <code>{f.path}</code>:{' '}
                        {f.issues?.length
                          ? `${f.issues.length} problem${
                              f.issues.length === 1 ? '' : 's'
                            }`
                          : `valid (${f.definition?.name})`}
                        {f.issues?.length ? (
                          <IssueList issues={f.issues} />
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </Box>
              )}
              {!loadingFiles && (
                <>
                  <Tabs
                    value={tab}
                    onChange={(_, value) => setTab(value)}
                    aria-label="Editor mode"
                  >
                    <Tab
                      label="YAML"
                      id="editor-tab-yaml"
                      aria-controls="editor-panel-yaml"
                    />
                    <Tab
                      label="Visual builder"
                      id="editor-tab-builder"
                      aria-controls="editor-panel-builder"
                    />
                  </Tabs>
                  <div
                    role="tabpanel"
                    id="editor-panel-yaml"
                    aria-labelledby="editor-tab-yaml"
                    hidden={tab !== 0}
                  >
                    <Box mt={1}>
                      <Typography
                        variant="caption"
                        id="editor-help"
                        component="p"
                      >
                        Ctrl+Space lists the keys, or the values (jobs for
                        needs, step types for uses, param types), allowed where
                        the cursor is; ↑/↓ and Enter pick one, Esc closes.
                        Problems are listed below the editor: pick one to move
                        the cursor to it.
                      </Typography>
                      <YamlEditor
                        ref={editor}
                        label="Pipeline YAML"
                        describedBy="editor-help"
                        value={text}
                        onChange={setText}
                        errorLines={errorLines}
                        stepTypes={stepTypes}
                      />
                    </Box>
                  </div>
                  <div
                    role="tabpanel"
                    id="editor-panel-builder"
                    aria-labelledby="editor-tab-builder"
                    hidden={tab !== 1}
                  >
                    {tab === 1 && (
                      <Box mt={2}>
                        <PipelineBuilder
                          text={text}
                          onChange={setText}
                          stepTypes={stepTypes}
                        />
                      </Box>
                    )}
                  </div>
                  <Box mt={2} aria-live="polite">
                    {issues.length === 0 && validation.ok && (
                      <Alert severity={backendValid ? 'success' : 'info'}>
                        {backendValid
                          ? `Valid: ${jobs}`
                          : `No problems found in the editor: ${jobs}`}
                        {!backendCurrent &&
                          '; the backend is checking step types and secrets…'}
                      </Alert>
                    )}
                    {issues.length > 0 && (
                      <Alert severity="error">
                        {issues.length} problem{issues.length === 1 ? '' : 's'}
                        <IssueList
                          issues={issues}
                          onSelect={issue =>
                            editor.current?.goTo(
                              issue.line ?? 1,
                              issue.column ?? 1,
                            )
                          }
                        />
                      </Alert>
                    )}
                    {!backendCurrent && issues.length > 0 && (
                      <Typography variant="caption" component="p">
                        The backend is checking step types and secrets…
                      </Typography>
                    )}
                    {backendCurrent && backend.state === 'failed' && (
                      <Box mt={1}>
                        <Alert severity="warning">
                          The backend could not validate the file (
                          {backend.error}
                          ): step types and secrets are not checked. The editor
                          still checks everything else.
                        </Alert>
                      </Box>
                    )}
                  </Box>
                </>
              )}
            </InfoCard>
          </Grid>
          <Grid item xs={12} lg={5}>
            <InfoCard
              title="Preview"
              subheader={
                !validation.ok && preview
                  ? 'The last valid version, until the problems are fixed'
                  : undefined
              }
            >
              {preview ? (
                <JobGraph
                  label="Pipeline graph preview"
                  nodes={previewNodes(preview)}
                />
              ) : (
                <Typography variant="body2">
                  The graph shows once the file is valid.
                </Typography>
              )}
              {preview && Object.keys(preview.params).length > 0 && (
                <Box mt={2}>
                  <Typography variant="subtitle2">Parameters</Typography>
                  <ul>
                    {Object.entries(preview.params).map(([name, param]) => (
                      <li key={name}>
                        <code>{name}</code>: {param.type}
                        {param.default !== undefined
                          ? ` = ${String(param.default)}`
                          : ''}
                        {param.description ? ` — ${param.description}` : ''}
                      </li>
                    ))}
                  </ul>
                </Box>
              )}
              {!entityRef && (
                <Typography variant="body2" color="textSecondary">
                  Copy or download the file; opened from an entity&apos;s CI/CD
                  tab, the editor starts from its pipeline files and can propose
                  the change to its repository.
                </Typography>
              )}
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
