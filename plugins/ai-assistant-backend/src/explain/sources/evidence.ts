import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import { ActionReadError, type ActionReader } from '../ActionReader';
import type { ModelEvidence } from './FailureSource';

/** How a run stands for the analysis: explainable, or why not. */
export function assertExplainable(
  what: string,
  status: string,
  states: { failed: string[]; active: string[] },
) {
  if (states.failed.includes(status)) return;
  if (states.active.includes(status)) {
    throw new ConflictError(
      `${what} is still ${status}; explain it once it has failed`,
    );
  }
  throw new ConflictError(
    `${what} did not fail (it is ${status}); there is no failure to explain`,
  );
}

/** The last `max` lines of a text, and how many were left out before them. */
export function tailLines(
  text: string,
  max: number,
): { text: string; dropped: number } {
  let position = text.length;
  let kept = 0;
  while (kept < max) {
    const previous = text.lastIndexOf('\n', position - 1);
    if (previous < 0) return { text, dropped: 0 };
    position = previous;
    kept += 1;
  }
  const dropped = countLines(text.slice(0, position + 1));
  return { text: text.slice(position + 1), dropped };
}

export function countLines(text: string): number {
  if (text === '') return 0;
  let count = 1;
  for (
    let index = text.indexOf('\n');
    index >= 0 && index < text.length - 1;
    index = text.indexOf('\n', index + 1)
  ) {
    count += 1;
  }
  return count;
}

export const formatNumber = (value: number) => value.toLocaleString('en-US');

/** Jira keys in links the Jira module put on a run (`PAY-12: summary`). */
const LINKED_ISSUE = /^([A-Z][A-Z0-9_]{0,19}-[1-9][0-9]{0,8}): /;
/** Keys written in a branch or a commit message, upper case only (`PAY-12`, not `utf-8`). */
const KEY_IN_TEXT =
  /(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]{1,19}-[1-9][0-9]{0,8})(?![A-Za-z0-9])/g;
/** Not Jira projects, though they look like keys. */
const NOT_PROJECTS = new Set([
  'UTF',
  'ISO',
  'SHA',
  'RFC',
  'CVE',
  'TLS',
  'HTTP',
]);
export const MAX_JIRA_ISSUES = 3;

/**
 * The Jira issues of a run: those the Jira module linked (`linked`), then keys written in the
 * branch or commit message (`mentioned`: a guess, so one Jira does not know is not an error).
 */
export function jiraKeysOf(run: {
  links?: Array<{ title?: string }>;
  branch?: string;
  commitMessage?: string;
}): { linked: string[]; mentioned: string[] } {
  const linked: string[] = [];
  for (const link of run.links ?? []) {
    const match = LINKED_ISSUE.exec(link.title ?? '');
    if (match && !linked.includes(match[1])) linked.push(match[1]);
  }
  const mentioned: string[] = [];
  for (const text of [run.branch, run.commitMessage]) {
    for (const match of (text ?? '').matchAll(KEY_IN_TEXT)) {
      const key = match[1];
      if (NOT_PROJECTS.has(key.split('-')[0])) continue;
      if (!linked.includes(key) && !mentioned.includes(key)) {
        mentioned.push(key);
      }
    }
  }
  return { linked, mentioned };
}

const cut = (text: unknown, max: number) => {
  const value = typeof text === 'string' ? text : '';
  return value.length > max ? `${value.slice(0, max)}… [cut]` : value;
};

