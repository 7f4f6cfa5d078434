import {
  PIPELINE_KEYS,
  PIPELINE_PARAM_TYPES,
} from '@internal/plugin-pipelines-common';

/**
 * A completion: a key of a pipeline file, or a value, with a short help text; `snippet` is
 * what is inserted when it is not `key: `.
 */
export type SchemaKey = { key: string; help: string; snippet?: string };

type Level = keyof typeof PIPELINE_KEYS;

/**
 * Help texts for the keys the parser accepts, by level. The keys themselves come from the
 * parser's lists (`PIPELINE_KEYS`); a test checks that both name the same keys.
 */
export const KEY_HELP: Record<Level, Record<string, string>> = {
  top: {
    name: 'Pipeline name (required)',
    on: 'Triggers: manual, push, pull_request, schedule',
    params: 'Typed parameters given when a run is triggered',
    env: 'Environment variables for every step',
    jobs: 'The jobs, by id',
  },
  triggers: {
    manual: 'Run by hand',
    push: 'On pushes to matching branches or tags',
    pull_request: 'On pull requests to matching base branches',
    schedule: 'Cron schedules, in UTC',
  },
  push: {
    branches: 'Branch globs, e.g. [main, release/*]',
    tags: 'Tag globs, e.g. [v*]',
  },
  pullRequest: { branches: 'Globs of the base branch' },
  schedule: { cron: "Five fields, UTC, e.g. '0 3 * * *'" },
  param: {
    type: PIPELINE_PARAM_TYPES.join(', '),
    description: 'Shown when triggering',
    default: 'Value when none is given',
    options: 'Allowed values, for type choice',
    enum: 'Allowed values of a string, e.g. [spec, tap]',
    pattern: 'Regular expression the whole string must match',
    maxLength: 'Most characters of a string (default 1000)',
    required: 'Must be given when triggering',
  },
  job: {
    name: 'Display name',
    needs: 'Jobs that must succeed first, e.g. [build]',
    matrix: 'One job instance per combination of values',
    if: "Condition, e.g. params.deploy == 'true'",
    timeout: 'e.g. 10m, 1h30m',
    retry: 'Extra attempts after a failure',
    env: 'Environment variables for the job',
    steps: 'What the job runs, in order',
    artifacts: 'Paths kept after the job',
    approval: 'Wait for a person to approve (no steps)',
    image: 'Container image (Kubernetes executor), e.g. node:22',
  },
  step: {
    name: 'Display name',
    run: 'A bash script',
    uses: 'A registered step type',
    with: "Inputs of the step type in 'uses'",
    env: 'Environment variables for the step',
    if: 'Condition',
    timeout: 'e.g. 5m',
    'continue-on-error': 'A failure does not fail the job',
  },
  approval: {
    description: 'What the approver decides',
    environment: 'Its approvers are pipelines.environments.<name> (config)',
    approvers: 'Narrows who decides, e.g. [group:default/team]',
  },
};

const SNIPPETS: Partial<Record<Level, Record<string, string>>> = {
  triggers: { manual: 'manual: {}' },
};

function level(name: Level): SchemaKey[] {
  return PIPELINE_KEYS[name].map(key => ({
    key,
    help: KEY_HELP[name][key] ?? '',
    snippet: SNIPPETS[name]?.[key],
  }));
}

/** The keys the editor completes, by level, in the parser's order. */
export const SCHEMA = {
  TOP: level('top'),
  TRIGGERS: level('triggers'),
  PUSH: level('push'),
  PULL_REQUEST: level('pullRequest'),
  SCHEDULE: level('schedule'),
  PARAM: level('param'),
  JOB: level('job'),
  STEP: level('step'),
  APPROVAL: level('approval'),
};

export type CompletionOptions = {
  /** The step types `uses:` may name; none are offered when unknown. */
  stepTypes?: readonly string[];
};

export type Completion = {
  /** A key (`key: ` is inserted) or a value (its snippet is inserted). */
  kind: 'key' | 'value';
  keys: SchemaKey[];
  prefix: string;
  from: number;
};

/**
 * The keys of enclosing mappings of a position at `column` of the line starting at
 * `lineStart`, read from the lines above by indentation (enough for the block style pipeline
 * files use); `inList` is whether the position is in a list item.
 */
function enclosingPath(
  text: string,
  lineStart: number,
  startColumn: number,
  startInList: boolean,
) {
  let column = startColumn;
  let inList = startInList;
  const path: string[] = [];
  const lines = text.slice(0, lineStart).split('\n');
  for (let i = lines.length - 1; i >= 0 && column > 0; i--) {
    const line = lines[i];
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const dash = trimmed.startsWith('- ');
    const keyColumn = indent + (dash ? 2 : 0);
    const key = /^(?:- )?([A-Za-z0-9_.-]+)\s*:(\s|$)/.exec(trimmed)?.[1];
    if (dash && keyColumn === column) {
      // a sibling key in the same list item: the list's key is further up
      if (path.length === 0) inList = true;
      column = indent;
    } else if (indent < column && key) {
      path.unshift(key);
      column = indent;
    }
  }
  return { path, inList };
}

/** The ids of the jobs in the document (block style), in file order. */
export function jobIds(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex(line => /^jobs\s*:\s*(#.*)?$/.test(line));
  if (start === -1) return [];
  const ids: string[] = [];
  let childIndent: number | undefined;
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) break;
    childIndent ??= indent;
    const id = /^([A-Za-z0-9_-]+)\s*:(\s|$)/.exec(trimmed)?.[1];
    if (indent === childIndent && id) ids.push(id);
  }
  return ids;
}

