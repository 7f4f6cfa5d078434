import type { JiraProduct } from '@internal/plugin-jira-common';
import {
  clauses,
  JqlClause,
  JqlError,
  JqlNode,
  JqlQuery,
  JqlValue,
} from './jql';

/**
 * The data behind the Jira fake: users with their credentials, projects with components and
 * versions, issues with a workflow, comments, attachments and a changelog, boards and sprints.
 * Descriptions and comment bodies are stored as the product speaks them: ADF documents for
 * Cloud, wiki markup strings for Data Center.
 */

export type JiraFakeRole = 'admin' | 'write' | 'read';

export type JiraFakeUserSeed = {
  emailAddress: string;
  displayName: string;
  /** Cloud account id; generated when absent. */
  accountId?: string;
  /** Data Center user name; the email's local part when absent. */
  name?: string;
  /** Cloud API tokens (Basic `email:token`). */
  apiTokens?: string[];
  /** Data Center personal access tokens (Bearer). */
  personalAccessTokens?: string[];
  /** `read` may not write; only `admin` may create components. Default `write`. */
  role?: JiraFakeRole;
};

export type FakeUser = {
  accountId: string;
  key: string;
  name: string;
  displayName: string;
  emailAddress: string;
  active: boolean;
  apiTokens: string[];
  personalAccessTokens: string[];
  role: JiraFakeRole;
};

export type FakeStatus = {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
};

export type FakeIssueType = {
  id: string;
  name: string;
  subtask: boolean;
  description: string;
  hierarchyLevel: number;
};

export type FakeComponent = {
  id: string;
  name: string;
  description?: string;
  leadAccountId?: string;
};

export type FakeVersion = {
  id: string;
  name: string;
  released: boolean;
  archived: boolean;
  releaseDate?: string;
  startDate?: string;
};

export type FakeProject = {
  id: string;
  key: string;
  name: string;
  leadAccountId: string;
  components: FakeComponent[];
  versions: FakeVersion[];
  nextNumber: number;
};

export type FakeBoard = {
  id: number;
  name: string;
  type: 'scrum' | 'kanban';
  projectKey: string;
};

export type FakeSprint = {
  id: number;
  name: string;
  state: 'active' | 'future' | 'closed';
  boardId: number;
  startDate?: Date;
  endDate?: Date;
  completeDate?: Date;
  goal?: string;
};

export type FakeHistoryItem = {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId?: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
};

export type FakeHistory = {
  id: string;
  authorId: string;
  created: Date;
  items: FakeHistoryItem[];
};

export type FakeComment = {
  id: string;
  authorId: string;
  /** ADF (Cloud) or wiki markup (Data Center). */
  body: unknown;
  created: Date;
  updated: Date;
};

export type FakeAttachment = {
  id: string;
  filename: string;
  size: number;
  mimeType: string;
  authorId: string;
  created: Date;
  content: Buffer;
};

export type FakeIssue = {
  id: string;
  key: string;
  projectKey: string;
  issueTypeId: string;
  summary: string;
  /** ADF (Cloud) or wiki markup (Data Center), or null. */
  description: unknown;
  statusId: string;
  priorityId: string;
  assigneeId?: string;
  reporterId: string;
  labels: string[];
  /** Component ids */
  components: string[];
  /** Version ids */
  fixVersions: string[];
  sprintIds: number[];
  parentKey?: string;
  /** Custom field values by id (story points included). */
  customFields: Record<string, unknown>;
  created: Date;
  updated: Date;
  resolution?: string;
  resolutionDate?: Date;
  comments: FakeComment[];
  attachments: FakeAttachment[];
  changelog: FakeHistory[];
};

/** The custom fields every fake instance has. Map `Story points` to `storyPoints` in config. */
export const JIRA_FAKE_FIELDS = {
  storyPoints: 'customfield_10016',
  sprint: 'customfield_10020',
  team: 'customfield_10001',
} as const;

/** The API token of the demo account `comet@example.com` (Cloud). Not a secret. */
export const JIRA_FAKE_DEMO_API_TOKEN = 'jira_fake_demo_api_token_not_a_secret';
/** The personal access token of the demo account `comet` (Data Center). Not a secret. */
export const JIRA_FAKE_DEMO_PAT = 'jira_fake_demo_pat_not_a_secret';
export const JIRA_FAKE_DEMO_EMAIL = 'comet@example.com';

export const FAKE_STATUSES: FakeStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'Done', category: 'done' },
];

export const STATUS_CATEGORIES = {
  new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: {
    id: 4,
    key: 'indeterminate',
    name: 'In Progress',
    colorName: 'yellow',
  },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
} as const;

/** The workflow: To Do → In Progress → Done, with a way back from each. */
export const FAKE_WORKFLOW: Record<
  string,
  Array<{ id: string; name: string; to: string }>
> = {
  '10000': [{ id: '21', name: 'In Progress', to: '3' }],
  '3': [
    { id: '11', name: 'To Do', to: '10000' },
    { id: '31', name: 'Done', to: '10001' },
  ],
  '10001': [{ id: '41', name: 'Reopen', to: '10000' }],
};

export const FAKE_ISSUE_TYPES: FakeIssueType[] = [
  {
    id: '10000',
    name: 'Epic',
    subtask: false,
    description: 'A big user story that needs to be broken down.',
    hierarchyLevel: 1,
  },
  {
    id: '10001',
    name: 'Story',
    subtask: false,
    description: 'Functionality or a feature expressed as a user goal.',
    hierarchyLevel: 0,
  },
  {
    id: '10002',
    name: 'Task',
    subtask: false,
    description: 'A small, distinct piece of work.',
    hierarchyLevel: 0,
  },
  {
    id: '10004',
    name: 'Bug',
    subtask: false,
    description: 'A problem or error.',
    hierarchyLevel: 0,
  },
  {
    id: '10003',
    name: 'Sub-task',
    subtask: true,
    description: 'A small piece of work that is part of a larger task.',
    hierarchyLevel: -1,
  },
];

export const FAKE_PRIORITIES = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];

const TEAM_OPTIONS = [
  { id: '10100', value: 'Payments Core' },
  { id: '10101', value: 'Storefront' },
  { id: '10102', value: 'Finance Platform' },
];

const DAY = 24 * 60 * 60 * 1000;

function accountIdFor(n: number) {
  return `712020:${String(n).padStart(8, '0')}-c0de-4e7a-8f00-${String(
    n,
  ).padStart(12, '0')}`;
}

/** The users every fake has: the demo service account and the example people. */
export const DEFAULT_FAKE_USERS: JiraFakeUserSeed[] = [
  {
    emailAddress: JIRA_FAKE_DEMO_EMAIL,
    displayName: 'Comet',
    name: 'comet',
    apiTokens: [JIRA_FAKE_DEMO_API_TOKEN],
    personalAccessTokens: [JIRA_FAKE_DEMO_PAT],
    role: 'admin',
  },
  {
    emailAddress: 'alan.turing@example.com',
    displayName: 'Alan Turing',
    apiTokens: ['jira_fake_token_alan'],
    personalAccessTokens: ['jira_fake_pat_alan'],
    role: 'write',
  },
  {
    emailAddress: 'katherine.johnson@example.com',
    displayName: 'Katherine Johnson',
    apiTokens: ['jira_fake_token_katherine'],
    personalAccessTokens: ['jira_fake_pat_katherine'],
    role: 'write',
  },
  {
    emailAddress: 'guest@example.com',
    displayName: 'Guest',
    apiTokens: ['jira_fake_token_guest'],
    personalAccessTokens: ['jira_fake_pat_guest'],
    role: 'read',
  },
];

/** A Jira error answer: status, `errorMessages` and `errors` as Jira sends them. */
export class JiraFakeError extends Error {
  constructor(
    readonly status: number,
    readonly errorMessages: string[],
    readonly errors: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
  }
}

