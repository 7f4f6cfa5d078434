import { Link } from '@backstage/core-components';
import {
  githubAuthApiRef,
  useApi,
  useApiHolder,
} from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { githubPullRequestCreatePermission } from '@internal/plugin-github-common';
import type {
  EditorActionProps,
  PipelineEditorFile,
} from '@internal/plugin-pipelines-react';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  Checkbox,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  TextField,
  Typography,
} from '@material-ui/core';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import { FormEvent, useState } from 'react';
import { gitHubApiRef, GitHubApiError, GitHubCreatedPullRequest } from '../api';
import { Problem } from './States';
import { gitHubEntityState } from './useGitHubEntity';

/** The backend's limits (`proposalBody` in the github backend's router). */
export const TITLE_MAX = 256;
export const BODY_MAX = 65_536;
export const MESSAGE_MAX = 10_000;

/** What a refusal means for the user, by the backend's status; its message says the rest. */
export function proposalErrorTitle(error: unknown): string {
  const status = error instanceof GitHubApiError ? error.status : undefined;
  switch (status) {
    case 400:
      return 'GitHub cannot take this change';
    case 403:
      return 'Not allowed to propose this change';
    case 404:
      return 'No GitHub repository for this entity';
    case 503:
      return 'GitHub is not configured';
    default:
      return 'The pull request could not be opened';
  }
}

function tooLong(text: string, max: number) {
  return text.length > max
    ? `At most ${max} characters (now ${text.length})`
    : undefined;
}

/** The suggested title: the one file changed, or the entity's pipelines. */
export function defaultTitle(
  entityName: string,
  changed: PipelineEditorFile[],
) {
  return changed.length === 1
    ? `Update ${changed[0].path}`
    : `Update the pipelines of ${entityName}`;
}

/** What the user's own GitHub token needs to push a branch and open a pull request. */
export const USER_TOKEN_SCOPES = ['repo'];

/**
 * The user's GitHub token when they signed in with GitHub and the session can write
 * repositories: asked without a popup, so nobody is sent to sign in by opening the dialog.
 */
function useUserToken() {
  const githubAuth = useApiHolder().get(githubAuthApiRef);
  const get = async () => {
    if (!githubAuth) return undefined;
    try {
      return (
        (await githubAuth.getAccessToken(USER_TOKEN_SCOPES, {
          optional: true,
        })) || undefined
      );
    } catch {
      return undefined;
    }
  };
  // Only whether there is one; the token itself is fetched again when it is sent
  const available = useLoader(async () => Boolean(await get()), [githubAuth]);
  return { available: available.value === true, get };
}

export type ProposePullRequestDialogProps = {
  entityRef: string;
  entityName: string;
  slug: string;
  files: PipelineEditorFile[];
  onClose(): void;
};

