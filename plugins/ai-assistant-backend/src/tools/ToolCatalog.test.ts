import type { ActionsServiceAction } from '@backstage/backend-plugin-api/alpha';
import {
  sanitizeToolName,
  TOOL_NAME_PATTERN,
  ToolCatalog,
} from './ToolCatalog';

function action(
  id: string,
  over: Partial<ActionsServiceAction> = {},
): ActionsServiceAction {
  const [pluginId, name] = id.split(':');
  return {
    id,
    pluginId,
    name: name ?? id,
    title: `Title of ${id}`,
    description: `Does ${id}`,
    schema: {
      input: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { runId: { type: 'string' } },
        required: ['runId'],
        additionalProperties: false,
      },
      output: { type: 'object' },
    },
    attributes: { readOnly: true, destructive: false, idempotent: true },
    ...over,
  };
}

describe('sanitizeToolName', () => {
  it('turns action ids into names the API accepts', () => {
    expect(sanitizeToolName('jira:create-issue')).toBe('jira__create-issue');
    expect(sanitizeToolName('my.plugin:do thing')).toBe('my_plugin__do_thing');
    const long = sanitizeToolName(`plugin:${'x'.repeat(80)}`);
    expect(long).toMatch(TOOL_NAME_PATTERN);
    expect(long).toHaveLength(64);
    expect(sanitizeToolName(`plugin:${'x'.repeat(80)}y`)).not.toBe(long);
  });
});

describe('ToolCatalog', () => {
  it('offers each action as a function tool, mapped back by name', () => {
    const catalog = ToolCatalog.fromActions([
      action('pipelines:get-run'),
      action('jira:create-issue', {
        attributes: { readOnly: false, destructive: false, idempotent: false },
      }),
    ]);

    expect(catalog.size).toBe(2);
    expect(catalog.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'jira__create-issue',
          description:
            'Title of jira:create-issue. Does jira:create-issue Changes something: the portal asks the user to confirm this exact call before it runs.',
          parameters: {
            type: 'object',
            properties: { runId: { type: 'string' } },
            required: ['runId'],
            additionalProperties: false,
          },
        },
      },
      {
        type: 'function',
        function: {
          name: 'pipelines__get-run',
          description:
            'Title of pipelines:get-run. Does pipelines:get-run Read-only: runs at once.',
          parameters: expect.objectContaining({ type: 'object' }),
        },
      },
    ]);
    expect(catalog.actionForTool('pipelines__get-run')?.id).toBe(
      'pipelines:get-run',
    );
    expect(catalog.actionForTool('pipelines:get-run')).toBeUndefined();
    expect(catalog.action('jira:create-issue')?.id).toBe('jira:create-issue');
    expect(catalog.toolName('jira:create-issue')).toBe('jira__create-issue');
    expect(catalog.toolName('gone:action')).toBe('gone__action');
  });

  it('keeps names unique when two ids sanitize alike, and lists an id once', () => {
    const catalog = ToolCatalog.fromActions([
      action('a:b'),
      action('a__b'),
      action('a:b'),
    ]);
    expect(catalog.tools.map(t => t.function.name)).toEqual(['a__b', 'a__b_2']);
    expect(catalog.actionForTool('a__b_2')?.id).toBe('a:b');
  });

  it('gives an object schema to actions whose input schema is not one, and cuts long descriptions', () => {
    const catalog = ToolCatalog.fromActions([
      action('x:no-schema', { schema: { input: {}, output: {} } }),
      action('x:bare', { schema: { input: { type: 'object' }, output: {} } }),
      action('x:long', { description: 'd'.repeat(3000) }),
    ]);
    const [bare, long, noSchema] = catalog.tools;
    expect(noSchema.function.parameters).toEqual({
      type: 'object',
      properties: {},
    });
    expect(bare.function.parameters).toEqual({
      type: 'object',
      properties: {},
    });
    expect(long.function.description.length).toBeLessThanOrEqual(1024);
    expect(long.function.description).toMatch(/… Read-only: runs at once\.$/);
  });
});
