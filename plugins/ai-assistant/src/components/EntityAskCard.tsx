import Button from '@material-ui/core/Button';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AddIcon from '@material-ui/icons/Add';
import ChatIcon from '@material-ui/icons/Chat';
import CloseIcon from '@material-ui/icons/Close';
import Alert from '@material-ui/lab/Alert';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Link } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { useLoader } from '@internal/react-common';
import { useEffect, useId, useState } from 'react';
import { aiAssistantApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { ChatView } from './ChatView';

const useStyles = makeStyles(theme => ({
  drawer: {
    width: 'min(640px, 100vw)',
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    padding: theme.spacing(2),
  },
  head: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  title: { flex: 1, overflowWrap: 'anywhere' },
  toolbar: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1),
  },
  chat: { flex: 1, minHeight: 0 },
}));

/** "service" for a service, otherwise the kind ("API", "system", …). */
export function entityNoun(entity: Entity): string {
  const type = (entity.spec as { type?: unknown } | undefined)?.type;
  if (entity.kind.toLowerCase() === 'component' && type === 'service') {
    return 'service';
  }
  if (entity.kind.toLowerCase() === 'api') return 'API';
  return entity.kind.toLowerCase();
}

function suggestionsFor(entity: Entity, entityRef: string): string[] {
  const noun = entityNoun(entity);
  return [
    `Why did the last pipeline run of ${entity.metadata.name} fail?`,
    `What is the quality gate of ${entity.metadata.name}?`,
    `Who owns ${entityRef}, and what does this ${noun} depend on?`,
  ];
}

export type EntityAssistantDrawerProps = {
  entity: Entity;
  open: boolean;
  onClose: () => void;
};

/** The side panel: a conversation about the entity, continued where the user left it. */
export function EntityAssistantDrawer(props: EntityAssistantDrawerProps) {
  const classes = useStyles();
  const api = useApi(aiAssistantApiRef);
  const { entity, open, onClose } = props;
  const entityRef = stringifyEntityRef(entity);
  const chatPage = useRouteRef(rootRouteRef);
  const config = useLoader(
    () => (open ? api.getConfig() : Promise.resolve(undefined)),
    [api, open],
  );
  // The latest conversation about this entity, among the user's recent ones
  const latest = useLoader(
    async () =>
      open
        ? (await api.listConversations({ limit: 100 })).items.find(
            c => c.entityRef === entityRef,
          )
        : undefined,
    [api, open, entityRef],
  );
  const [conversationId, setConversationId] = useState<string>();
  useEffect(() => {
    if (latest.value) setConversationId(latest.value.conversationId);
  }, [latest.value]);

  const headingId = useId();
  const title = entity.metadata.title ?? entity.metadata.name;
  return (
    <Drawer
      anchor="right"
      open={open}
      onClose={onClose}
      PaperProps={{
        role: 'dialog',
        'aria-modal': true,
        'aria-labelledby': headingId,
      }}
    >
      <div className={classes.drawer}>
        <div className={classes.head}>
          <ChatIcon color="primary" />
          <Typography
            id={headingId}
            variant="h6"
            component="h2"
            className={classes.title}
          >
            Ask about {title}
          </Typography>
          <IconButton aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </div>
        <div className={classes.toolbar}>
          <Typography variant="body2" color="textSecondary">
            The assistant knows you are asking about <code>{entityRef}</code>.
          </Typography>
        </div>
        <div className={classes.toolbar}>
          <Button
            size="small"
            startIcon={<AddIcon />}
            onClick={() => setConversationId(undefined)}
            disabled={!conversationId}
          >
            New conversation
          </Button>
          {conversationId && chatPage ? (
            <Link
              to={`${chatPage()}?conversation=${encodeURIComponent(
                conversationId,
              )}`}
            >
              Open in the chat page
            </Link>
          ) : null}
        </div>
        {config.error ? (
          <Alert severity="error">
            The assistant's settings could not be read: {config.error.message}
          </Alert>
        ) : null}
        <div className={classes.chat}>
          {latest.loading && !latest.value ? null : (
            <ChatView
              conversationId={conversationId}
              entityRef={entityRef}
              config={config.value}
              suggestions={suggestionsFor(entity, entityRef)}
              focusOnMount
              onConversationCreated={created =>
                setConversationId(created.conversationId)
              }
            />
          )}
        </div>
      </div>
    </Drawer>
  );
}

/** On entity pages: "Ask about this service", opening the side panel. */
export function EntityAskCard() {
  const { entity } = useEntity();
  const [open, setOpen] = useState(false);
  const noun = entityNoun(entity);
  return (
    <InfoCard title="AI assistant">
      <Typography variant="body2" paragraph>
        Ask about {entity.metadata.title ?? entity.metadata.name}: its runs,
        builds, quality gate and issues. The assistant acts with your
        permissions and asks before it changes anything.
      </Typography>
      <Button
        variant="contained"
        color="primary"
        startIcon={<ChatIcon />}
        onClick={() => setOpen(true)}
      >
        Ask about this {noun}
      </Button>
      <EntityAssistantDrawer
        entity={entity}
        open={open}
        onClose={() => setOpen(false)}
      />
    </InfoCard>
  );
}