/** A rich description, as each product stores it. */
function describe(product: JiraProduct, adf: unknown, wiki: string) {
  return product === 'cloud' ? adf : wiki;
}

function adfParagraphs(...texts: string[]) {
  return {
    type: 'doc',
    version: 1,
    content: texts.map(text => ({
      type: 'paragraph',
      content: [{ type: 'text', text }],
    })),
  };
}

/** The ADF a fake writes for a plain text (generated issues, seeded comments). */
export function plainBody(product: JiraProduct, text: string): unknown {
  return product === 'cloud' ? adfParagraphs(text) : text;
}

type ExampleIssue = {
  type: 'Epic' | 'Story' | 'Task' | 'Bug';
  summary: string;
  status: 'To Do' | 'In Progress' | 'Done';
  points?: number;
  components: string[];
  labels?: string[];
  assignee?: 'alan' | 'katherine' | 'comet';
  priority?: string;
  fixVersion?: string;
  /** `active`, `closed` or `future` sprint of the project's scrum board. */
  sprint?: 'active' | 'closed' | 'future';
  /** For the active sprint: the day (0 = sprint start) it reached In Progress and Done. */
  progressDay?: number;
  doneDay?: number;
  /** Added to the active sprint after it started, on this day. */
  addedDay?: number;
  /** Re-estimated on this day from `fromPoints`. */
  reestimate?: { day: number; fromPoints: number };
};

const PAY_ISSUES: ExampleIssue[] = [
  {
    type: 'Epic',
    summary: '3-D Secure 2 for card payments',
    status: 'In Progress',
    components: ['payments-api'],
    labels: ['pci'],
    assignee: 'alan',
    fixVersion: '1.5.0',
  },
  {
    type: 'Story',
    summary: 'Challenge flow for 3-D Secure 2 in checkout',
    status: 'In Progress',
    points: 8,
    components: ['checkout', 'payments-api'],
    labels: ['pci', 'frontend'],
    assignee: 'alan',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 1,
  },
  {
    type: 'Story',
    summary: 'Store the 3DS authentication result with the payment',
    status: 'Done',
    points: 5,
    components: ['payments-api'],
    labels: ['pci', 'backend'],
    assignee: 'katherine',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 0,
    doneDay: 2,
  },
  {
    type: 'Bug',
    summary: 'Checkout returns 502 when the card issuer times out',
    status: 'Done',
    points: 3,
    components: ['checkout'],
    labels: ['customer-reported', 'backend'],
    assignee: 'katherine',
    priority: 'High',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 0,
    doneDay: 1,
  },
  {
    type: 'Task',
    summary: 'Rotate the payment gateway API keys',
    status: 'Done',
    points: 2,
    components: ['payments-api'],
    labels: ['pci'],
    assignee: 'comet',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 2,
    doneDay: 3,
  },
  {
    type: 'Story',
    summary: 'Partial refunds from the support console',
    status: 'In Progress',
    points: 5,
    components: ['refunds'],
    labels: ['backend'],
    assignee: 'katherine',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 3,
    reestimate: { day: 2, fromPoints: 3 },
  },
  {
    type: 'Bug',
    summary: 'Refund webhook is delivered twice after a retry',
    status: 'Done',
    points: 3,
    components: ['refunds'],
    labels: ['backend', 'customer-reported'],
    assignee: 'alan',
    priority: 'Highest',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 1,
    doneDay: 4,
  },
  {
    type: 'Story',
    summary: 'Flag payments from new devices for fraud review',
    status: 'To Do',
    points: 8,
    components: ['fraud-detection'],
    labels: ['backend'],
    fixVersion: '1.5.0',
    sprint: 'active',
  },
  {
    type: 'Task',
    summary: 'Quarantine the flaky settlement integration test',
    status: 'Done',
    points: 1,
    components: ['payments-api'],
    labels: ['flaky-test', 'tech-debt'],
    assignee: 'comet',
    sprint: 'active',
    progressDay: 4,
    doneDay: 5,
  },
  {
    type: 'Bug',
    summary: 'Currency rounding differs between cart and receipt',
    status: 'In Progress',
    points: 2,
    components: ['checkout'],
    labels: ['customer-reported'],
    assignee: 'alan',
    priority: 'High',
    fixVersion: '1.5.0',
    sprint: 'active',
    progressDay: 3,
    addedDay: 3,
  },
  {
    type: 'Story',
    summary: 'Show saved cards in the payment sheet',
    status: 'To Do',
    points: 5,
    components: ['checkout'],
    labels: ['frontend'],
    fixVersion: '1.5.0',
    sprint: 'active',
  },
  {
    type: 'Task',
    summary: 'Document the payment status state machine',
    status: 'To Do',
    points: 2,
    components: ['payments-api'],
    labels: ['tech-debt'],
    assignee: 'katherine',
    sprint: 'active',
  },
  {
    type: 'Story',
    summary: 'Apple Pay on the web checkout',
    status: 'Done',
    points: 8,
    components: ['checkout'],
    labels: ['frontend'],
    assignee: 'alan',
    fixVersion: '1.4.0',
    sprint: 'closed',
  },
  {
    type: 'Bug',
    summary: 'Declined payments are shown as pending for 30 seconds',
    status: 'Done',
    points: 3,
    components: ['checkout', 'payments-api'],
    labels: ['customer-reported'],
    assignee: 'katherine',
    priority: 'High',
    fixVersion: '1.4.0',
    sprint: 'closed',
  },
  {
    type: 'Story',
    summary: 'Idempotency keys on the payments API',
    status: 'Done',
    points: 5,
    components: ['payments-api'],
    labels: ['backend'],
    assignee: 'alan',
    fixVersion: '1.4.0',
    sprint: 'closed',
  },
  {
    type: 'Task',
    summary: 'Upgrade the card vault client library',
    status: 'Done',
    points: 2,
    components: ['payments-api'],
    labels: ['tech-debt'],
    assignee: 'comet',
    fixVersion: '1.4.0',
    sprint: 'closed',
  },
  {
    type: 'Bug',
    summary: 'Refund amount field accepts negative values',
    status: 'Done',
    points: 1,
    components: ['refunds'],
    labels: ['frontend'],
    assignee: 'katherine',
    fixVersion: '1.4.0',
    sprint: 'closed',
  },
  {
    type: 'Story',
    summary: 'Payment links for invoices',
    status: 'To Do',
    points: 13,
    components: ['payments-api'],
    labels: ['backend'],
    sprint: 'future',
  },
  {
    type: 'Story',
    summary: 'SEPA direct debit mandates',
    status: 'To Do',
    points: 8,
    components: ['payments-api'],
    labels: ['backend'],
    sprint: 'future',
  },
  {
    type: 'Bug',
    summary: 'Fraud score is missing for payments retried by the scheduler',
    status: 'To Do',
    points: 3,
    components: ['fraud-detection'],
    labels: ['backend'],
    priority: 'High',
  },
  {
    type: 'Task',
    summary: 'Alert when the payment success rate drops below 97%',
    status: 'To Do',
    points: 2,
    components: ['payments-api'],
    labels: ['observability'],
  },
  {
    type: 'Story',
    summary: 'Let merchants download monthly payment reports',
    status: 'To Do',
    points: 5,
    components: ['payments-api'],
    labels: ['backend'],
  },
  {
    type: 'Bug',
    summary: 'Payment sheet does not close on Escape',
    status: 'To Do',
    points: 1,
    components: ['checkout'],
    labels: ['frontend', 'accessibility'],
    priority: 'Low',
  },
  {
    type: 'Task',
    summary: 'Remove the legacy v1 charge endpoint',
    status: 'To Do',
    points: 3,
    components: ['payments-api'],
    labels: ['tech-debt'],
    fixVersion: '1.5.0',
  },
  {
    type: 'Story',
    summary: 'Refund reasons in the support console',
    status: 'To Do',
    points: 3,
    components: ['refunds'],
    labels: ['frontend'],
  },
  {
    type: 'Bug',
    summary: 'Chargeback notifications arrive without the order id',
    status: 'In Progress',
    points: 2,
    components: ['refunds'],
    labels: ['customer-reported', 'backend'],
    assignee: 'katherine',
    priority: 'High',
  },
  {
    type: 'Task',
    summary: 'Load test the payments API at 2x peak traffic',
    status: 'To Do',
    points: 5,
    components: ['payments-api'],
    labels: ['performance'],
  },
  {
    type: 'Story',
    summary: 'Velocity rules for card testing attacks',
    status: 'To Do',
    points: 8,
    components: ['fraud-detection'],
    labels: ['backend', 'pci'],
  },
  {
    type: 'Bug',
    summary: 'Receipt email shows the wrong merchant name',
    status: 'Done',
    points: 1,
    components: ['checkout'],
    labels: ['customer-reported'],
    assignee: 'alan',
    fixVersion: '1.4.0',
  },
  {
    type: 'Task',
    summary: 'Flaky test: PaymentRetryIT times out on CI',
    status: 'To Do',
    points: 1,
    components: ['payments-api'],
    labels: ['flaky-test'],
  },
];

