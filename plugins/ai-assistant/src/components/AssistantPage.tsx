import Grid from '@material-ui/core/Grid';
import Paper from '@material-ui/core/Paper';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import { makeStyles } from '@material-ui/core/styles';
import { Content, Header, Page } from '@backstage/core-components';
import { useApi, useAppSearchParams } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { aiAssistantUsageReadPermission } from '@internal/plugin-ai-assistant-common';
import { useLoader } from '@internal/react-common';
import { useCallback, useRef, useState } from 'react';
import { aiAssistantApiRef } from '../api';
import { ChatView } from './ChatView';
import { ConversationList } from './ConversationList';
import { UsageView } from './UsageView';
import Alert from '@material-ui/lab/Alert';

const useStyles = makeStyles(theme => ({
  chat: {
    padding: theme.spacing(1, 2, 2),
    height: 'calc(100vh - 240px)',
    minHeight: 480,
  },
  list: { padding: theme.spacing(2) },
  tabs: { marginBottom: theme.spacing(2) },
}));

export const SUGGESTIONS = [
  'Which of my pipeline runs failed today, and why?',
  'What is the quality gate of payments-api?',
  'Which tools can you use for me?',
];

/** `/ai-assistant`: the conversations, the chat and, for administrators, usage. */
export function AssistantPage() {
  const classes = useStyles();
  const api = useApi(aiAssistantApiRef);
  const [params, setParams] = useAppSearchParams();
  const conversationId = params.get('conversation') ?? undefined;
  const tab = params.get('tab') === 'usage' ? 'usage' : 'chat';
  const config = useLoader(() => api.getConfig(), [api]);
  const usagePermission = usePermission({
    permission: aiAssistantUsageReadPermission,
  });
  const [refreshKey, setRefreshKey] = useState(0);
  const newButton = useRef<HTMLButtonElement>(null);

  const select = useCallback(
    (id: string | undefined, replace = false) => {
      setParams(id ? { conversation: id } : {}, { replace });
    },
    [setParams],
  );

  const subtitle = config.value?.configured
    ? `Model: ${config.value.model} · acts with your permissions; writes wait for your approval`
    : 'Acts with your permissions; writes wait for your approval';

  return (
    <Page themeId="tool">
      <Header title="AI assistant" subtitle={subtitle} />
      <Content>
        {usagePermission.allowed ? (
          <Tabs
            className={classes.tabs}
            value={tab}
            onChange={(_event, value) =>
              setParams(value === 'usage' ? { tab: 'usage' } : {})
            }
            indicatorColor="primary"
          >
            <Tab value="chat" label="Chat" />
            <Tab value="usage" label="Usage" />
          </Tabs>
        ) : null}
        {tab === 'usage' ? (
          <UsageView />
        ) : (
          <Grid container spacing={2}>
            <Grid item xs={12} md={3}>
              <Paper className={classes.list} variant="outlined">
                <ConversationList
                  ref={newButton}
                  selectedId={conversationId}
                  onSelect={id => select(id)}
                  refreshKey={refreshKey}
                />
              </Paper>
            </Grid>
            <Grid item xs={12} md={9}>
              <Paper className={classes.chat} variant="outlined">
                {config.error ? (
                  <Alert severity="error">
                    The assistant's settings could not be read:{' '}
                    {config.error.message}
                  </Alert>
                ) : null}
                <ChatView
                  conversationId={conversationId}
                  config={config.value}
                  suggestions={SUGGESTIONS}
                  focusOnMount
                  onConversationCreated={created => {
                    select(created.conversationId, true);
                    setRefreshKey(k => k + 1);
                  }}
                  onTurnFinished={() => setRefreshKey(k => k + 1)}
                />
              </Paper>
            </Grid>
          </Grid>
        )}
      </Content>
    </Page>
  );
}