/** Title, description and commit message of the proposal; then the pull request's link. */
export function ProposePullRequestDialog(props: ProposePullRequestDialogProps) {
  const { entityRef, entityName, slug, files, onClose } = props;
  const api = useApi(gitHubApiRef);
  const changed = files.filter(f => f.changed);
  const [title, setTitle] = useState(() => defaultTitle(entityName, changed));
  const [body, setBody] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<GitHubCreatedPullRequest>();
  const userToken = useUserToken();
  const [asMe, setAsMe] = useState(false);

  const titleProblem = title.trim()
    ? tooLong(title.trim(), TITLE_MAX)
    : 'A pull request needs a title';
  const bodyProblem = tooLong(body, BODY_MAX);
  const messageProblem = tooLong(message.trim(), MESSAGE_MAX);
  const canSubmit =
    changed.length > 0 &&
    !busy &&
    !titleProblem &&
    !bodyProblem &&
    !messageProblem;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setError(undefined);
    try {
      const input = {
        title: title.trim(),
        body: body.trim() ? body : undefined,
        message: message.trim() ? message.trim() : undefined,
        files: Object.fromEntries(changed.map(f => [f.path, f.content])),
      };
      if (asMe) {
        const token = await userToken.get();
        if (!token) {
          throw new Error(
            'Your GitHub sign-in has ended: sign in with GitHub again, or let Comet open the pull request',
          );
        }
        setCreated(
          await api.createPullRequest(entityRef, input, { userToken: token }),
        );
      } else {
        setCreated(await api.createPullRequest(entityRef, input));
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="github-propose-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="github-propose-title">
        Propose as pull request
      </DialogTitle>
      {created ? (
        <>
          <DialogContent>
            <Box role="status">
              <Typography variant="body1">
                Opened pull request{' '}
                <Link to={created.htmlUrl} target="_blank" rel="noopener">
                  #{created.number} {title.trim()}
                </Link>{' '}
                on {slug}
                {created.author === 'user'
                  ? ', as you.'
                  : '; Comet opened it, and its commit names you as the proposer.'}
              </Typography>
              <Typography variant="body2" color="textSecondary">
                Branch <code>{created.branch}</code>. The editor still holds
                your text; the repository changes when the pull request is
                merged.
              </Typography>
            </Box>
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose} color="primary">
              Close
            </Button>
          </DialogActions>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <DialogContent>
            <DialogContentText>
              A new branch of {slug} from its default branch, with one commit of
              the files below, and a pull request for review.
            </DialogContentText>
            {changed.length === 0 ? (
              <Problem
                severity="info"
                title="Nothing to propose"
                message="The pipeline files in the editor are the same as on the repository's default branch: change one first."
              />
            ) : (
              <>
                <Typography variant="subtitle2" id="github-propose-files">
                  Files that will change
                </Typography>
                <ul aria-labelledby="github-propose-files">
                  {changed.map(f => (
                    <li key={f.path}>
                      <code>{f.path}</code>
                      {f.savedContent === undefined
                        ? ': not read from the repository, the pull request writes it whole'
                        : ''}
                      {f.valid
                        ? ''
                        : ' (has problems the editor lists: its pipeline will not run until they are fixed)'}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <TextField
              id="github-propose-pr-title"
              label="Title"
              value={title}
              onChange={e => setTitle(e.target.value)}
              required
              fullWidth
              margin="normal"
              error={Boolean(titleProblem)}
              helperText={titleProblem ?? 'The pull request title'}
              inputProps={{ maxLength: TITLE_MAX + 1 }}
            />
            <TextField
              id="github-propose-pr-body"
              label="Description"
              value={body}
              onChange={e => setBody(e.target.value)}
              fullWidth
              multiline
              minRows={3}
              margin="normal"
              error={Boolean(bodyProblem)}
              helperText={bodyProblem ?? 'Markdown, optional'}
            />
            <TextField
              id="github-propose-pr-message"
              label="Commit message"
              value={message}
              onChange={e => setMessage(e.target.value)}
              fullWidth
              multiline
              margin="normal"
              error={Boolean(messageProblem)}
              helperText={
                messageProblem ??
                (asMe
                  ? 'Optional: the title when empty.'
                  : 'Optional: the title when empty. A Proposed-by line naming you is added.')
              }
            />
            {userToken.available && (
              <FormControlLabel
                control={
                  <Checkbox
                    checked={asMe}
                    onChange={e => setAsMe(e.target.checked)}
                    color="primary"
                  />
                }
                label="Open it as me, with my GitHub sign-in (otherwise Comet opens it for you)"
              />
            )}
            {error !== undefined && (
              <Box mt={2}>
                <Problem
                  title={proposalErrorTitle(error)}
                  message={(error as Error)?.message ?? String(error)}
                />
              </Box>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button
              type="submit"
              color="primary"
              variant="contained"
              disabled={!canSubmit}
              startIcon={
                busy ? <CircularProgress size={16} aria-hidden /> : undefined
              }
            >
              {busy ? 'Opening the pull request…' : 'Open pull request'}
            </Button>
          </DialogActions>
        </form>
      )}
    </Dialog>
  );
}

/**
 * "Propose as pull request" in the pipeline editor, for entities with a GitHub repository
 * (`github.com/project-slug`) and users who may change their pipelines: the changed files go
 * to a `comet/…` branch and a pull request through `/api/github`.
 */
export function ProposePullRequestAction(props: EditorActionProps) {
  const { entityRef, files, canCreateRuns } = props;
  const catalogApi = useApi(catalogApiRef);
  const entity = useLoader(
    () => catalogApi.getEntityByRef(entityRef),
    [catalogApi, entityRef],
  );
  const permission = usePermission({
    permission: githubPullRequestCreatePermission,
    resourceRef: entityRef,
  });
  const [open, setOpen] = useState(false);
  const state = entity.value ? gitHubEntityState(entity.value) : undefined;
  // Only where it can work: a GitHub repository, and a user who may change the pipelines
  if (state?.kind !== 'ok' || canCreateRuns === false || !permission.allowed) {
    return null;
  }
  return (
    <>
      <Button
        variant="contained"
        color="primary"
        startIcon={<CallSplitIcon />}
        onClick={() => setOpen(true)}
      >
        Propose as pull request
      </Button>
      {open && (
        <ProposePullRequestDialog
          entityRef={entityRef}
          entityName={
            entity.value!.metadata.title ?? entity.value!.metadata.name
          }
          slug={state.slug}
          files={files}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