const SHOP_SUMMARIES: Array<[ExampleIssue['type'], string, string, string]> = [
  ['Epic', 'Storefront redesign', 'storefront-web', 'frontend'],
  ['Story', 'Product page image zoom', 'storefront-web', 'frontend'],
  ['Story', 'Faceted search by size and colour', 'search', 'backend'],
  ['Bug', 'Cart loses items after sign-in', 'cart', 'customer-reported'],
  ['Story', 'Wish lists', 'cart', 'frontend'],
  [
    'Task',
    'Move the catalog import to the job scheduler',
    'catalog',
    'tech-debt',
  ],
  ['Bug', 'Search returns archived products', 'search', 'customer-reported'],
  ['Story', 'Recently viewed products', 'storefront-web', 'frontend'],
  ['Bug', 'Prices show without VAT in Germany', 'catalog', 'customer-reported'],
  [
    'Task',
    'Lighthouse performance budget in CI',
    'storefront-web',
    'performance',
  ],
  ['Story', 'Gift cards in the cart', 'cart', 'backend'],
  [
    'Bug',
    'Out-of-stock badge is not announced by screen readers',
    'storefront-web',
    'accessibility',
  ],
  ['Story', 'Product bundles', 'catalog', 'backend'],
  [
    'Task',
    'Remove the unused recommendations widget',
    'storefront-web',
    'tech-debt',
  ],
  ['Bug', 'Sorting by price ignores discounts', 'search', 'backend'],
  ['Story', 'Store pickup option at checkout', 'cart', 'frontend'],
  ['Task', 'Flaky test: CartMergeSpec on Safari', 'cart', 'flaky-test'],
  [
    'Bug',
    'Category pages 404 after a slug change',
    'catalog',
    'customer-reported',
  ],
];

const LEDG_SUMMARIES: Array<[ExampleIssue['type'], string, string, string]> = [
  ['Epic', 'Double-entry ledger v2', 'ledger-core', 'backend'],
  ['Story', 'Post journal entries in batches', 'ledger-core', 'backend'],
  [
    'Bug',
    'Balance drifts by one cent after currency conversion',
    'ledger-core',
    'customer-reported',
  ],
  [
    'Story',
    'Daily reconciliation against the bank statement',
    'reconciliation',
    'backend',
  ],
  [
    'Task',
    'Partition the entries table by month',
    'ledger-core',
    'performance',
  ],
  ['Story', 'Trial balance report', 'reporting', 'backend'],
  [
    'Bug',
    'Reconciliation marks reversed entries as unmatched',
    'reconciliation',
    'backend',
  ],
  ['Task', 'Audit log retention of seven years', 'ledger-core', 'compliance'],
  ['Story', 'Export general ledger to CSV', 'reporting', 'frontend'],
  [
    'Bug',
    'Report totals differ from the API after midnight UTC',
    'reporting',
    'customer-reported',
  ],
  [
    'Task',
    'Flaky test: LedgerConcurrencyIT deadlocks',
    'ledger-core',
    'flaky-test',
  ],
  ['Story', 'Multi-currency sub-ledgers', 'ledger-core', 'backend'],
];

function startOfDay(date: Date) {
  const d = new Date(date);
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

function jiraDay(value: string, now: Date): Date | undefined {
  const relative = /^([-+]?\d+)([wdhm])$/.exec(value.trim());
  if (relative) {
    const n = Number(relative[1]);
    const unit = { w: 7 * DAY, d: DAY, h: 3600_000, m: 60_000 }[
      relative[2] as 'w' | 'd' | 'h' | 'm'
    ];
    return new Date(now.getTime() + n * unit);
  }
  const absolute = /^\d{4}[-/]\d{2}[-/]\d{2}(?:[ T]\d{2}:\d{2})?$/.exec(
    value.trim(),
  );
  if (absolute) {
    const date = new Date(value.replace(/\//g, '-').replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date;
  }
  return undefined;
}

/** The description of PAY-2 in ADF, as Jira Cloud stores it. */
const CHALLENGE_FLOW_ADF = {
  type: 'doc',
  version: 1,
  content: [
    {
      type: 'heading',
      attrs: { level: 2 },
      content: [{ type: 'text', text: 'Goal' }],
    },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Card payments that need a ' },
        { type: 'text', text: 'challenge', marks: [{ type: 'strong' }] },
        { type: 'text', text: ' open the issuer page in a modal, as the ' },
        {
          type: 'text',
          text: 'EMVCo spec',
          marks: [
            {
              type: 'link',
              attrs: {
                href: 'https://www.emvco.com/emv-technologies/3d-secure/',
              },
            },
          ],
        },
        { type: 'text', text: ' says.' },
      ],
    },
    {
      type: 'bulletList',
      content: [
        {
          type: 'listItem',
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'frictionless flow stays unchanged' },
              ],
            },
          ],
        },
        {
          type: 'listItem',
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'challenge result is posted to ' },
                {
                  type: 'text',
                  text: '/payments/{id}/3ds',
                  marks: [{ type: 'code' }],
                },
              ],
            },
          ],
        },
      ],
    },
    {
      type: 'codeBlock',
      attrs: { language: 'json' },
      content: [{ type: 'text', text: '{ "transStatus": "C" }' }],
    },
  ],
};

/** The same description in wiki markup, as Jira Data Center stores it. */
const CHALLENGE_FLOW_WIKI = [
  'h2. Goal',
  '',
  'Card payments that need a *challenge* open the issuer page in a modal, as the [EMVCo spec|https://www.emvco.com/emv-technologies/3d-secure/] says.',
  '',
  '* frictionless flow stays unchanged',
  '* challenge result is posted to {{/payments/\\{id\\}/3ds}}',
  '',
  '{code:json}',
  '{ "transStatus": "C" }',
  '{code}',
].join('\n');

type Compare = (a: FakeIssue, b: FakeIssue) => number;

/** Everything the fake knows; tests seed it and read what the client did. */
export class JiraFakeState {
  readonly users: FakeUser[] = [];
  readonly projects = new Map<string, FakeProject>();
  readonly issues = new Map<string, FakeIssue>();
  readonly boards: FakeBoard[] = [];
  readonly sprints: FakeSprint[] = [];
  /** Calls by `METHOD /path` (the path after the context path). */
  readonly calls: Record<string, number> = {};
  /** The latest requests (up to 10,000), with the headers tests check. */
  readonly requests: Array<{
    method: string;
    path: string;
    query: Record<string, unknown>;
    headers: Record<string, string | undefined>;
  }> = [];
  private throttles: Array<{
    remaining: number;
    retryAfterSeconds: number;
    status: 429 | 503;
    format: 'seconds' | 'http-date' | 'reset-only';
  }> = [];
  private nextId = 10000;
  private nextComponentId = 10000;
  private nextVersionId = 10000;
  private nextCommentId = 10000;
  private nextAttachmentId = 10000;
  private nextHistoryId = 10000;
  private keyIndex = new Map<string, string>();

