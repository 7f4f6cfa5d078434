/**
 * What Comet's Jira backend answers and accepts (`/api/jira`), the same for Jira Cloud and Jira
 * Data Center: the client maps both products' REST dialects onto these shapes.
 */

/** `cloud`: REST v3 and ADF descriptions; `datacenter`: REST v2 and wiki markup. */
export type JiraProduct = 'cloud' | 'datacenter';

/** Jira's three status categories (`statusCategory.key`). */
export type JiraStatusCategory = 'new' | 'indeterminate' | 'done';

export type JiraUser = {
  /** Cloud's account id; on Data Center the user's `key`. */
  id: string;
  displayName: string;
  emailAddress?: string;
  avatarUrl?: string;
};

export type JiraIssue = {
  /** `PAY-123` */
  key: string;
  id: string;
  /** Where a browser opens it: `<browseUrl or baseUrl>/browse/<key>`. */
  url: string;
  summary: string;
  status: { name: string; category: JiraStatusCategory };
  type: { name: string; iconUrl?: string; subtask?: boolean };
  priority?: { name: string; iconUrl?: string };
  assignee?: JiraUser;
  reporter?: JiraUser;
  labels: string[];
  components: string[];
  fixVersions: string[];
  /** The instance's story-points field (`customFields` maps it by name). */
  storyPoints?: number;
  /** Values of the instance's `customFields`, by their configured name. */
  customFields: Record<string, unknown>;
  /** ISO 8601 */
  created: string;
  updated: string;
  resolution?: string;
};

export type JiraComment = {
  id: string;
  author?: JiraUser;
  /** Converted from ADF (Cloud) or wiki markup (Data Center). */
  bodyMarkdown: string;
  created: string;
};

/** One issue read whole: its description and latest comments. */
export type JiraIssueDetail = JiraIssue & {
  descriptionMarkdown: string;
  /** The same description as sanitised HTML (no scripts, no event handlers). */
  descriptionHtml: string;
  comments: JiraComment[];
};

export type JiraTransition = {
  id: string;
  name: string;
  to: { name: string; category: JiraStatusCategory };
};

/** One page of a search. `nextPageToken` absent means the last page. */
export type JiraSearchPage = {
  issues: JiraIssue[];
  nextPageToken?: string;
  /** Cloud: `approximate-count`; Data Center: `total`. */
  total?: number;
};

/** A stale answer served while Jira throttles, or another thing the user should know. */
export type JiraNotice = { kind: 'stale' | 'info'; message: string };

export type JiraProjectRef = {
  /** The instance's name (`jira.instances[].name`). */
  instance: string;
  projectKey: string;
};

export type JiraEntityScope = {
  projects: JiraProjectRef[];
  component?: string;
  label?: string;
  /** The JQL that selects the entity's issues (before the user's own filters). */
  jql: string;
};

export type JiraOverview = {
  scope: JiraEntityScope;
  total: number;
  byStatus: Array<{
    name: string;
    category: JiraStatusCategory;
    count: number;
  }>;
  byType: Array<{ name: string; count: number }>;
  notices: JiraNotice[];
};

export type JiraIssueFilters = {
  /** Status names */
  status?: string[];
  /** Issue type names */
  type?: string[];
  /** Account ids / user keys; `unassigned` for none, `me` for the signed-in user */
  assignee?: string[];
  /** Extra JQL, ANDed with the entity's own (it can only narrow it). */
  jql?: string;
};

export type JiraCreateField = {
  /** `summary`, `customfield_10016`, … */
  id: string;
  name: string;
  required: boolean;
  /** Jira's `schema.type`: string, number, array, option, user, … */
  schemaType: string;
  /** For arrays: the item type. */
  itemsType?: string;
  allowedValues?: Array<{ id: string; name: string }>;
};

/** The fields a project's issue types take (Jira's create metadata). */
export type JiraCreateMeta = {
  projects: Array<{
    instance: string;
    key: string;
    name: string;
    issueTypes: Array<{
      id: string;
      name: string;
      subtask: boolean;
      fields: JiraCreateField[];
    }>;
  }>;
};

export type JiraCreateIssueInput = {
  /** One of the entity's projects; optional when the entity has exactly one. */
  projectKey?: string;
  /** The issue type's name (`Bug`) or id. */
  issueType: string;
  summary: string;
  /** Markdown: converted to ADF (Cloud) or wiki markup (Data Center). */
  description?: string;
  /** Account id (Cloud) or user name (Data Center). */
  assignee?: string;
  labels?: string[];
  components?: string[];
  /** By configured custom-field name or by field id. */
  customFields?: Record<string, unknown>;
};

export type JiraCreatedIssue = { key: string; id: string; url: string };

export type JiraBoard = { id: number; name: string; type: string };

export type JiraSprint = {
  id: number;
  name: string;
  state: 'active' | 'future' | 'closed';
  startDate?: string;
  endDate?: string;
  goal?: string;
};

export type JiraBurndownPoint = {
  /** `YYYY-MM-DD` */
  date: string;
  /** Story points not done at the end of that day. */
  remaining: number;
  /** The straight line from the sprint's committed points to zero. */
  ideal: number;
};

export type JiraActiveSprint = {
  board: JiraBoard;
  /** Undefined when the board has no active sprint. */
  sprint?: JiraSprint;
  issues: JiraIssue[];
  burndown: JiraBurndownPoint[];
  notices: JiraNotice[];
};

export type JiraVersion = {
  id: string;
  name: string;
  released: boolean;
  releaseDate?: string;
  projectKey: string;
};

export type JiraReleaseNotes = {
  version: string;
  /** `## Bug` sections with `- KEY summary` lines, copyable as is. */
  markdown: string;
  groups: Array<{ type: string; issues: JiraIssue[] }>;
};

/**
 * The latest Comet pipeline run that named an issue in its branch, a commit message or its
 * pull request title (recorded by `@internal/plugin-pipelines-backend-module-jira`).
 */
export type JiraLinkedRun = {
  runId: string;
  entityRef: string;
  pipeline: string;
  runNumber: number;
  /** The run's status when it was last reported: queued, running, succeeded, failed, … */
  status: string;
  /** The run page in the portal, e.g. `/pipelines/runs/<runId>`. */
  path: string;
  /** When the run last changed (ISO 8601). */
  updatedAt: string;
};

/** A page of an entity's issues, with the latest linked run of each issue on it. */
export type JiraEntityIssuesPage = JiraSearchPage & {
  notices: JiraNotice[];
  /** By issue key; issues that no run named are absent. */
  linkedRuns: Record<string, JiraLinkedRun>;
};
