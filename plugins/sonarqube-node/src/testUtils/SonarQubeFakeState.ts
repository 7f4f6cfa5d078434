import { createHash } from 'node:crypto';

/**
 * The data behind the fake SonarQube: projects with a main branch, branches and pull requests,
 * each with analyses (one per commit), generated issues and hotspots, and tokens of the three
 * kinds SonarQube has. Everything is deterministic, so tests can assert exact values.
 */

export type SonarQubeFakeGate = 'OK' | 'ERROR';

/** A token as SonarQube issues them; each kind may do different things. */
export type SonarQubeFakeToken = {
  token: string;
  /**
   * `user`: acts as a user (Browse on `projects`, or on every project when absent; `admin` may
   * create projects and change settings). `global-analysis`: may run analyses and read their
   * results (ce, quality gate) but not browse. `project-analysis`: the same, on `projects[0]`
   * only.
   */
  type: 'user' | 'global-analysis' | 'project-analysis';
  projects?: string[];
  admin?: boolean;
};

export type SonarQubeFakeProjectSeed = {
  key: string;
  name?: string;
  /** Open issues on the main branch (types and severities are spread deterministically). */
  issueCount?: number;
  hotspotCount?: number;
  gate?: SonarQubeFakeGate;
  /** False: the project exists but no analysis has ever been processed. */
  analysed?: boolean;
  coverage?: number;
  duplications?: number;
  ncloc?: number;
  /** Other branches than `main`, each with an analysis. */
  branches?: Array<{
    name: string;
    gate?: SonarQubeFakeGate;
    issueCount?: number;
  }>;
  pullRequests?: Array<{
    key: string;
    title: string;
    branch: string;
    gate?: SonarQubeFakeGate;
    issueCount?: number;
  }>;
  /** How many weekly analyses of the main branch make up its history (default 12). */
  historyLength?: number;
  /** Project tags (lower case, as `api/project_tags/set` stores them). */
  tags?: string[];
};

export type FakeCondition = {
  status: 'OK' | 'ERROR';
  metricKey: string;
  comparator: 'GT' | 'LT';
  errorThreshold: string;
  actualValue: string;
};

export type FakeAnalysis = {
  key: string;
  taskId: string;
  submittedAt: Date;
  /** When the compute engine has finished it; before that it is a pending task. */
  readyAt: Date;
  date: Date;
  revision?: string;
  gate: SonarQubeFakeGate;
  conditions: FakeCondition[];
  measures: Record<string, string>;
};

export type FakeScope = {
  /** `branch:<name>` or `pr:<key>`. */
  id: string;
  issueCount: number;
  hotspotCount: number;
  analyses: FakeAnalysis[];
};

export type FakeBranch = FakeScope & { name: string; isMain: boolean };
export type FakePullRequest = FakeScope & {
  key: string;
  title: string;
  branch: string;
  base: string;
};

export type FakeProject = {
  key: string;
  name: string;
  visibility: 'public' | 'private';
  qualityGate: string;
  newCodePeriod?: { type: string; value?: string };
  /** Project tags, as `api/project_tags/set` stores them and `api/components/show` returns them. */
  tags: string[];
  coverage: number;
  duplications: number;
  ncloc: number;
  branches: Map<string, FakeBranch>;
  pullRequests: Map<string, FakePullRequest>;
};

export type FakeIssue = {
  key: string;
  rule: string;
  severity: string;
  type: string;
  component: string;
  project: string;
  line: number;
  status: string;
  message: string;
  effort: string;
  debt: string;
  author: string;
  tags: string[];
  creationDate: string;
  updateDate: string;
  scope: string;
};

export type FakeHotspot = {
  key: string;
  component: string;
  project: string;
  securityCategory: string;
  vulnerabilityProbability: string;
  status: string;
  line: number;
  message: string;
  author: string;
  creationDate: string;
  updateDate: string;
  ruleKey: string;
};

/** The quality gates the fake knows, by name. */
export const FAKE_QUALITY_GATES = ['Sonar way', 'Comet strict'];

/** The user token the demo and e2e configs use: Browse on everything, admin. Not a secret. */
export const SONARQUBE_FAKE_DEMO_TOKEN =
  'squ_comet_fake_demo_token_not_a_secret';