  constructor(readonly product: JiraProduct = 'cloud') {}

  // -------------------------------------------------------------------------------------------
  // calls and throttling

  /** The number of calls, in total or those whose `METHOD /path` starts with `prefix`. */
  callCount(prefix = ''): number {
    return Object.entries(this.calls)
      .filter(([key]) => key.startsWith(prefix))
      .reduce((sum, [, n]) => sum + n, 0);
  }

  resetCalls() {
    for (const key of Object.keys(this.calls)) delete this.calls[key];
    this.requests.length = 0;
  }

  /** @internal */
  recordCall(request: JiraFakeState['requests'][number]) {
    const key = `${request.method} ${request.path}`;
    this.calls[key] = (this.calls[key] ?? 0) + 1;
    this.requests.push(request);
    if (this.requests.length > 10_000) this.requests.shift();
  }

  /**
   * Makes the next `requests` requests answer 429 (or `status`) with `Retry-After` (seconds,
   * or an HTTP date with `format: 'http-date'`) and `X-RateLimit-Reset`, as Jira Cloud's rate
   * limiter does. `format: 'reset-only'` sends only `X-RateLimit-Reset`.
   */
  throttle(options: {
    requests: number;
    retryAfterSeconds?: number;
    status?: 429 | 503;
    format?: 'seconds' | 'http-date' | 'reset-only';
  }) {
    this.throttles.push({
      remaining: options.requests,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      status: options.status ?? 429,
      format: options.format ?? 'seconds',
    });
  }

  /** @internal The throttle that applies to this request, if any. */
  takeThrottle() {
    const throttle = this.throttles.find(t => t.remaining > 0);
    if (!throttle) return undefined;
    throttle.remaining -= 1;
    this.throttles = this.throttles.filter(t => t.remaining > 0);
    return throttle;
  }

  // -------------------------------------------------------------------------------------------
  // users

  addUser(seed: JiraFakeUserSeed): FakeUser {
    const n = this.users.length + 1;
    const user: FakeUser = {
      accountId: seed.accountId ?? accountIdFor(n),
      key: `JIRAUSER${10000 + n}`,
      name: seed.name ?? seed.emailAddress.split('@')[0],
      displayName: seed.displayName,
      emailAddress: seed.emailAddress,
      active: true,
      apiTokens: seed.apiTokens ?? [],
      personalAccessTokens: seed.personalAccessTokens ?? [],
      role: seed.role ?? 'write',
    };
    this.users.push(user);
    return user;
  }

  userByEmail(email: string): FakeUser | undefined {
    const lower = email.toLowerCase();
    return this.users.find(u => u.emailAddress.toLowerCase() === lower);
  }

  userById(id: string | undefined): FakeUser | undefined {
    if (!id) return undefined;
    return this.users.find(
      u => u.accountId === id || u.key === id || u.name === id,
    );
  }

  // -------------------------------------------------------------------------------------------
  // projects, boards, sprints

  addProject(seed: {
    key: string;
    name?: string;
    leadEmail?: string;
    components?: Array<string | { name: string; description?: string }>;
    versions?: Array<{
      name: string;
      released?: boolean;
      releaseDate?: string;
    }>;
  }): FakeProject {
    if (this.projects.has(seed.key)) {
      throw new Error(`The fake already has a project ${seed.key}`);
    }
    const lead =
      (seed.leadEmail && this.userByEmail(seed.leadEmail)) || this.users[0];
    const project: FakeProject = {
      id: String(10000 + this.projects.size),
      key: seed.key,
      name: seed.name ?? seed.key,
      leadAccountId: lead?.accountId ?? '',
      components: [],
      versions: [],
      nextNumber: 1,
    };
    this.projects.set(project.key, project);
    for (const component of seed.components ?? []) {
      this.addComponent(
        project.key,
        typeof component === 'string' ? { name: component } : component,
      );
    }
    for (const version of seed.versions ?? []) {
      project.versions.push({
        id: String(this.nextVersionId++),
        name: version.name,
        released: version.released ?? false,
        archived: false,
        releaseDate: version.releaseDate,
      });
    }
    return project;
  }

  project(keyOrId: string): FakeProject | undefined {
    const upper = keyOrId.toUpperCase();
    return (
      this.projects.get(upper) ??
      [...this.projects.values()].find(p => p.id === keyOrId)
    );
  }

  addComponent(
    projectKey: string,
    component: { name: string; description?: string; leadAccountId?: string },
  ): FakeComponent {
    const project = this.project(projectKey);
    if (!project) {
      throw new JiraFakeError(404, [
        `No project could be found with key '${projectKey}'.`,
      ]);
    }
    if (
      project.components.some(
        c => c.name.toLowerCase() === component.name.toLowerCase(),
      )
    ) {
      throw new JiraFakeError(400, [], {
        name: `A component with the name ${component.name} already exists in this project.`,
      });
    }
    const created: FakeComponent = {
      id: String(this.nextComponentId++),
      name: component.name,
      description: component.description,
      leadAccountId: component.leadAccountId,
    };
    project.components.push(created);
    return created;
  }

  addBoard(board: Omit<FakeBoard, 'id'> & { id?: number }): FakeBoard {
    const created = { ...board, id: board.id ?? this.boards.length + 1 };
    this.boards.push(created);
    return created;
  }

  addSprint(sprint: Omit<FakeSprint, 'id'> & { id?: number }): FakeSprint {
    const created = { ...sprint, id: sprint.id ?? this.sprints.length + 1 };
    this.sprints.push(created);
    return created;
  }

  // -------------------------------------------------------------------------------------------
  // issues

  issue(keyOrId: string): FakeIssue | undefined {
    const id = this.keyIndex.get(keyOrId.toUpperCase()) ?? keyOrId;
    return this.issues.get(id);
  }

  status(id: string): FakeStatus {
    return FAKE_STATUSES.find(s => s.id === id)!;
  }

  /** Adds an issue as it would be after `create` (no changelog). */
  addIssue(seed: {
    projectKey: string;
    summary: string;
    issueType?: string;
    description?: unknown;
    status?: string;
    priority?: string;
    assigneeEmail?: string;
    reporterEmail?: string;
    labels?: string[];
    components?: string[];
    fixVersions?: string[];
    storyPoints?: number;
    sprintIds?: number[];
    parentKey?: string;
    customFields?: Record<string, unknown>;
    created?: Date;
  }): FakeIssue {
    const project = this.project(seed.projectKey);
    if (!project) throw new Error(`No fake project ${seed.projectKey}`);
    const type = FAKE_ISSUE_TYPES.find(
      t => t.name === (seed.issueType ?? 'Task') || t.id === seed.issueType,
    );
    if (!type) throw new Error(`No fake issue type ${seed.issueType}`);
    const status = FAKE_STATUSES.find(
      s => s.name === (seed.status ?? 'To Do') || s.id === seed.status,
    )!;
    const created = seed.created ?? new Date();
    const reporter =
      (seed.reporterEmail && this.userByEmail(seed.reporterEmail)) ||
      this.users[0];
    const id = String(this.nextId++);
    const issue: FakeIssue = {
      id,
      key: `${project.key}-${project.nextNumber++}`,
      projectKey: project.key,
      issueTypeId: type.id,
      summary: seed.summary,
      description: seed.description ?? null,
      statusId: status.id,
      priorityId:
        FAKE_PRIORITIES.find(p => p.name === (seed.priority ?? 'Medium'))?.id ??
        '3',
      assigneeId: seed.assigneeEmail
        ? this.userByEmail(seed.assigneeEmail)?.accountId
        : undefined,
      reporterId: reporter.accountId,
      labels: seed.labels ?? [],
      components: (seed.components ?? []).map(name => {
        const component = project.components.find(c => c.name === name);
        if (!component)
          throw new Error(`No component ${name} in ${project.key}`);
        return component.id;
      }),
      fixVersions: (seed.fixVersions ?? []).map(name => {
        const version = project.versions.find(v => v.name === name);
        if (!version) throw new Error(`No version ${name} in ${project.key}`);
        return version.id;
      }),
      sprintIds: seed.sprintIds ?? [],
      parentKey: seed.parentKey,
      customFields: {
        ...(seed.storyPoints !== undefined
          ? { [JIRA_FAKE_FIELDS.storyPoints]: seed.storyPoints }
          : {}),
        ...seed.customFields,
      },
      created,
      updated: created,
      resolution: status.category === 'done' ? 'Done' : undefined,
      resolutionDate: status.category === 'done' ? created : undefined,
      comments: [],
      attachments: [],
      changelog: [],
    };
    this.issues.set(id, issue);
    this.keyIndex.set(issue.key, id);
    return issue;
  }

