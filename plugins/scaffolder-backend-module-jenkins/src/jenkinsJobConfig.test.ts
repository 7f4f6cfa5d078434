import {
  jobDescription,
  pipelineFromScmConfigXml,
  withJobDescription,
  xmlEscape,
} from './jenkinsJobConfig';

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

describe('jobDescription and withJobDescription', () => {
  const append = (text: string) => (text ? `${text}\nadded` : 'added');

  it("reads and changes the root element's description, not a parameter's", () => {
    const xml = `<?xml version='1.1' encoding='UTF-8'?>
<!-- a <description> in a comment -->
<flow-definition plugin="workflow-job">
  <properties><hudson.model.StringParameterDefinition><name>A</name><description>of a parameter</description></hudson.model.StringParameterDefinition></properties>
  <description>Builds &amp; deploys &lt;api&gt; &#233;&#x41;<![CDATA[ <raw> ]]></description>
  <disabled>false</disabled>
</flow-definition>`;
    expect(jobDescription(xml)).toBe('Builds & deploys <api> éA <raw> ');
    const changed = withJobDescription(xml, append);
    expect(changed).toContain(
      '<description>Builds &amp; deploys &lt;api&gt; éA &lt;raw&gt; \nadded</description>',
    );
    expect(changed).toContain('<description>of a parameter</description>');
    expect(jobDescription(changed)).toBe(
      'Builds & deploys <api> éA <raw> \nadded',
    );
  });

  it('adds a description where there is none, also to an empty root element', () => {
    expect(jobDescription('<project><builders/></project>')).toBe('');
    expect(withJobDescription('<project><builders/></project>', append)).toBe(
      '<project><description>added</description><builders/></project>',
    );
    expect(withJobDescription('<project a="1" />', append)).toBe(
      '<project a="1"><description>added</description></project>',
    );
    expect(
      withJobDescription('<project><description /></project>', append),
    ).toBe('<project><description>added</description></project>');
  });

  it('names the source and the line of XML it cannot read', () => {
    expect(() => jobDescription('<project>', 'configXml')).toThrow(
      'configXml is not well-formed XML: <project> is not closed',
    );
    expect(() => jobDescription('no xml here', 'configXml')).toThrow(
      'configXml is not well-formed XML: it has no root element',
    );
    expect(() => jobDescription('</project>', 'configXml')).toThrow(
      'configXml is not well-formed XML: it has no root element',
    );
    expect(() =>
      jobDescription('<project>\n<!-- open\n</project>', 'configXml'),
    ).toThrow(
      'configXml is not well-formed XML: "<!--" at line 2 is never closed',
    );
    expect(() => jobDescription('<project>\n\n< oops', 'configXml')).toThrow(
      'configXml is not well-formed XML: no element tag at line 3',
    );
  });
});