/** The run's Jira issues through `jira:get-issue`, as the caller sees them. */
export async function jiraEvidence(
  reader: ActionReader,
  entityRef: string | undefined,
  keys: { linked: string[]; mentioned: string[] },
): Promise<ModelEvidence[]> {
  if (!entityRef) return [];
  const evidence: ModelEvidence[] = [];
  const wanted = [
    ...keys.linked.map(key => ({ key, linked: true })),
    ...keys.mentioned.map(key => ({ key, linked: false })),
  ].slice(0, MAX_JIRA_ISSUES);
  for (const { key, linked } of wanted) {
    let output: any;
    try {
      output = await reader.invoke('jira:get-issue', { entityRef, key });
    } catch (error) {
      // A key guessed from a branch name may be no issue at all
      if (linked) reader.note(`the Jira issue ${key}`, error);
      continue;
    }
    const issue = output?.issue ?? {};
    const comments = Array.isArray(output?.comments) ? output.comments : [];
    evidence.push({
      kind: 'jira-issue',
      title: `Jira issue ${key}${issue.summary ? `: ${issue.summary}` : ''}`,
      ...(typeof issue.url === 'string' ? { url: issue.url } : {}),
      content: {
        key,
        summary: cut(issue.summary, 300),
        status: cut(issue.status, 100),
        type: cut(issue.type, 100),
        description: cut(output?.description, 1500),
        latestComments: comments.slice(-3).map((c: any) => ({
          created: cut(c?.created, 40),
          body: cut(c?.body, 500),
        })),
      },
    });
  }
  return evidence;
}

/** The entity's SonarQube quality gate through `sonarqube:get-quality-gate`. */
export async function qualityGateEvidence(
  reader: ActionReader,
  entityRef: string | undefined,
  branch: string | undefined,
): Promise<ModelEvidence[]> {
  if (!entityRef) return [];
  const input: JsonObject = { entityRef, ...(branch ? { branch } : {}) };
  const output = await reader.optional<any>(
    `the SonarQube quality gate${branch ? ` of branch ${branch}` : ''}`,
    'sonarqube:get-quality-gate',
    input,
  );
  const projects = Array.isArray(output?.projects) ? output.projects : [];
  return projects.map((project: any) => ({
    kind: 'quality-gate' as const,
    title: `SonarQube quality gate of ${project.project}: ${project.status}`,
    ...(typeof project.url === 'string' ? { url: project.url } : {}),
    content: {
      project: project.project,
      status: project.status,
      failedConditions: (Array.isArray(project.conditions)
        ? project.conditions
        : []
      )
        .filter((c: any) => c?.status === 'ERROR')
        .slice(0, 10),
      ...(project.error ? { error: cut(project.error, 300) } : {}),
    },
  }));
}

/** The newest commits of the entity's repository through `github:list-commits`. */
export async function recentCommitsEvidence(
  reader: ActionReader,
  entityRef: string | undefined,
): Promise<ModelEvidence[]> {
  if (!entityRef) return [];
  const output = await reader.optional<any>(
    "the newest commits of the entity's repository",
    'github:list-commits',
    { entityRef, perPage: 10 },
  );
  const commits = Array.isArray(output?.commits) ? output.commits : [];
  if (commits.length === 0) return [];
  return [
    {
      kind: 'commits',
      title: `The newest commits of ${output.branch ?? 'the default branch'}`,
      content: commits.slice(0, 10).map((c: any) => ({
        sha: cut(c?.sha, 40),
        message: cut(c?.message, 200),
        author: cut(c?.author?.login ?? c?.author?.name ?? c?.author, 100),
        date: cut(c?.date, 40),
        url: cut(c?.htmlUrl, 300),
      })),
    },
  ];
}

/**
 * The run itself could not be read: its system's 404 and 403 as they are, a 400 as bad input,
 * anything else (the plugin down, the cap) as a 503; each naming the run and the action.
 */
export function runReadError(what: string, error: unknown): Error {
  if (!(error instanceof ActionReadError)) return error as Error;
  const message = `${what} cannot be read: ${error.message}`;
  switch (error.statusCode) {
    case 404:
      return new NotFoundError(message);
    case 401:
    case 403:
      return new NotAllowedError(message);
    case 400:
      return new InputError(message);
    default:
      return new ServiceUnavailableError(message);
  }
}