  addHistory(
    issue: FakeIssue,
    entry: { authorId?: string; created: Date; items: FakeHistoryItem[] },
  ): FakeHistory {
    const history: FakeHistory = {
      id: String(this.nextHistoryId++),
      authorId: entry.authorId ?? this.users[0].accountId,
      created: entry.created,
      items: entry.items,
    };
    issue.changelog.push(history);
    issue.changelog.sort((a, b) => a.created.getTime() - b.created.getTime());
    if (entry.created > issue.updated) issue.updated = entry.created;
    return history;
  }

  addComment(
    issue: FakeIssue,
    comment: { authorId: string; body: unknown; created?: Date },
  ): FakeComment {
    const created = comment.created ?? new Date();
    const added: FakeComment = {
      id: String(this.nextCommentId++),
      authorId: comment.authorId,
      body: comment.body,
      created,
      updated: created,
    };
    issue.comments.push(added);
    if (created > issue.updated) issue.updated = created;
    return added;
  }

  addAttachment(
    issue: FakeIssue,
    file: {
      filename: string;
      mimeType: string;
      content: Buffer;
      authorId: string;
    },
  ): FakeAttachment {
    const attachment: FakeAttachment = {
      id: String(this.nextAttachmentId++),
      filename: file.filename,
      size: file.content.length,
      mimeType: file.mimeType,
      authorId: file.authorId,
      created: new Date(),
      content: file.content,
    };
    issue.attachments.push(attachment);
    issue.updated = attachment.created;
    return attachment;
  }

  /** The transitions the workflow offers from the issue's status. */
  transitionsOf(issue: FakeIssue) {
    return FAKE_WORKFLOW[issue.statusId] ?? [];
  }

  /** Moves the issue along a transition, with the changelog Jira writes. */
  transition(
    issue: FakeIssue,
    transitionId: string,
    authorId: string,
    at = new Date(),
  ) {
    const transition = this.transitionsOf(issue).find(
      t => t.id === String(transitionId),
    );
    if (!transition) {
      throw new JiraFakeError(400, [
        `Transition id '${transitionId}' is not valid for this issue.`,
      ]);
    }
    const from = this.status(issue.statusId);
    const to = this.status(transition.to);
    const items: FakeHistoryItem[] = [
      {
        field: 'status',
        fieldtype: 'jira',
        fieldId: 'status',
        from: from.id,
        fromString: from.name,
        to: to.id,
        toString: to.name,
      },
    ];
    if (to.category === 'done' && !issue.resolution) {
      items.push({
        field: 'resolution',
        fieldtype: 'jira',
        fieldId: 'resolution',
        from: null,
        fromString: null,
        to: '10000',
        toString: 'Done',
      });
      issue.resolution = 'Done';
      issue.resolutionDate = at;
    } else if (to.category !== 'done' && issue.resolution) {
      items.push({
        field: 'resolution',
        fieldtype: 'jira',
        fieldId: 'resolution',
        from: '10000',
        fromString: issue.resolution,
        to: null,
        toString: null,
      });
      issue.resolution = undefined;
      issue.resolutionDate = undefined;
    }
    issue.statusId = to.id;
    this.addHistory(issue, { authorId, created: at, items });
    return transition;
  }

  // -------------------------------------------------------------------------------------------
  // seeding

