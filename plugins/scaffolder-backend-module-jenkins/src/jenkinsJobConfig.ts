export type JenkinsJobParameterInput = {
  name: string;
  type?: 'string' | 'text' | 'boolean' | 'choice' | 'password';
  default?: string | boolean;
  choices?: string[];
  description?: string;
};

export function xmlEscape(text: string) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function parameterXml(p: JenkinsJobParameterInput) {
  const name = `<name>${xmlEscape(p.name)}</name><description>${xmlEscape(
    p.description ?? '',
  )}</description>`;
  switch (p.type ?? 'string') {
    case 'boolean':
      return `<hudson.model.BooleanParameterDefinition>${name}<defaultValue>${
        p.default === true || p.default === 'true'
      }</defaultValue></hudson.model.BooleanParameterDefinition>`;
    case 'choice':
      return `<hudson.model.ChoiceParameterDefinition>${name}<choices class="java.util.Arrays$ArrayList"><a class="string-array">${(
        p.choices ?? []
      )
        .map(c => `<string>${xmlEscape(c)}</string>`)
        .join('')}</a></choices></hudson.model.ChoiceParameterDefinition>`;
    case 'text':
      return `<hudson.model.TextParameterDefinition>${name}<defaultValue>${xmlEscape(
        String(p.default ?? ''),
      )}</defaultValue></hudson.model.TextParameterDefinition>`;
    case 'password':
      return `<hudson.model.PasswordParameterDefinition>${name}<defaultValue></defaultValue></hudson.model.PasswordParameterDefinition>`;
    default:
      return `<hudson.model.StringParameterDefinition>${name}<defaultValue>${xmlEscape(
        String(p.default ?? ''),
      )}</defaultValue><trim>true</trim></hudson.model.StringParameterDefinition>`;
  }
}

/**
 * config.xml of a Pipeline job that reads its Jenkinsfile from a git repository
 * (`CpsScmFlowDefinition` with the Git plugin's `GitSCM`), as Jenkins writes it.
 */
export function pipelineFromScmConfigXml(options: {
  repoUrl: string;
  branch: string;
  scriptPath: string;
  description?: string;
  credentialsId?: string;
  parameters?: JenkinsJobParameterInput[];
}) {
  const parameters = options.parameters?.length
    ? `<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>${options.parameters
        .map(parameterXml)
        .join(
          '',
        )}</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>`
    : '<properties/>';
  return `<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job">
  <description>${xmlEscape(options.description ?? '')}</description>
  <keepDependencies>false</keepDependencies>
  ${parameters}
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition" plugin="workflow-cps">
    <scm class="hudson.plugins.git.GitSCM" plugin="git">
      <configVersion>2</configVersion>
      <userRemoteConfigs>
        <hudson.plugins.git.UserRemoteConfig>
          <url>${xmlEscape(options.repoUrl)}</url>${
    options.credentialsId
      ? `\n          <credentialsId>${xmlEscape(
          options.credentialsId,
        )}</credentialsId>`
      : ''
  }
        </hudson.plugins.git.UserRemoteConfig>
      </userRemoteConfigs>
      <branches>
        <hudson.plugins.git.BranchSpec>
          <name>*/${xmlEscape(options.branch)}</name>
        </hudson.plugins.git.BranchSpec>
      </branches>
    </scm>
    <scriptPath>${xmlEscape(options.scriptPath)}</scriptPath>
    <lightweight>true</lightweight>
  </definition>
  <disabled>false</disabled>
</flow-definition>
`;
}
