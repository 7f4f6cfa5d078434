import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import IconButton from '@material-ui/core/IconButton';
import LinearProgress from '@material-ui/core/LinearProgress';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AddIcon from '@material-ui/icons/Add';
import DeleteIcon from '@material-ui/icons/Delete';
import EditIcon from '@material-ui/icons/Edit';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/frontend-plugin-api';
import type { AiConversationSummary } from '@internal/plugin-ai-assistant-common';
import { useLoader } from '@internal/react-common';
import { forwardRef, useEffect, useId, useRef, useState } from 'react';
import { aiAssistantApiRef } from '../api';

const PAGE_SIZE = 25;

const useStyles = makeStyles(theme => ({
  root: { display: 'flex', flexDirection: 'column', gap: theme.spacing(1) },
  item: { paddingRight: theme.spacing(12) },
  title: { overflowWrap: 'anywhere' },
}));

function formatWhen(iso: string) {
  return new Date(iso).toLocaleString();
}

export type ConversationListProps = {
  selectedId?: string;
  onSelect: (conversationId: string | undefined) => void;
  /** Changes when the list must be read again (a turn ended, a conversation was created). */
  refreshKey?: number;
};

/** The user's conversations: search, open, rename, delete, start a new one. */
export const ConversationList = forwardRef<
  HTMLButtonElement,
  ConversationListProps
>(function ConversationListPanel(props, newButton) {
  const classes = useStyles();
  const ids = useId();
  const api = useApi(aiAssistantApiRef);
  const { selectedId, onSelect, refreshKey } = props;
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [deleting, setDeleting] = useState<AiConversationSummary>();
  const [renaming, setRenaming] = useState<AiConversationSummary>();
  const [newTitle, setNewTitle] = useState('');
  const [actionError, setActionError] = useState<string>();
  const [renameError, setRenameError] = useState<string>();
  const [working, setWorking] = useState(false);
  const [version, setVersion] = useState(0);
  const focusNewAfterClose = useRef(false);
  const titleInput = useRef<HTMLInputElement>(null);

  // Search as the user types, once they pause
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const list = useLoader(
    () => api.listConversations({ q: query || undefined, limit }),
    [api, query, limit, refreshKey, version],
  );

  const remove = async () => {
    if (!deleting) return;
    setWorking(true);
    try {
      await api.deleteConversation(deleting.conversationId);
      setActionError(undefined);
      if (deleting.conversationId === selectedId) onSelect(undefined);
      // The item's button is gone: once the dialog has closed, the focus goes to "New conversation"
      focusNewAfterClose.current = true;
      setDeleting(undefined);
      setVersion(v => v + 1);
    } catch (error) {
      setActionError((error as Error).message);
      setDeleting(undefined);
    } finally {
      setWorking(false);
    }
  };

  const rename = async () => {
    if (!renaming) return;
    setWorking(true);
    try {
      await api.renameConversation(renaming.conversationId, newTitle.trim());
      setRenaming(undefined);
      setVersion(v => v + 1);
    } catch (error) {
      setRenameError((error as Error).message);
    } finally {
      setWorking(false);
    }
  };

  const conversations = list.value?.items ?? [];
  const total = list.value?.totalCount ?? 0;

  return (
    <div className={classes.root}>
      <Button
        ref={newButton}
        variant="outlined"
        color="primary"
        startIcon={<AddIcon />}
        onClick={() => onSelect(undefined)}
      >
        New conversation
      </Button>
      <TextField
        id={`${ids}-search`}
        label="Search conversations"
        type="search"
        size="small"
        variant="outlined"
        value={search}
        onChange={event => setSearch(event.target.value)}
      />
      {list.loading ? (
        <LinearProgress aria-label="Loading conversations" />
      ) : null}
      {list.error ? (
        <Alert
          severity="error"
          action={
            <Button color="inherit" size="small" onClick={list.retry}>
              Retry
            </Button>
          }
        >
          {list.error.message}
        </Alert>
      ) : null}
      {actionError ? (
        <Alert severity="error" onClose={() => setActionError(undefined)}>
          {actionError}
        </Alert>
      ) : null}
      {list.value && conversations.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          {query
            ? `No conversation matches "${query}".`
            : 'No conversations yet.'}
        </Typography>
      ) : null}
      <List dense aria-label="Conversations" disablePadding>
        {conversations.map(conversation => (
          <ListItem
            key={conversation.conversationId}
            button
            selected={conversation.conversationId === selectedId}
            aria-current={
              conversation.conversationId === selectedId ? 'true' : undefined
            }
            onClick={() => onSelect(conversation.conversationId)}
            className={classes.item}
          >
            <ListItemText
              primary={conversation.title}
              primaryTypographyProps={{ className: classes.title }}
              secondary={`${
                conversation.entityRef ? `${conversation.entityRef} · ` : ''
              }${formatWhen(conversation.updatedAt)}`}
            />
            <ListItemSecondaryAction>
              <IconButton
                size="small"
                aria-label={`Rename "${conversation.title}"`}
                onClick={() => {
                  setNewTitle(conversation.title);
                  setRenameError(undefined);
                  setRenaming(conversation);
                }}
              >
                <EditIcon fontSize="small" />
              </IconButton>
              <IconButton
                size="small"
                aria-label={`Delete "${conversation.title}"`}
                onClick={() => setDeleting(conversation)}
              >
                <DeleteIcon fontSize="small" />
              </IconButton>
            </ListItemSecondaryAction>
          </ListItem>
        ))}
      </List>
      {total > conversations.length ? (
        <Button size="small" onClick={() => setLimit(l => l + PAGE_SIZE)}>
          Show more ({conversations.length} of {total})
        </Button>
      ) : null}

      <Dialog
        open={deleting !== undefined}
        onClose={() => setDeleting(undefined)}
        aria-labelledby="ai-assistant-delete-title"
        TransitionProps={{
          onExited: () => {
            if (!focusNewAfterClose.current) return;
            focusNewAfterClose.current = false;
            if (newButton && typeof newButton !== 'function') {
              newButton.current?.focus();
            }
          },
        }}
      >
        <DialogTitle id="ai-assistant-delete-title">
          Delete this conversation?
        </DialogTitle>
        <DialogContent>
          <DialogContentText>
            "{deleting?.title}" and all its messages are deleted. This cannot be
            undone.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
          <Button
            color="secondary"
            variant="contained"
            disabled={working}
            onClick={remove}
          >
            Delete
          </Button>
        </DialogActions>
      </Dialog>

      <Dialog
        open={renaming !== undefined}
        onClose={() => setRenaming(undefined)}
        aria-labelledby="ai-assistant-rename-title"
        TransitionProps={{ onEntered: () => titleInput.current?.select() }}
      >
        <form
          onSubmit={event => {
            event.preventDefault();
            if (newTitle.trim()) rename();
          }}
        >
          <DialogTitle id="ai-assistant-rename-title">
            Rename conversation
          </DialogTitle>
          <DialogContent>
            {renameError ? <Alert severity="error">{renameError}</Alert> : null}
            <TextField
              id={`${ids}-title`}
              inputRef={titleInput}
              fullWidth
              label="Title"
              value={newTitle}
              inputProps={{ maxLength: 255 }}
              onChange={event => setNewTitle(event.target.value)}
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setRenaming(undefined)}>Cancel</Button>
            <Button
              type="submit"
              color="primary"
              variant="contained"
              disabled={working || !newTitle.trim()}
            >
              Save
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </div>
  );
});