  /**
   * The example dataset: projects PAY (Payments), SHOP (Storefront) and LEDG (Ledger) with
   * components, labels, 60 issues with story points, versions 1.4.0 (released) and 1.5.0 on
   * PAY, a PAY scrum board whose active sprint has seven days of changelog (a burndown can be
   * computed), a SHOP kanban board and a LEDG scrum board with only a future sprint.
   */
  seedExample(options: { now?: Date } = {}) {
    const now = options.now ?? new Date();
    const day = (n: number, hour = 10) => {
      const d = startOfDay(new Date(now.getTime() + n * DAY));
      d.setUTCHours(hour);
      return d;
    };
    const dateOnly = (d: Date) => d.toISOString().slice(0, 10);
    const email = (who: ExampleIssue['assignee']) =>
      who === 'comet'
        ? JIRA_FAKE_DEMO_EMAIL
        : who &&
          `${who === 'alan' ? 'alan.turing' : 'katherine.johnson'}@example.com`;
    for (const seed of DEFAULT_FAKE_USERS) {
      if (!this.userByEmail(seed.emailAddress)) this.addUser(seed);
    }

    const pay = this.addProject({
      key: 'PAY',
      name: 'Payments',
      leadEmail: 'alan.turing@example.com',
      components: [
        { name: 'payments-api', description: 'The payments REST API' },
        { name: 'checkout', description: 'The checkout pages' },
        { name: 'refunds', description: 'Refunds and chargebacks' },
        { name: 'fraud-detection', description: 'Fraud scoring' },
      ],
      versions: [
        { name: '1.4.0', released: true, releaseDate: dateOnly(day(-21)) },
        { name: '1.5.0', released: false, releaseDate: dateOnly(day(14)) },
      ],
    });
    this.addProject({
      key: 'SHOP',
      name: 'Storefront',
      leadEmail: 'katherine.johnson@example.com',
      components: [
        'storefront-web',
        'catalog',
        'cart',
        'search',
        'notifications',
      ],
      versions: [{ name: '2.0.0', released: false }],
    });
    this.addProject({
      key: 'LEDG',
      name: 'Ledger',
      components: ['ledger-core', 'reconciliation', 'reporting'],
      versions: [
        { name: '0.9.0', released: true, releaseDate: dateOnly(day(-40)) },
      ],
    });

    const payBoard = this.addBoard({
      name: 'PAY board',
      type: 'scrum',
      projectKey: 'PAY',
    });
    this.addBoard({ name: 'SHOP board', type: 'kanban', projectKey: 'SHOP' });
    const ledgBoard = this.addBoard({
      name: 'LEDG board',
      type: 'scrum',
      projectKey: 'LEDG',
    });
    const sprintStart = day(-6, 9);
    const closed = this.addSprint({
      name: 'PAY Sprint 22',
      state: 'closed',
      boardId: payBoard.id,
      startDate: day(-20, 9),
      endDate: day(-7, 17),
      completeDate: day(-7, 17),
      goal: 'Apple Pay and idempotent payments',
    });
    const active = this.addSprint({
      name: 'PAY Sprint 23',
      state: 'active',
      boardId: payBoard.id,
      startDate: sprintStart,
      endDate: day(8, 17),
      goal: 'Ship 3-D Secure 2 for card payments',
    });
    const future = this.addSprint({
      name: 'PAY Sprint 24',
      state: 'future',
      boardId: payBoard.id,
    });
    this.addSprint({
      name: 'LEDG Sprint 1',
      state: 'future',
      boardId: ledgBoard.id,
      goal: 'Batch posting',
    });

    const sprintOf = { active, closed, future };
    const statusHistory = (
      issue: FakeIssue,
      steps: Array<{ to: string; at: Date; author?: string }>,
    ) => {
      // Walk the workflow as a person would, writing each transition's changelog
      for (const step of steps) {
        const transition = this.transitionsOf(issue).find(
          t => t.to === step.to,
        );
        if (transition) {
          this.transition(
            issue,
            transition.id,
            step.author ?? issue.assigneeId ?? this.users[0].accountId,
            step.at,
          );
        }
      }
    };

    PAY_ISSUES.forEach((seed, index) => {
      const sprint = seed.sprint ? sprintOf[seed.sprint] : undefined;
      const created =
        seed.sprint === 'closed'
          ? day(-30 + index, 11)
          : day(-14 + (index % 7), 11);
      const issue = this.addIssue({
        projectKey: pay.key,
        issueType: seed.type,
        summary: seed.summary,
        description:
          index === 1
            ? describe(this.product, CHALLENGE_FLOW_ADF, CHALLENGE_FLOW_WIKI)
            : plainBody(
                this.product,
                `${seed.summary}. Reported by the ${seed.components[0]} team.`,
              ),
        status: 'To Do',
        priority: seed.priority,
        assigneeEmail: email(seed.assignee),
        reporterEmail: 'katherine.johnson@example.com',
        labels: seed.labels,
        components: seed.components,
        fixVersions: seed.fixVersion ? [seed.fixVersion] : [],
        storyPoints: seed.reestimate ? seed.reestimate.fromPoints : seed.points,
        created,
        customFields: { [JIRA_FAKE_FIELDS.team]: TEAM_OPTIONS[0] },
      });
      if (sprint) {
        // the active sprint was planned the day before it started; one issue joined later
        let addedAt = sprint === active ? day(-7, 15) : created;
        if (seed.addedDay !== undefined) addedAt = day(-6 + seed.addedDay, 11);
        issue.sprintIds.push(sprint.id);
        this.addHistory(issue, {
          created: addedAt,
          items: [
            {
              field: 'Sprint',
              fieldtype: 'custom',
              fieldId: JIRA_FAKE_FIELDS.sprint,
              from: '',
              fromString: '',
              to: String(sprint.id),
              toString: sprint.name,
            },
          ],
        });
      }
      if (seed.reestimate) {
        issue.customFields[JIRA_FAKE_FIELDS.storyPoints] = seed.points;
        this.addHistory(issue, {
          created: day(-6 + seed.reestimate.day, 14),
          items: [
            {
              field: 'Story Points',
              fieldtype: 'custom',
              fieldId: JIRA_FAKE_FIELDS.storyPoints,
              from: null,
              fromString: String(seed.reestimate.fromPoints),
              to: null,
              toString: String(seed.points),
            },
          ],
        });
      }
      if (sprint === active) {
        const steps: Array<{ to: string; at: Date }> = [];
        if (seed.progressDay !== undefined) {
          steps.push({ to: '3', at: day(-6 + seed.progressDay, 10) });
        }
        if (seed.doneDay !== undefined) {
          steps.push({ to: '10001', at: day(-6 + seed.doneDay, 16) });
        }
        statusHistory(issue, steps);
      } else if (seed.status !== 'To Do') {
        const base = sprint?.startDate ?? created;
        statusHistory(issue, [
          { to: '3', at: new Date(base.getTime() + DAY) },
          ...(seed.status === 'Done'
            ? [{ to: '10001', at: new Date(base.getTime() + 3 * DAY) }]
            : []),
        ]);
      }
      if (index === 3) {
        this.addComment(issue, {
          authorId: this.userByEmail('alan.turing@example.com')!.accountId,
          body: describe(
            this.product,
            {
              type: 'doc',
              version: 1,
              content: [
                {
                  type: 'paragraph',
                  content: [
                    { type: 'text', text: 'Reproduced with the ' },
                    {
                      type: 'text',
                      text: 'issuer-timeout',
                      marks: [{ type: 'code' }],
                    },
                    { type: 'text', text: ' test card; the gateway waits ' },
                    { type: 'text', text: '30 s', marks: [{ type: 'strong' }] },
                    { type: 'text', text: '.' },
                  ],
                },
              ],
            },
            'Reproduced with the {{issuer-timeout}} test card; the gateway waits *30 s*.',
          ),
          created: day(-5, 12),
        });
        this.addComment(issue, {
          authorId: this.userByEmail('katherine.johnson@example.com')!
            .accountId,
          body: plainBody(
            this.product,
            'Fixed by answering 504 and retrying once.',
          ),
          created: day(-5, 15),
        });
      }
    });

    SHOP_SUMMARIES.forEach(([type, summary, component, label], index) => {
      const status = (['To Do', 'In Progress', 'Done'] as const)[index % 3];
      const issue = this.addIssue({
        projectKey: 'SHOP',
        issueType: type,
        summary,
        description: plainBody(this.product, summary),
        status: 'To Do',
        assigneeEmail:
          index % 2 === 0 ? 'katherine.johnson@example.com' : undefined,
        reporterEmail: 'alan.turing@example.com',
        labels: [label],
        components: [component],
        storyPoints: [1, 2, 3, 5, 8][index % 5],
        created: day(-25 + index, 9),
        customFields: { [JIRA_FAKE_FIELDS.team]: TEAM_OPTIONS[1] },
      });
      statusHistory(issue, [
        ...(status !== 'To Do'
          ? [{ to: '3', at: day(-10 + (index % 5), 10) }]
          : []),
        ...(status === 'Done'
          ? [{ to: '10001', at: day(-4 + (index % 3), 16) }]
          : []),
      ]);
    });

    LEDG_SUMMARIES.forEach(([type, summary, component, label], index) => {
      const status = (['To Do', 'To Do', 'In Progress', 'Done'] as const)[
        index % 4
      ];
      const issue = this.addIssue({
        projectKey: 'LEDG',
        issueType: type,
        summary,
        description: plainBody(this.product, summary),
        status: 'To Do',
        assigneeEmail: index % 3 === 0 ? 'alan.turing@example.com' : undefined,
        labels: [label],
        components: [component],
        fixVersions: status === 'Done' ? ['0.9.0'] : [],
        storyPoints: [2, 3, 5, 8][index % 4],
        created: day(-50 + index, 9),
        customFields: { [JIRA_FAKE_FIELDS.team]: TEAM_OPTIONS[2] },
      });
      statusHistory(issue, [
        ...(status !== 'To Do' ? [{ to: '3', at: day(-45 + index, 10) }] : []),
        ...(status === 'Done'
          ? [{ to: '10001', at: day(-42 + index, 16) }]
          : []),
      ]);
    });
  }

  /** Adds `count` generated issues to a project (created when missing), quickly. */
  seedIssues(projectKey: string, count: number, options: { now?: Date } = {}) {
    for (const seed of DEFAULT_FAKE_USERS) {
      if (!this.userByEmail(seed.emailAddress)) this.addUser(seed);
    }
    const project =
      this.project(projectKey) ??
      this.addProject({
        key: projectKey,
        name: projectKey,
        components: ['api', 'web'],
      });
    const now = (options.now ?? new Date()).getTime();
    const types = ['10001', '10002', '10004'];
    const labels = ['backend', 'frontend', 'tech-debt', 'customer-reported'];
    const people = this.users.filter(u => u.role !== 'read');
    const issues: FakeIssue[] = [];
    for (let i = 0; i < count; i++) {
      const statusId = FAKE_STATUSES[i % 3].id;
      const created = new Date(now - (count - i) * 60_000);
      const id = String(this.nextId++);
      const issue: FakeIssue = {
        id,
        key: `${project.key}-${project.nextNumber++}`,
        projectKey: project.key,
        issueTypeId: types[i % types.length],
        summary: `Generated issue ${i + 1} of ${project.name}`,
        description: plainBody(this.product, `Generated issue ${i + 1}.`),
        statusId,
        priorityId: String((i % 5) + 1),
        assigneeId: people[i % people.length]?.accountId,
        reporterId: this.users[0].accountId,
        labels: [labels[i % labels.length]],
        components: project.components.length
          ? [project.components[i % project.components.length].id]
          : [],
        fixVersions: [],
        sprintIds: [],
        customFields: {
          [JIRA_FAKE_FIELDS.storyPoints]: [1, 2, 3, 5, 8][i % 5],
        },
        created,
        updated: created,
        resolution: statusId === '10001' ? 'Done' : undefined,
        resolutionDate: statusId === '10001' ? created : undefined,
        comments: [],
        attachments: [],
        changelog: [],
      };
      this.issues.set(id, issue);
      this.keyIndex.set(issue.key, id);
      issues.push(issue);
    }
    return issues;
  }