const ISSUE_TYPES = [
  'CODE_SMELL',
  'BUG',
  'CODE_SMELL',
  'VULNERABILITY',
  'CODE_SMELL',
];
const TAGS: Record<string, string[]> = {
  VULNERABILITY: ['cwe', 'owasp-a3'],
  BUG: ['suspicious'],
  CODE_SMELL: ['unused'],
};
const SEVERITIES = ['MAJOR', 'MINOR', 'CRITICAL', 'INFO', 'BLOCKER'];
const RULES: Record<string, Array<[string, string]>> = {
  CODE_SMELL: [
    ['typescript:S1854', 'Remove this useless assignment to variable "total".'],
    [
      'typescript:S3776',
      'Refactor this function to reduce its Cognitive Complexity from 21 to the 15 allowed.',
    ],
    ['typescript:S125', 'Remove this commented out code.'],
    ['typescript:S1128', 'Remove this unused import of "lodash".'],
  ],
  BUG: [
    [
      'typescript:S2589',
      'Refactor this code so that this expression does not always evaluate to true.',
    ],
    ['typescript:S3403', 'Remove this "===" check; it will always be false.'],
  ],
  VULNERABILITY: [
    ['typescript:S5332', 'Using http protocol is insecure. Use https instead.'],
    ['typescript:S2068', 'Review this potentially hard-coded password.'],
  ],
};
const DIRS = ['api', 'domain', 'db', 'http', 'jobs', 'util', 'config'];
const FILES = [
  'index',
  'payments',
  'refunds',
  'ledger',
  'client',
  'server',
  'retry',
  'money',
  'events',
  'queue',
  'cache',
];
const HOTSPOT_CATEGORIES: Array<[string, string, string]> = [
  [
    'weak-cryptography',
    'MEDIUM',
    'Make sure this weak hash algorithm is not used in a sensitive context here.',
  ],
  ['insecure-conf', 'LOW', 'Make sure that enabling CORS is safe here.'],
  [
    'sql-injection',
    'HIGH',
    'Make sure using a dynamically formatted SQL query is safe here.',
  ],
  [
    'others',
    'LOW',
    'Make sure this debug feature is deactivated before delivering the code in production.',
  ],
];

/** A fixed clock origin so generated dates are stable. */
const EPOCH = Date.parse('2026-11-20T09:00:00Z');

function shortHash(text: string) {
  return createHash('sha1').update(text).digest('hex').slice(0, 8);
}

function ratingOf(count: number) {
  if (count === 0) return '1.0';
  if (count < 10) return '2.0';
  if (count < 100) return '3.0';
  if (count < 1000) return '4.0';
  return '5.0';
}

export class SonarQubeFakeState {
  readonly projects = new Map<string, FakeProject>();
  readonly tokens = new Map<string, SonarQubeFakeToken>();
  readonly webhooks: Array<{
    key: string;
    name: string;
    url: string;
    secret?: string;
    project?: string;
  }> = [];
  private readonly issueCache = new Map<string, FakeIssue[]>();
  private sequence = 0;

  /** The issues of a branch or pull request, generated once. */
  issuesOf(project: FakeProject, scope: FakeScope): FakeIssue[] {
    const cacheKey = `${project.key}\n${scope.id}\n${scope.issueCount}`;
    let issues = this.issueCache.get(cacheKey);
    if (!issues) {
      const prefix = `AZ${shortHash(`${project.key}/${scope.id}`)}`;
      issues = [];
      for (let i = 0; i < scope.issueCount; i++) {
        const type = ISSUE_TYPES[i % ISSUE_TYPES.length];
        const rules = RULES[type];
        const [rule, message] =
          rules[Math.floor(i / ISSUE_TYPES.length) % rules.length];
        const created = new Date(EPOCH - i * 3_600_000)
          .toISOString()
          .replace('.000Z', '+0000');
        issues.push({
          key: `${prefix}-${i.toString(36).padStart(5, '0')}`,
          rule,
          severity: SEVERITIES[(i * 7) % SEVERITIES.length],
          type,
          component: `${project.key}:src/${DIRS[i % DIRS.length]}/${
            FILES[i % FILES.length]
          }.ts`,
          project: project.key,
          line: ((i * 37) % 400) + 1,
          status: 'OPEN',
          message,
          effort: `${5 + (i % 6) * 5}min`,
          debt: `${5 + (i % 6) * 5}min`,
          author: 'dev@example.com',
          tags: TAGS[type],
          creationDate: created,
          updateDate: created,
          scope: 'MAIN',
        });
      }
      this.issueCache.set(cacheKey, issues);
    }
    return issues;
  }

  hotspotsOf(project: FakeProject, scope: FakeScope): FakeHotspot[] {
    const prefix = `AH${shortHash(`${project.key}/${scope.id}`)}`;
    const hotspots: FakeHotspot[] = [];
    for (let i = 0; i < scope.hotspotCount; i++) {
      const [category, probability, message] =
        HOTSPOT_CATEGORIES[i % HOTSPOT_CATEGORIES.length];
      const created = new Date(EPOCH - i * 7_200_000)
        .toISOString()
        .replace('.000Z', '+0000');
      hotspots.push({
        key: `${prefix}-${i}`,
        component: `${project.key}:src/${DIRS[(i + 3) % DIRS.length]}/${
          FILES[(i + 5) % FILES.length]
        }.ts`,
        project: project.key,
        securityCategory: category,
        vulnerabilityProbability: probability,
        status: i % 3 === 2 ? 'REVIEWED' : 'TO_REVIEW',
        line: ((i * 13) % 200) + 1,
        message,
        author: 'dev@example.com',
        creationDate: created,
        updateDate: created,
        ruleKey: `typescript:S${4790 + (i % 4)}`,
      });
    }
    return hotspots;
  }

