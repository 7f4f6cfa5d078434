import { InputError } from '@backstage/errors';

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

const XML_NAME = '[A-Za-z_][\\w.:-]*';
const XML_TAG = new RegExp(
  `<(/?)(${XML_NAME})((?:\\s+[^\\s=/>]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`,
  'y',
);

type XmlTag = {
  start: number;
  end: number;
  name: string;
  closing: boolean;
  selfClosing: boolean;
};

/** The element tags of an XML document in order, skipping the prolog, comments and CDATA. */
function* xmlTags(xml: string, source: string): Generator<XmlTag> {
  const skips: Array<[string, string]> = [
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
    ['<?', '?>'],
    ['<!', '>'],
  ];
  let at = xml.indexOf('<');
  while (at !== -1) {
    const here = at;
    const skip = skips.find(([open]) => xml.startsWith(open, here));
    if (skip) {
      const close = xml.indexOf(skip[1], at + skip[0].length);
      if (close === -1) {
        throw new InputError(
          `${source} is not well-formed XML: "${skip[0]}" at line ${lineOf(
            xml,
            at,
          )} is never closed`,
        );
      }
      at = xml.indexOf('<', close + skip[1].length);
      continue;
    }
    XML_TAG.lastIndex = at;
    const match = XML_TAG.exec(xml);
    if (!match) {
      throw new InputError(
        `${source} is not well-formed XML: no element tag at line ${lineOf(
          xml,
          at,
        )}`,
      );
    }
    yield {
      start: at,
      end: XML_TAG.lastIndex,
      name: match[2],
      closing: match[1] === '/',
      selfClosing: match[4] === '/',
    };
    at = xml.indexOf('<', XML_TAG.lastIndex);
  }
}

function lineOf(text: string, index: number) {
  return text.slice(0, index).split('\n').length;
}

/** Text content as XML writes it: entities and CDATA sections read back. */
function xmlText(raw: string): string {
  return raw
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map(part =>
      part.startsWith('<![CDATA[')
        ? part.slice('<![CDATA['.length, -']]>'.length)
        : part.replace(
            /&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi,
            (_, entity: string) => {
              const named: Record<string, string> = {
                lt: '<',
                gt: '>',
                amp: '&',
                quot: '"',
                apos: "'",
              };
              if (entity[0] !== '#') return named[entity.toLowerCase()];
              return String.fromCodePoint(
                entity[1].toLowerCase() === 'x'
                  ? parseInt(entity.slice(2), 16)
                  : Number(entity.slice(1)),
              );
            },
          ),
    )
    .join('');
}

/**
 * Where the job's own `<description>` is: a child of the root element (parameters have
 * descriptions too, deeper down). `element` when there is one, else where to put one.
 */
type DescriptionSpot =
  | { element: { start: number; end: number; text: string } }
  | { insertAt: number }
  | { selfClosingRoot: XmlTag };

function descriptionSpot(xml: string, source: string): DescriptionSpot {
  let depth = 0;
  let root: XmlTag | undefined;
  let open: XmlTag | undefined;
  for (const tag of xmlTags(xml, source)) {
    if (tag.closing) {
      depth -= 1;
      if (depth === 1 && open && tag.name === 'description') {
        return {
          element: {
            start: open.start,
            end: tag.end,
            text: xmlText(xml.slice(open.end, tag.start)),
          },
        };
      }
      if (depth === 0) return { insertAt: root!.end };
      if (depth < 0) break;
      continue;
    }
    if (depth === 0) {
      root = tag;
      if (tag.selfClosing) return { selfClosingRoot: tag };
      depth = 1;
      continue;
    }
    if (depth === 1 && tag.name === 'description') {
      if (tag.selfClosing) {
        return { element: { start: tag.start, end: tag.end, text: '' } };
      }
      open = tag;
    }
    if (!tag.selfClosing) depth += 1;
  }
  throw new InputError(
    `${source} is not well-formed XML: ${
      root ? `<${root.name}> is not closed` : 'it has no root element'
    }`,
  );
}

/** The job description a config.xml carries (its root element's `<description>`). */
export function jobDescription(xml: string, source = 'config.xml'): string {
  const spot = descriptionSpot(xml, source);
  return 'element' in spot ? spot.element.text : '';
}

/**
 * The config.xml with its job description changed by `change` (which gets the current text),
 * adding a `<description>` to the root element when it has none.
 */
export function withJobDescription(
  xml: string,
  change: (description: string) => string,
  source = 'config.xml',
): string {
  const spot = descriptionSpot(xml, source);
  if ('element' in spot) {
    const { start, end, text } = spot.element;
    return `${xml.slice(0, start)}<description>${xmlEscape(
      change(text),
    )}</description>${xml.slice(end)}`;
  }
  const element = `<description>${xmlEscape(change(''))}</description>`;
  if ('insertAt' in spot) {
    return `${xml.slice(0, spot.insertAt)}${element}${xml.slice(
      spot.insertAt,
    )}`;
  }
  const root = spot.selfClosingRoot;
  const openTag = xml.slice(root.start, root.end).replace(/\s*\/>$/, '>');
  return `${xml.slice(0, root.start)}${openTag}${element}</${
    root.name
  }>${xml.slice(root.end)}`;
}
