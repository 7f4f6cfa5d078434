import Alert from '@material-ui/lab/Alert';
import type { PipelineProviderError } from '@internal/plugin-pipelines-common';

/**
 * The CI/CD list's warnings, one per provider with one line per problem: the whole provider
 * ("Jenkins: …"), or one of its sources ("Jenkins job a/b (instance default) could not be
 * loaded: …"). The runs of everything else are still shown below.
 */
export function ProviderErrors(props: {
  errors?: PipelineProviderError[];
  providerTitles: Record<string, string>;
}) {
  const { errors, providerTitles } = props;
  const byProvider = new Map<string, PipelineProviderError[]>();
  for (const error of errors ?? []) {
    byProvider.set(error.provider, [
      ...(byProvider.get(error.provider) ?? []),
      error,
    ]);
  }
  return (
    <>
      {[...byProvider].map(([provider, problems]) => (
        <Alert key={provider} severity="warning">
          {problems.map(problem => (
            <div key={`${problem.source ?? ''}\n${problem.message}`}>
              {problem.source
                ? `${problem.source} could not be loaded: ${problem.message}`
                : `${providerTitles[provider] ?? provider}: ${problem.message}`}
            </div>
          ))}
        </Alert>
      ))}
    </>
  );
}