  /** Measures of a scope at the time of an analysis, consistent with its issues. */
  measuresFor(
    project: FakeProject,
    scope: FakeScope,
    gate: SonarQubeFakeGate,
    drift = 0,
  ) {
    const issues = this.issuesOf(project, scope);
    const count = (type: string) => issues.filter(i => i.type === type).length;
    const bugs = count('BUG');
    const vulnerabilities = count('VULNERABILITY');
    const codeSmells = count('CODE_SMELL');
    const hotspots = this.hotspotsOf(project, scope);
    const reviewed = hotspots.filter(h => h.status === 'REVIEWED').length;
    const coverage = Math.max(0, Math.min(100, project.coverage - drift * 0.8));
    return {
      alert_status: gate,
      bugs: String(Math.max(0, bugs + drift)),
      vulnerabilities: String(vulnerabilities),
      code_smells: String(Math.max(0, codeSmells + drift * 3)),
      security_hotspots: String(hotspots.length - reviewed),
      security_hotspots_reviewed: hotspots.length
        ? ((reviewed / hotspots.length) * 100).toFixed(1)
        : '100.0',
      coverage: coverage.toFixed(1),
      duplicated_lines_density: project.duplications.toFixed(1),
      reliability_rating: ratingOf(bugs),
      security_rating: ratingOf(vulnerabilities),
      sqale_rating: ratingOf(Math.floor(codeSmells / 20)),
      sqale_index: String(
        issues.reduce((sum, issue) => sum + parseInt(issue.effort, 10), 0),
      ),
      ncloc: String(project.ncloc),
    } as Record<string, string>;
  }

  conditionsFor(gate: SonarQubeFakeGate, coverage: number): FakeCondition[] {
    const failed = gate === 'ERROR';
    return [
      {
        status: failed ? 'ERROR' : 'OK',
        metricKey: 'new_coverage',
        comparator: 'LT',
        errorThreshold: '80',
        actualValue: failed ? '42.3' : coverage.toFixed(1),
      },
      {
        status: failed ? 'ERROR' : 'OK',
        metricKey: 'new_reliability_rating',
        comparator: 'GT',
        errorThreshold: '1',
        actualValue: failed ? '3' : '1',
      },
      {
        status: 'OK',
        metricKey: 'new_duplicated_lines_density',
        comparator: 'GT',
        errorThreshold: '3',
        actualValue: '1.2',
      },
      {
        status: 'OK',
        metricKey: 'new_security_hotspots_reviewed',
        comparator: 'LT',
        errorThreshold: '100',
        actualValue: '100.0',
      },
    ];
  }

  nextId(prefix: string) {
    this.sequence += 1;
    return `${prefix}${shortHash(
      `${prefix}${this.sequence}${Math.random()}`,
    )}${this.sequence.toString(36)}`;
  }

  /** Adds a finished (or, with `pendingMs`, queued) analysis to a scope. */
  addAnalysis(
    project: FakeProject,
    scope: FakeScope,
    options: {
      revision?: string;
      gate: SonarQubeFakeGate;
      date?: Date;
      pendingMs?: number;
      drift?: number;
    },
  ): FakeAnalysis {
    const submittedAt = options.date ?? new Date();
    const analysis: FakeAnalysis = {
      key: this.nextId('AN'),
      taskId: this.nextId('AT'),
      submittedAt,
      readyAt: new Date(submittedAt.getTime() + (options.pendingMs ?? 0)),
      date: new Date(submittedAt.getTime() + (options.pendingMs ?? 0)),
      revision: options.revision,
      gate: options.gate,
      conditions: this.conditionsFor(options.gate, project.coverage),
      measures: this.measuresFor(project, scope, options.gate, options.drift),
    };
    scope.analyses.push(analysis);
    scope.analyses.sort((a, b) => a.date.getTime() - b.date.getTime());
    return analysis;
  }