  // -------------------------------------------------------------------------------------------
  // JQL

  /**
   * The issues a JQL query selects, in its order, checked as Jira checks it (unknown fields,
   * projects, statuses… are errors with Jira's messages).
   */
  query(
    query: JqlQuery,
    currentUser: FakeUser | undefined,
    now = new Date(),
  ): FakeIssue[] {
    for (const clause of clauses(query.where)) this.checkClause(clause);
    const filter = query.where
      ? this.compile(query.where, currentUser, now)
      : () => true;
    const result = [...this.issues.values()].filter(filter);
    return result.sort(this.comparator(query.orderBy));
  }

  private fieldOf(name: string): string {
    const lower = name.toLowerCase();
    const aliases: Record<string, string> = {
      type: 'issuetype',
      issuekey: 'key',
      fixversion: 'fixversion',
      'cf[10016]': JIRA_FAKE_FIELDS.storyPoints,
      'story points': JIRA_FAKE_FIELDS.storyPoints,
      'story point estimate': JIRA_FAKE_FIELDS.storyPoints,
      'cf[10020]': JIRA_FAKE_FIELDS.sprint,
      [JIRA_FAKE_FIELDS.sprint]: 'sprint',
      'cf[10001]': JIRA_FAKE_FIELDS.team,
      team: JIRA_FAKE_FIELDS.team,
    };
    const field = aliases[lower] ?? lower;
    const known = [
      'project',
      'component',
      'labels',
      'status',
      'statuscategory',
      'issuetype',
      'assignee',
      'reporter',
      'fixversion',
      'sprint',
      'key',
      'id',
      'priority',
      'resolution',
      'summary',
      'description',
      'text',
      'created',
      'updated',
      'parent',
      JIRA_FAKE_FIELDS.storyPoints,
      JIRA_FAKE_FIELDS.team,
    ];
    if (!known.includes(field)) {
      throw new JqlError(
        `Field '${name}' does not exist or you do not have permission to view it.`,
      );
    }
    return field;
  }

