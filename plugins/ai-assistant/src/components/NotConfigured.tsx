import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { AiAssistantConfigStatus } from '@internal/plugin-ai-assistant-common';

export type NotConfiguredProps = {
  config: Extract<AiAssistantConfigStatus, { configured: false }>;
};

/** No model provider: which keys to set, and what still works. */
export function NotConfigured(props: NotConfiguredProps) {
  const { config } = props;
  return (
    <Alert severity="info" role="note">
      <AlertTitle>The assistant has no model provider yet</AlertTitle>
      <Typography variant="body2" gutterBottom>
        {config.message}
      </Typography>
      <Typography variant="body2" component="div">
        Set in app-config:
        <ul aria-label="Config keys to set">
          {config.missingKeys.map(key => (
            <li key={key}>
              <code>{key}</code>
            </li>
          ))}
        </ul>
      </Typography>
      <Typography variant="body2">
        Your earlier conversations stay readable. See docs/ai-assistant.md for
        OpenAI, Azure OpenAI, Ollama, vLLM and LiteLLM settings.
      </Typography>
    </Alert>
  );
}
