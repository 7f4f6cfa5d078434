import type { ActionsServiceAction } from '@backstage/backend-plugin-api/alpha';
import { createHash } from 'node:crypto';

/** A function tool as Chat Completions takes it. */
export type ChatTool = {
  type: 'function';
  function: {
    name: string;
    description: string;
    parameters: Record<string, unknown>;
  };
};

/** OpenAI's rule for function names (also what Ollama, vLLM and LiteLLM accept). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_DESCRIPTION = 1024;

/**
 * The tool name for an action id: `jira:create-issue` → `jira__create-issue`. Other
 * characters outside the pattern become `_`; a name over 64 characters keeps its start and a
 * hash of the whole id.
 */
export function sanitizeToolName(actionId: string): string {
  const name = actionId.replace(/:/g, '__').replace(/[^a-zA-Z0-9_-]/g, '_');
  if (name.length <= 64 && name.length > 0) return name;
  const hash = createHash('sha256').update(actionId).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}_${hash}`;
}

function parametersOf(action: ActionsServiceAction): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = (action.schema?.input ??
    {}) as Record<string, unknown>;
  if (schema.type !== 'object') {
    return { type: 'object', properties: {} };
  }
  return schema.properties ? schema : { ...schema, properties: {} };
}

function describe(action: ActionsServiceAction): string {
  const effect = action.attributes.readOnly
    ? 'Read-only: runs at once.'
    : 'Changes something: the portal asks the user to confirm this exact call before it runs.';
  const text = `${action.title}. ${action.description}`.trim();
  const room = MAX_DESCRIPTION - effect.length - 1;
  return `${
    text.length > room ? `${text.slice(0, room - 1)}…` : text
  } ${effect}`;
}

/**
 * The actions a user may call, offered as tools: names made valid for the model's API and
 * mapped back, descriptions and JSON schemas from the registry.
 */
export class ToolCatalog {
  static fromActions(actions: ActionsServiceAction[]): ToolCatalog {
    return new ToolCatalog(actions);
  }

  private readonly byName = new Map<string, ActionsServiceAction>();
  private readonly nameById = new Map<string, string>();
  readonly tools: ChatTool[] = [];

  private constructor(actions: ActionsServiceAction[]) {
    const sorted = [...actions].sort((a, b) => a.id.localeCompare(b.id));
    for (const action of sorted) {
      if (this.nameById.has(action.id)) continue;
      let name = sanitizeToolName(action.id);
      // Two ids that sanitize alike (`a:b` and `a__b`): the later one gets a suffix
      for (let n = 2; this.byName.has(name); n++) {
        name = `${sanitizeToolName(action.id).slice(0, 60)}_${n}`;
      }
      this.byName.set(name, action);
      this.nameById.set(action.id, name);
      this.tools.push({
        type: 'function',
        function: {
          name,
          description: describe(action),
          parameters: parametersOf(action),
        },
      });
    }
  }

  /** The action behind a tool name the model used; undefined for a name not offered. */
  actionForTool(toolName: string): ActionsServiceAction | undefined {
    return this.byName.get(toolName);
  }

  action(actionId: string): ActionsServiceAction | undefined {
    const name = this.nameById.get(actionId);
    return name ? this.byName.get(name) : undefined;
  }

  /** The tool name of an action, also for one no longer offered (for the history). */
  toolName(actionId: string): string {
    return this.nameById.get(actionId) ?? sanitizeToolName(actionId);
  }

  get size(): number {
    return this.tools.length;
  }
}