  private checkClause(clause: JqlClause) {
    const field = this.fieldOf(clause.field);
    const op = clause.operator;
    const textField = ['summary', 'description', 'text'].includes(field);
    const ordered = [
      'created',
      'updated',
      JIRA_FAKE_FIELDS.storyPoints,
      'key',
      'id',
      'priority',
    ].includes(field);
    const allowed = textField
      ? ['~', '!~', 'IS', 'IS NOT']
      : [
          '=',
          '!=',
          'IN',
          'NOT IN',
          'IS',
          'IS NOT',
          ...(ordered ? ['<', '<=', '>', '>='] : []),
        ];
    if (!allowed.includes(op)) {
      throw new JqlError(
        `The operator '${op}' is not supported by the '${clause.field}' field.`,
      );
    }
    if ((op === 'IS' || op === 'IS NOT') && clause.values[0].kind !== 'empty') {
      throw new JqlError(
        `The operator '${op}' is not supported by the value for the '${clause.field}' field; use EMPTY.`,
      );
    }
    for (const value of clause.values) {
      if (value.kind === 'function') {
        const name = value.name.toLowerCase();
        const fits: Record<string, string[]> = {
          currentuser: ['assignee', 'reporter'],
          opensprints: ['sprint'],
          closedsprints: ['sprint'],
          futuresprints: ['sprint'],
          now: ['created', 'updated'],
          startofday: ['created', 'updated'],
        };
        if (!fits[name]) {
          throw new JqlError(`Unable to find JQL function '${value.name}()'.`);
        }
        if (!fits[name].includes(field)) {
          throw new JqlError(
            `Function '${value.name}' is not supported by the '${clause.field}' field.`,
          );
        }
        continue;
      }
      if (value.kind !== 'value') continue;
      const v = value.value;
      const missing = () =>
        new JqlError(
          `The value '${v}' does not exist for the field '${clause.field}'.`,
        );
      switch (field) {
        case 'project':
          if (!this.project(v) && !this.projectByName(v)) throw missing();
          break;
        case 'status':
          if (
            !FAKE_STATUSES.some(
              s => s.id === v || s.name.toLowerCase() === v.toLowerCase(),
            )
          ) {
            throw missing();
          }
          break;
        case 'statuscategory':
          if (!this.categoryOf(v)) throw missing();
          break;
        case 'issuetype':
          if (
            !FAKE_ISSUE_TYPES.some(
              t => t.id === v || t.name.toLowerCase() === v.toLowerCase(),
            )
          ) {
            throw missing();
          }
          break;
        case 'priority':
          if (
            !FAKE_PRIORITIES.some(
              p => p.id === v || p.name.toLowerCase() === v.toLowerCase(),
            )
          ) {
            throw missing();
          }
          break;
        case 'created':
        case 'updated':
          if (!jiraDay(v, new Date())) {
            throw new JqlError(
              `Date value '${v}' for field '${clause.field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
            );
          }
          break;
        case JIRA_FAKE_FIELDS.storyPoints:
          if (Number.isNaN(Number(v))) {
            throw new JqlError(
              `The value '${v}' is not a valid number for the field '${clause.field}'.`,
            );
          }
          break;
        default:
          break;
      }
    }
  }

  private projectByName(name: string) {
    return [...this.projects.values()].find(
      p => p.name.toLowerCase() === name.toLowerCase(),
    );
  }

  private categoryOf(value: string) {
    const lower = value.toLowerCase();
    return Object.values(STATUS_CATEGORIES).find(
      c =>
        c.key === lower ||
        c.name.toLowerCase() === lower ||
        String(c.id) === value,
    );
  }

  /** The values a field has on an issue, lower-cased, for =, IN and EMPTY. */
  private valuesOf(issue: FakeIssue, field: string): string[] {
    const project = this.projects.get(issue.projectKey)!;
    switch (field) {
      case 'project':
        return [project.key, project.name, project.id].map(v =>
          v.toLowerCase(),
        );
      case 'component':
        return issue.components.flatMap(id => {
          const c = project.components.find(x => x.id === id);
          return c ? [c.name.toLowerCase(), c.id] : [];
        });
      case 'labels':
        return issue.labels.map(l => l.toLowerCase());
      case 'status': {
        const s = this.status(issue.statusId);
        return [s.id, s.name.toLowerCase()];
      }
      case 'statuscategory': {
        const c = STATUS_CATEGORIES[this.status(issue.statusId).category];
        return [c.key, c.name.toLowerCase(), String(c.id)];
      }
      case 'issuetype': {
        const t = FAKE_ISSUE_TYPES.find(x => x.id === issue.issueTypeId)!;
        return [t.id, t.name.toLowerCase()];
      }
      case 'assignee':
      case 'reporter': {
        const user = this.userById(
          field === 'assignee' ? issue.assigneeId : issue.reporterId,
        );
        if (!user) return [];
        return this.product === 'cloud'
          ? [user.accountId.toLowerCase()]
          : [user.name.toLowerCase(), user.key.toLowerCase()];
      }
      case 'fixversion':
        return issue.fixVersions.flatMap(id => {
          const v = project.versions.find(x => x.id === id);
          return v ? [v.id, v.name.toLowerCase()] : [];
        });
      case 'sprint':
        return issue.sprintIds.flatMap(id => {
          const s = this.sprints.find(x => x.id === id);
          return s ? [String(s.id), s.name.toLowerCase()] : [];
        });
      case 'key':
        return [issue.key.toLowerCase()];
      case 'id':
        return [issue.id];
      case 'priority': {
        const p = FAKE_PRIORITIES.find(x => x.id === issue.priorityId)!;
        return [p.id, p.name.toLowerCase()];
      }
      case 'resolution':
        return issue.resolution
          ? [issue.resolution.toLowerCase()]
          : ['unresolved'];
      case 'parent':
        return issue.parentKey ? [issue.parentKey.toLowerCase()] : [];
      case JIRA_FAKE_FIELDS.team: {
        const team = issue.customFields[JIRA_FAKE_FIELDS.team] as
          | { id: string; value: string }
          | undefined;
        return team ? [team.id, team.value.toLowerCase()] : [];
      }
      case JIRA_FAKE_FIELDS.storyPoints: {
        const points = issue.customFields[JIRA_FAKE_FIELDS.storyPoints];
        return points === undefined || points === null ? [] : [String(points)];
      }
      default:
        return [];
    }
  }

  private textOf(issue: FakeIssue, field: string): string {
    const flatten = (body: unknown): string =>
      typeof body === 'string' ? body : JSON.stringify(body ?? '');
    const parts: string[] = [];
    if (field === 'summary' || field === 'text') parts.push(issue.summary);
    if (field === 'description' || field === 'text') {
      parts.push(flatten(issue.description));
    }
    if (field === 'text') {
      parts.push(...issue.comments.map(c => flatten(c.body)));
    }
    return parts.join(' ').toLowerCase();
  }

  private resolveValue(
    value: JqlValue,
    field: string,
    currentUser: FakeUser | undefined,
  ): string[] {
    if (value.kind === 'value') {
      const v = value.value.toLowerCase();
      if (field === 'project') {
        const project =
          this.project(value.value) ?? this.projectByName(value.value);
        return project ? [project.key.toLowerCase()] : [v];
      }
      return [v];
    }
    if (value.kind === 'function') {
      switch (value.name.toLowerCase()) {
        case 'currentuser':
          if (!currentUser) return [];
          return [
            (this.product === 'cloud'
              ? currentUser.accountId
              : currentUser.name
            ).toLowerCase(),
          ];
        case 'opensprints':
          return this.sprints
            .filter(s => s.state === 'active' || s.state === 'future')
            .map(s => String(s.id));
        case 'closedsprints':
          return this.sprints
            .filter(s => s.state === 'closed')
            .map(s => String(s.id));
        case 'futuresprints':
          return this.sprints
            .filter(s => s.state === 'future')
            .map(s => String(s.id));
        default:
          return [];
      }
    }
    return [];
  }

  private compile(
    node: JqlNode,
    currentUser: FakeUser | undefined,
    now: Date,
  ): (issue: FakeIssue) => boolean {
    if (node.type === 'and' || node.type === 'or') {
      const children = node.children.map(c =>
        this.compile(c, currentUser, now),
      );
      return node.type === 'and'
        ? issue => children.every(c => c(issue))
        : issue => children.some(c => c(issue));
    }
    if (node.type === 'not') {
      const child = this.compile(node.child, currentUser, now);
      return issue => !child(issue);
    }
    const field = this.fieldOf(node.field);
    const op = node.operator;
    if (['summary', 'description', 'text'].includes(field)) {
      if (op === 'IS' || op === 'IS NOT') {
        return issue =>
          (this.textOf(issue, field).trim() === '') === (op === 'IS');
      }
      const words = (
        node.values[0].kind === 'value' ? node.values[0].value : ''
      )
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean)
        .map(w => w.replace(/[*?]$/, ''));
      const match = (issue: FakeIssue) => {
        const text = this.textOf(issue, field);
        return words.every(w => text.includes(w));
      };
      return op === '~' ? match : issue => !match(issue);
    }
    if (op === 'IS' || op === 'IS NOT') {
      return issue =>
        (this.valuesOf(issue, field).length === 0) === (op === 'IS');
    }
    if (['<', '<=', '>', '>='].includes(op)) {
      const raw = node.values[0];
      const number = (issue: FakeIssue): number | undefined => {
        if (field === 'created') return issue.created.getTime();
        if (field === 'updated') return issue.updated.getTime();
        if (field === 'key' || field === 'id') return Number(issue.id);
        if (field === 'priority') return Number(issue.priorityId);
        const points = issue.customFields[field];
        return typeof points === 'number' ? points : undefined;
      };
      let target: number;
      if (field === 'created' || field === 'updated') {
        if (raw.kind !== 'function') {
          target = jiraDay(
            raw.kind === 'value' ? raw.value : '',
            now,
          )!.getTime();
        } else if (raw.name.toLowerCase() === 'startofday') {
          target = startOfDay(now).getTime();
        } else {
          target = now.getTime();
        }
      } else if (field === 'key' && raw.kind === 'value') {
        target = Number(this.issue(raw.value)?.id ?? NaN);
      } else {
        target = Number(raw.kind === 'value' ? raw.value : NaN);
      }
      const compare = {
        '<': (a: number) => a < target,
        '<=': (a: number) => a <= target,
        '>': (a: number) => a > target,
        '>=': (a: number) => a >= target,
      }[op as '<' | '<=' | '>' | '>=']!;
      return issue => {
        const n = number(issue);
        return n !== undefined && compare(n);
      };
    }
    const wanted = node.values.flatMap(v =>
      v.kind === 'empty'
        ? ['\u0000empty']
        : this.resolveValue(v, field, currentUser),
    );
    const match = (issue: FakeIssue) => {
      const values = this.valuesOf(issue, field);
      return wanted.some(w =>
        w === '\u0000empty' ? values.length === 0 : values.includes(w),
      );
    };
    return op === '=' || op === 'IN' ? match : issue => !match(issue);
  }

  private comparator(orderBy: JqlQuery['orderBy']): Compare {
    const keyNumber = (issue: FakeIssue) =>
      Number(issue.key.slice(issue.key.lastIndexOf('-') + 1));
    const byField = (field: string): Compare => {
      switch (field.toLowerCase()) {
        case 'created':
          return (a, b) => a.created.getTime() - b.created.getTime();
        case 'updated':
          return (a, b) => a.updated.getTime() - b.updated.getTime();
        case 'key':
        case 'issuekey':
        case 'id':
          return (a, b) =>
            a.projectKey.localeCompare(b.projectKey) ||
            keyNumber(a) - keyNumber(b);
        case 'priority':
          return (a, b) => Number(b.priorityId) - Number(a.priorityId);
        case 'status':
          return (a, b) =>
            FAKE_STATUSES.findIndex(s => s.id === a.statusId) -
            FAKE_STATUSES.findIndex(s => s.id === b.statusId);
        case 'summary':
          return (a, b) => a.summary.localeCompare(b.summary);
        case 'rank':
          return (a, b) => Number(a.id) - Number(b.id);
        case 'story points':
        case 'cf[10016]':
        case JIRA_FAKE_FIELDS.storyPoints:
          return (a, b) =>
            Number(a.customFields[JIRA_FAKE_FIELDS.storyPoints] ?? -1) -
            Number(b.customFields[JIRA_FAKE_FIELDS.storyPoints] ?? -1);
        default:
          throw new JqlError(
            `Field '${field}' does not exist or you do not have permission to view it.`,
          );
      }
    };
    const sorts = (
      orderBy.length ? orderBy : [{ field: 'key', direction: 'DESC' as const }]
    ).map(o => {
      const compare = byField(o.field);
      return o.direction === 'DESC'
        ? (a: FakeIssue, b: FakeIssue) => compare(b, a)
        : compare;
    });
    return (a, b) => {
      for (const sort of sorts) {
        const result = sort(a, b);
        if (result !== 0) return result;
      }
      return Number(a.id) - Number(b.id);
    };
  }
}