  addProject(seed: SonarQubeFakeProjectSeed): FakeProject {
    const project: FakeProject = {
      key: seed.key,
      name: seed.name ?? seed.key,
      visibility: 'private',
      qualityGate: 'Sonar way',
      tags: [...(seed.tags ?? [])],
      coverage: seed.coverage ?? 81.4,
      duplications: seed.duplications ?? 2.1,
      ncloc: seed.ncloc ?? 12_840,
      branches: new Map(),
      pullRequests: new Map(),
    };
    this.projects.set(project.key, project);
    const main: FakeBranch = {
      id: 'branch:main',
      name: 'main',
      isMain: true,
      issueCount: seed.issueCount ?? 0,
      hotspotCount: seed.hotspotCount ?? 0,
      analyses: [],
    };
    project.branches.set('main', main);
    if (seed.analysed === false) return project;
    const history = seed.historyLength ?? 12;
    for (let week = history - 1; week >= 0; week--) {
      // The latest analysis has the seed's gate; a few older ones failed, for the history
      let gate: SonarQubeFakeGate = week % 4 === 1 ? 'ERROR' : 'OK';
      if (week === 0) gate = seed.gate ?? 'OK';
      this.addAnalysis(project, main, {
        gate,
        date: new Date(EPOCH - week * 7 * 86_400_000),
        revision: shortHash(`${seed.key}-rev-${week}`).repeat(5),
        drift: week,
      });
    }
    for (const branch of seed.branches ?? []) {
      const scope: FakeBranch = {
        id: `branch:${branch.name}`,
        name: branch.name,
        isMain: false,
        issueCount:
          branch.issueCount ?? Math.floor((seed.issueCount ?? 0) * 0.9),
        hotspotCount: seed.hotspotCount ?? 0,
        analyses: [],
      };
      project.branches.set(branch.name, scope);
      this.addAnalysis(project, scope, {
        gate: branch.gate ?? 'OK',
        date: new Date(EPOCH - 86_400_000),
        revision: shortHash(`${seed.key}-${branch.name}`).repeat(5),
      });
    }
    for (const pr of seed.pullRequests ?? []) {
      const scope: FakePullRequest = {
        id: `pr:${pr.key}`,
        key: pr.key,
        title: pr.title,
        branch: pr.branch,
        base: 'main',
        issueCount: pr.issueCount ?? 7,
        hotspotCount: 1,
        analyses: [],
      };
      project.pullRequests.set(pr.key, scope);
      this.addAnalysis(project, scope, {
        gate: pr.gate ?? 'OK',
        date: new Date(EPOCH - 3_600_000),
        revision: shortHash(`${seed.key}-pr-${pr.key}`).repeat(5),
      });
    }
    return project;
  }
}

/** Projects matching the example catalog (examples/catalog/*.yaml). */
export const EXAMPLE_SONARQUBE_PROJECTS: SonarQubeFakeProjectSeed[] = [
  {
    key: 'comet-examples_payments-api',
    name: 'Payments API',
    issueCount: 248,
    hotspotCount: 6,
    gate: 'OK',
    coverage: 84.2,
    duplications: 1.8,
    ncloc: 18_420,
    branches: [{ name: 'release/1.x', gate: 'OK', issueCount: 231 }],
    pullRequests: [
      {
        key: '42',
        title: 'Partial refunds',
        branch: 'feature/partial-refunds',
        gate: 'ERROR',
        issueCount: 9,
      },
    ],
  },
  {
    key: 'comet-examples_ledger-worker',
    name: 'Ledger worker',
    issueCount: 57,
    hotspotCount: 2,
    gate: 'ERROR',
    coverage: 61.5,
    duplications: 4.4,
    ncloc: 6_310,
  },
  {
    key: 'comet-examples_product-catalog',
    name: 'Product catalogue',
    issueCount: 10_000,
    hotspotCount: 40,
    gate: 'OK',
    coverage: 72.9,
    duplications: 6.3,
    ncloc: 154_900,
    branches: [{ name: 'develop', gate: 'ERROR', issueCount: 10_120 }],
    pullRequests: [
      {
        key: '7',
        title: 'Faster search',
        branch: 'feature/faster-search',
        gate: 'OK',
        issueCount: 3,
      },
    ],
  },
  {
    key: 'comet-examples_storefront-web',
    name: 'Storefront',
    issueCount: 31,
    hotspotCount: 3,
    gate: 'OK',
    coverage: 88.0,
    duplications: 0.9,
    ncloc: 9_870,
  },
  // notification-service is a monorepo with two projects
  {
    key: 'comet-examples_notification-api',
    name: 'Notification service: API',
    issueCount: 12,
    hotspotCount: 1,
    gate: 'OK',
    coverage: 79.3,
  },
  {
    key: 'comet-examples_notification-mailer',
    name: 'Notification service: mailer',
    issueCount: 64,
    hotspotCount: 0,
    gate: 'ERROR',
    coverage: 38.0,
  },
  // Created by a template but never analysed
  { key: 'comet-examples_new-service', name: 'New service', analysed: false },
];
