/** The config key that turns SonarQube on; named by every "not configured" message. */
export const SONARQUBE_CONFIG_KEY = 'sonarqube.instances';

/** The message the UI, the API and the pipeline step show while SonarQube is off. */
export const SONARQUBE_NOT_CONFIGURED_MESSAGE = `SonarQube is not configured: add an instance under ${SONARQUBE_CONFIG_KEY} (name, baseUrl, apiKey) in app-config to turn it on`;

/** The measures Comet reads for every project view (SonarQube metric keys). */
export const SONARQUBE_METRIC_KEYS = [
  'alert_status',
  'bugs',
  'vulnerabilities',
  'code_smells',
  'security_hotspots',
  'security_hotspots_reviewed',
  'coverage',
  'duplicated_lines_density',
  'reliability_rating',
  'security_rating',
  'sqale_rating',
  'sqale_index',
  'ncloc',
] as const;

export type SonarQubeMetricKey = (typeof SONARQUBE_METRIC_KEYS)[number];

/** Metrics that reveal security findings, left out without `sonarqube.security.read`. */
export const SONARQUBE_SECURITY_METRIC_KEYS: readonly SonarQubeMetricKey[] = [
  'vulnerabilities',
  'security_hotspots',
  'security_hotspots_reviewed',
  'security_rating',
];

/** Metric values as SonarQube returns them (strings; ratings are "1.0" = A … "5.0" = E). */
export type SonarQubeMeasures = Partial<Record<SonarQubeMetricKey, string>>;

/** Where in a project: the main branch (neither set), a branch, or a pull request. */
export type SonarQubeScope = {
  branch?: string;
  pullRequest?: string;
};

export type QualityGateStatus = 'OK' | 'WARN' | 'ERROR' | 'NONE';

export type QualityGateCondition = {
  metricKey: string;
  comparator: 'GT' | 'LT' | string;
  errorThreshold?: string;
  actualValue?: string;
  status: 'OK' | 'WARN' | 'ERROR' | 'NO_VALUE' | string;
};

export type QualityGate = {
  status: QualityGateStatus;
  conditions: QualityGateCondition[];
};

/** The card's view of one project of an entity. */
export type SonarQubeProjectSummary = {
  /** `instance/key` as in the annotation (`key` alone for the default instance). */
  project: string;
  instance: string;
  projectKey: string;
  name?: string;
  /** Link to the project's dashboard in SonarQube (externalBaseUrl when set). */
  url?: string;
  scope: SonarQubeScope;
  /** False for a project that exists but has never been analysed. */
  analysed: boolean;
  lastAnalysisDate?: string;
  qualityGate?: QualityGate;
  measures: SonarQubeMeasures;
  /** Why this project could not be read (unknown key, unknown instance, token lacks access). */
  error?: string;
  /** True when security measures were left out for lack of `sonarqube.security.read`. */
  securityHidden?: boolean;
};

export type EntitySonarQubeSummary =
  | {
      configured: true;
      entityRef: string;
      projects: SonarQubeProjectSummary[];
    }
  | { configured: false; message: string };

export type SonarQubeIssueType = 'BUG' | 'VULNERABILITY' | 'CODE_SMELL';
export type SonarQubeSeverity =
  | 'BLOCKER'
  | 'CRITICAL'
  | 'MAJOR'
  | 'MINOR'
  | 'INFO';

export type SonarQubeIssue = {
  key: string;
  rule: string;
  severity: SonarQubeSeverity | string;
  type: SonarQubeIssueType | string;
  message: string;
  /** File path inside the project. */
  component: string;
  line?: number;
  status: string;
  effort?: string;
  creationDate?: string;
  tags: string[];
  url?: string;
};

export type SonarQubeIssuePage = {
  issues: SonarQubeIssue[];
  total: number;
  page: number;
  pageSize: number;
  /** SonarQube returns at most the first 10,000 results of a search. */
  reachableTotal: number;
  securityHidden?: boolean;
};

export type SonarQubeHotspot = {
  key: string;
  message: string;
  component: string;
  line?: number;
  status: string;
  resolution?: string;
  vulnerabilityProbability: string;
  securityCategory?: string;
  url?: string;
};

export type SonarQubeHotspotPage = {
  hotspots: SonarQubeHotspot[];
  total: number;
  page: number;
  pageSize: number;
};

export type SonarQubeBranch = {
  name: string;
  isMain: boolean;
  analysisDate?: string;
  qualityGateStatus?: QualityGateStatus;
};

export type SonarQubePullRequest = {
  key: string;
  title: string;
  branch: string;
  base?: string;
  analysisDate?: string;
  qualityGateStatus?: QualityGateStatus;
};

export type SonarQubeBranches = {
  branches: SonarQubeBranch[];
  pullRequests: SonarQubePullRequest[];
};

export type SonarQubeMeasureHistory = {
  metrics: Array<{
    metric: string;
    history: Array<{ date: string; value?: string }>;
  }>;
};

/** One row of the team/system table: an entity and its projects' summaries. */
export type SonarQubeEntityRow = {
  entityRef: string;
  title?: string;
  projects: SonarQubeProjectSummary[];
  error?: string;
};

export type SonarQubeEntityTable =
  | { configured: true; entityRef: string; rows: SonarQubeEntityRow[] }
  | { configured: false; message: string };

/** Signals channel on which the backend announces a quality gate change. */
export const SONARQUBE_SIGNAL_CHANNEL = 'sonarqube:quality-gate';

/**
 * A quality gate changed. It only names the project; pages refetch with the user's own
 * permissions, so the signal itself reveals nothing.
 */
export type SonarQubeGateSignal = {
  instance: string;
  projectKey: string;
  branch?: string;
  pullRequest?: string;
};
