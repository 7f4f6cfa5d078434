import { pipelineFromScmConfigXml, xmlEscape } from './jenkinsJobConfig';

describe('xmlEscape', () => {
  it('escapes the five XML special characters, & first', () => {
    expect(xmlEscape(`<a href="x">'&amp;'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;amp;&apos;&lt;/a&gt;',
    );
  });
});

describe('pipelineFromScmConfigXml', () => {
  const base = {
    repoUrl: 'https://git.example.com/acme/api.git',
    branch: 'release/1.x',
    scriptPath: 'ci/Jenkinsfile',
  };

  it('writes the git remote, branch and script path, with no parameters or credentials', () => {
    const xml = pipelineFromScmConfigXml(base);
    expect(xml).toContain('<url>https://git.example.com/acme/api.git</url>');
    expect(xml).toContain('<name>*/release/1.x</name>');
    expect(xml).toContain('<scriptPath>ci/Jenkinsfile</scriptPath>');
    expect(xml).toContain('<description></description>');
    expect(xml).toContain('<properties/>');
    expect(xml).not.toContain('credentialsId');
  });

  it('names the credentials, escaped, when given', () => {
    expect(
      pipelineFromScmConfigXml({ ...base, credentialsId: 'git<ro>' }),
    ).toContain('<credentialsId>git&lt;ro&gt;</credentialsId>');
  });

  it('writes each parameter type as Jenkins does', () => {
    const xml = pipelineFromScmConfigXml({
      ...base,
      parameters: [
        { name: 'VERSION', default: '1.0 & up', description: 'The <tag>' },
        { name: 'NOTES', type: 'text', default: 'line' },
        { name: 'DRY_RUN', type: 'boolean', default: 'true' },
        { name: 'VERBOSE', type: 'boolean' },
        { name: 'ENV', type: 'choice', choices: ['a&b', 'c'] },
        { name: 'EMPTY_CHOICE', type: 'choice' },
        { name: 'TOKEN', type: 'password', default: 'never-written' },
      ],
    });
    expect(xml).toContain(
      '<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>' +
        '<hudson.model.StringParameterDefinition><name>VERSION</name><description>The &lt;tag&gt;</description><defaultValue>1.0 &amp; up</defaultValue><trim>true</trim></hudson.model.StringParameterDefinition>' +
        '<hudson.model.TextParameterDefinition><name>NOTES</name><description></description><defaultValue>line</defaultValue></hudson.model.TextParameterDefinition>' +
        '<hudson.model.BooleanParameterDefinition><name>DRY_RUN</name><description></description><defaultValue>true</defaultValue></hudson.model.BooleanParameterDefinition>' +
        '<hudson.model.BooleanParameterDefinition><name>VERBOSE</name><description></description><defaultValue>false</defaultValue></hudson.model.BooleanParameterDefinition>' +
        '<hudson.model.ChoiceParameterDefinition><name>ENV</name><description></description><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>a&amp;b</string><string>c</string></a></choices></hudson.model.ChoiceParameterDefinition>' +
        '<hudson.model.ChoiceParameterDefinition><name>EMPTY_CHOICE</name><description></description><choices class="java.util.Arrays$ArrayList"><a class="string-array"></a></choices></hudson.model.ChoiceParameterDefinition>' +
        '<hudson.model.PasswordParameterDefinition><name>TOKEN</name><description></description><defaultValue></defaultValue></hudson.model.PasswordParameterDefinition>' +
        '</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>',
    );
    // A password default would sit in config.xml in clear text for anyone who can read the job.
    expect(xml).not.toContain('never-written');
  });
});
