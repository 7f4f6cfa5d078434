/**
 * The keys of a pipeline file, by where they may appear, with a short help text each: what
 * the editor completes. (The parser in pipelines-common is the authority; a test checks that
 * every key here parses.)
 */
export type SchemaKey = { key: string; help: string; snippet?: string };

const TOP: SchemaKey[] = [
  { key: 'name', help: 'Pipeline name (required)' },
  { key: 'on', help: 'Triggers: manual, push, pull_request, schedule' },
  { key: 'params', help: 'Typed parameters given when a run is triggered' },
  { key: 'env', help: 'Environment variables for every step' },
  { key: 'jobs', help: 'The jobs, by id' },
];
const TRIGGERS: SchemaKey[] = [
  { key: 'manual', help: 'Run by hand', snippet: 'manual: {}' },
  { key: 'push', help: 'On pushes to matching branches or tags' },
  { key: 'pull_request', help: 'On pull requests to matching base branches' },
  { key: 'schedule', help: 'Cron schedules, in UTC' },
];
const PUSH: SchemaKey[] = [
  { key: 'branches', help: 'Branch globs, e.g. [main, release/*]' },
  { key: 'tags', help: 'Tag globs, e.g. [v*]' },
];
const PULL_REQUEST: SchemaKey[] = [
  { key: 'branches', help: 'Globs of the base branch' },
];
const SCHEDULE: SchemaKey[] = [
  { key: 'cron', help: "Five fields, UTC, e.g. '0 3 * * *'" },
];
const PARAM: SchemaKey[] = [
  { key: 'type', help: 'string, number, boolean or choice' },
  { key: 'description', help: 'Shown when triggering' },
  { key: 'default', help: 'Value when none is given' },
  { key: 'options', help: 'Allowed values, for type choice' },
  { key: 'required', help: 'Must be given when triggering' },
];
const JOB: SchemaKey[] = [
  { key: 'name', help: 'Display name' },
  { key: 'needs', help: 'Jobs that must succeed first, e.g. [build]' },
  { key: 'matrix', help: 'One job instance per combination of values' },
  { key: 'if', help: "Condition, e.g. params.deploy == 'true'" },
  { key: 'timeout', help: 'e.g. 10m, 1h30m' },
  { key: 'retry', help: 'Extra attempts after a failure' },
  { key: 'env', help: 'Environment variables for the job' },
  { key: 'steps', help: 'What the job runs, in order' },
  { key: 'artifacts', help: 'Paths kept after the job' },
  { key: 'approval', help: 'Wait for a person to approve (no steps)' },
];
const STEP: SchemaKey[] = [
  { key: 'name', help: 'Display name' },
  { key: 'run', help: 'A bash script' },
  { key: 'uses', help: 'A registered step type' },
  { key: 'with', help: "Inputs of the step type in 'uses'" },
  { key: 'env', help: 'Environment variables for the step' },
  { key: 'if', help: 'Condition' },
  { key: 'timeout', help: 'e.g. 5m' },
  { key: 'continue-on-error', help: 'A failure does not fail the job' },
];
const APPROVAL: SchemaKey[] = [
  { key: 'description', help: 'What the approver decides' },
  { key: 'approvers', help: 'Users or groups, e.g. [group:default/team]' },
];

export const SCHEMA = {
  TOP,
  TRIGGERS,
  PUSH,
  PULL_REQUEST,
  SCHEDULE,
  PARAM,
  JOB,
  STEP,
  APPROVAL,
};

/**
 * The keys that may be typed at `offset`: the path of enclosing keys is read from the lines
 * above by indentation (enough for the block style pipeline files use).
 */
export function completionContext(
  text: string,
  offset: number,
): { keys: SchemaKey[]; prefix: string; from: number } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const match = /^(\s*)(- )?([A-Za-z_-]*)$/.exec(before);
  if (!match) return undefined; // not at a key position (e.g. after "key: ")
  const prefix = match[3];
  const from = offset - prefix.length;
  let column = match[1].length + (match[2] ? 2 : 0);
  let inList = Boolean(match[2]);
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
  const keys = keysAt(path, inList);
  if (!keys) return undefined;
  return {
    keys: keys.filter(k => k.key.startsWith(prefix) && k.key !== prefix),
    prefix,
    from,
  };
}

function keysAt(path: string[], inList: boolean): SchemaKey[] | undefined {
  const [first, second, third, fourth] = path;
  if (path.length === 0) return TOP;
  if (first === 'on') {
    if (path.length === 1) return TRIGGERS;
    if (second === 'push' && path.length === 2) return PUSH;
    if (second === 'pull_request' && path.length === 2) return PULL_REQUEST;
    if (second === 'schedule' && inList) return SCHEDULE;
    return undefined;
  }
  if (first === 'params') return path.length === 2 ? PARAM : undefined;
  if (first === 'jobs') {
    if (path.length === 2) return JOB;
    if (third === 'steps' && inList && !fourth) return STEP;
    if (third === 'approval' && path.length === 3) return APPROVAL;
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