function values(
  candidates: readonly string[],
  help: string,
  prefix: string,
  from: number,
): Completion {
  return {
    kind: 'value',
    keys: candidates
      .filter(value => value.startsWith(prefix) && value !== prefix)
      .map(value => ({ key: value, help, snippet: value })),
    prefix,
    from,
  };
}

/** The other jobs `jobId` may need, without those `listed` already. */
function needsCandidates(text: string, jobId: string, listed: string[]) {
  return jobIds(text).filter(id => id !== jobId && !listed.includes(id));
}

/**
 * What may be typed at `offset`: the keys allowed there, or at a value position the values
 * known for its key (`needs`: the other jobs, `uses`: the step types, a param's `type`: the
 * param types).
 */
export function completionContext(
  text: string,
  offset: number,
  options: CompletionOptions = {},
): Completion | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const keyMatch = /^(\s*)(- )?([A-Za-z0-9_-]*)$/.exec(before);
  if (keyMatch) {
    const prefix = keyMatch[3];
    const from = offset - prefix.length;
    const { path, inList } = enclosingPath(
      text,
      lineStart,
      keyMatch[1].length + (keyMatch[2] ? 2 : 0),
      Boolean(keyMatch[2]),
    );
    // A block list item under `needs:`
    if (
      keyMatch[2] &&
      path.length === 3 &&
      path[0] === 'jobs' &&
      path[2] === 'needs'
    ) {
      const listed = needsInBlock(text, lineStart);
      return values(
        needsCandidates(text, path[1], listed),
        'Job',
        prefix,
        from,
      );
    }
    const keys = keysAt(path, inList);
    if (!keys) return undefined;
    return {
      kind: 'key',
      keys: keys.filter(k => k.key.startsWith(prefix) && k.key !== prefix),
      prefix,
      from,
    };
  }

  const valueMatch = /^(\s*)(- )?([A-Za-z0-9_-]+)\s*:[ \t]+(.*)$/.exec(before);
  if (!valueMatch) return undefined;
  const [, indent, dash, key, rest] = valueMatch;
  const { path, inList } = enclosingPath(
    text,
    lineStart,
    indent.length + (dash ? 2 : 0),
    Boolean(dash),
  );
  if (key === 'needs' && path.length === 2 && path[0] === 'jobs') {
    const flow = /^\[((?:[^\],]*,)*)\s*([A-Za-z0-9_-]*)$/.exec(rest);
    const plain = /^([A-Za-z0-9_-]*)$/.exec(rest);
    if (flow) {
      const listed = flow[1]
        .split(',')
        .map(item => item.trim())
        .filter(Boolean);
      return values(
        needsCandidates(text, path[1], listed),
        'Job',
        flow[2],
        offset - flow[2].length,
      );
    }
    if (plain) {
      return values(
        needsCandidates(text, path[1], []),
        'Job',
        plain[1],
        offset - plain[1].length,
      );
    }
    return undefined;
  }
  if (
    key === 'uses' &&
    inList &&
    path.length === 3 &&
    path[0] === 'jobs' &&
    path[2] === 'steps'
  ) {
    const plain = /^([A-Za-z0-9_./@-]*)$/.exec(rest);
    if (!plain) return undefined;
    return values(
      options.stepTypes ?? [],
      'Step type',
      plain[1],
      offset - plain[1].length,
    );
  }
  if (key === 'type' && path.length === 2 && path[0] === 'params') {
    const plain = /^([a-z]*)$/.exec(rest);
    if (!plain) return undefined;
    return values(
      PIPELINE_PARAM_TYPES,
      'Param type',
      plain[1],
      offset - plain[1].length,
    );
  }
  return undefined;
}

/** The items of the block list whose item starts on the line at `lineStart` (lines above). */
function needsInBlock(text: string, lineStart: number): string[] {
  const lines = text.slice(0, Math.max(0, lineStart - 1)).split('\n');
  const listed: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const item = /^\s*- ([A-Za-z0-9_-]+)\s*$/.exec(lines[i]);
    if (!item) break;
    listed.push(item[1]);
  }
  return listed;
}

function keysAt(path: string[], inList: boolean): SchemaKey[] | undefined {
  const [first, second, third, fourth] = path;
  if (path.length === 0) return SCHEMA.TOP;
  if (first === 'on') {
    if (path.length === 1) return SCHEMA.TRIGGERS;
    if (second === 'push' && path.length === 2) return SCHEMA.PUSH;
    if (second === 'pull_request' && path.length === 2)
      return SCHEMA.PULL_REQUEST;
    if (second === 'schedule' && inList) return SCHEMA.SCHEDULE;
    return undefined;
  }
  if (first === 'params') return path.length === 2 ? SCHEMA.PARAM : undefined;
  if (first === 'jobs') {
    if (path.length === 2) return SCHEMA.JOB;
    if (third === 'steps' && inList && !fourth) return SCHEMA.STEP;
    if (third === 'approval' && path.length === 3) return SCHEMA.APPROVAL;
  }
  return undefined;
}

/** A new pipeline to start from. */
export const STARTER_PIPELINE = `name: build-and-test
on:
  manual: {}
  push:
    branches: [main]
params:
  verbose:
    type: boolean
    default: false
    description: Print more while testing
jobs:
  build:
    steps:
      - name: Build
        run: npm ci && npm run build
    artifacts:
      - dist/
  test:
    needs: [build]
    steps:
      - name: Test
        run: npm test
`;
