/** Result of a build as Comet shows it (Jenkins' `result`, or running/queued). */
export type JenkinsBuildStatus =
  | 'queued'
  | 'running'
  | 'success'
  | 'unstable'
  | 'failure'
  | 'aborted'
  | 'not_built';

export type JenkinsJobKind =
  | 'freestyle'
  | 'pipeline'
  | 'multibranch'
  | 'folder'
  | 'other';

export type JenkinsParameterType =
  | 'string'
  | 'text'
  | 'boolean'
  | 'choice'
  | 'password'
  | 'other';

/** A parameter definition of a job, to generate the trigger form. */
export type JenkinsParameterDefinition = {
  name: string;
  type: JenkinsParameterType;
  /** The Jenkins class, e.g. `hudson.model.StringParameterDefinition`. */
  jenkinsType?: string;
  description?: string;
  defaultValue?: string | boolean;
  choices?: string[];
};

export type JenkinsCommit = {
  sha: string;
  message?: string;
  author?: string;
  timestamp?: string;
};

export type JenkinsCause = {
  description: string;
  userId?: string;
  userName?: string;
  /** What kind of cause: user, scm, timer, upstream, replay, other. */
  kind: 'user' | 'scm' | 'timer' | 'upstream' | 'replay' | 'other';
};

export type JenkinsTestSummary = {
  total: number;
  failed: number;
  skipped: number;
  passed: number;
};

export type JenkinsArtifact = {
  fileName: string;
  relativePath: string;
  url: string;
};

/** A build in lists: what a table row needs. */
export type JenkinsBuildSummary = {
  /** `instance:folder/job` of the job the build belongs to (a branch job for multibranch). */
  jobRef: string;
  instance: string;
  jobFullName: string;
  number: number;
  displayName?: string;
  status: JenkinsBuildStatus;
  /** Jenkins' raw result, e.g. `SUCCESS`, or undefined while running. */
  result?: string;
  building: boolean;
  /** Start, ISO 8601. */
  startedAt: string;
  durationMs?: number;
  estimatedDurationMs?: number;
  /** The branch, for multibranch jobs (decoded) or from git build data. */
  branch?: string;
  commit?: JenkinsCommit;
  causes: JenkinsCause[];
  parameters: Record<string, string | boolean | number>;
  tests?: JenkinsTestSummary;
  /** Link to the build's page in Jenkins. */
  url: string;
};

export type JenkinsStage = {
  id: string;
  name: string;
  status: JenkinsBuildStatus;
  startedAt?: string;
  durationMs?: number;
};

/** A build with everything the build view shows. */
export type JenkinsBuild = JenkinsBuildSummary & {
  changes: JenkinsCommit[];
  artifacts: JenkinsArtifact[];
  /** Pipeline stages from the stage view API; absent for non-Pipeline jobs. */
  stages?: JenkinsStage[];
  queueId?: number;
};

export type JenkinsJob = {
  jobRef: string;
  instance: string;
  jobFullName: string;
  name: string;
  displayName?: string;
  description?: string;
  kind: JenkinsJobKind;
  url: string;
  buildable: boolean;
  parameters: JenkinsParameterDefinition[];
  /** Branch jobs of a multibranch project, or jobs of a folder. */
  children?: {
    name: string;
    jobFullName: string;
    branch?: string;
    url: string;
  }[];
};

/** A problem with one job of an entity, shown on the card instead of an empty list. */
export type JenkinsJobProblem = {
  /** `NotFoundError`, `NotAllowedError`, `ServiceUnavailableError`, `InputError`, … */
  name: string;
  message: string;
};

/** One annotated job with its latest builds (or the reason they cannot be shown). */
export type JenkinsEntityJob = {
  /** The annotation entry as written. */
  source: string;
  jobRef: string;
  instance: string;
  jobFullName: string;
  job?: JenkinsJob;
  builds: JenkinsBuildSummary[];
  /** Offset of the next page of builds of this job; absent on the last page. */
  nextOffset?: number;
  error?: JenkinsJobProblem;
};

/** `GET /api/jenkins/entity-jobs`. */
export type JenkinsEntityJobsResponse =
  | {
      configured: true;
      jobs: JenkinsEntityJob[];
      /** Set when the annotation itself cannot be used. */
      error?: JenkinsJobProblem;
    }
  | { configured: false; message: string };

/** `GET /api/jenkins/entity-builds`: builds of all the entity's jobs, newest first. */
export type JenkinsEntityBuildsResponse = {
  builds: JenkinsBuildSummary[];
  nextCursor?: string;
  errors: (JenkinsJobProblem & { jobRef: string })[];
};

/** A slice of a build's console, from progressive text. */
export type JenkinsLogChunk = {
  text: string;
  /** Pass as `start` for the next chunk (Jenkins' `X-Text-Size`, or where a cut chunk ends). */
  nextStart: number;
  /** Whether there is or may be more text: Jenkins' `X-More-Data`, or a cut chunk. */
  more: boolean;
  /** The chunk stopped at the per-answer maximum (1 MiB); the rest is there to read at once. */
  truncated?: boolean;
  /** Where the console ends now (Jenkins' `X-Text-Size`), when Jenkins said. */
  textSize?: number;
};

/**
 * The deepest build offset Comet reads: paging further would ask Jenkins for thousands of
 * builds per job (and per branch job of a multibranch project). Older builds are in Jenkins.
 */
export const JENKINS_MAX_BUILD_OFFSET = 1000;

/** The answer to a trigger or rebuild. */
export type JenkinsTriggerResult = {
  jobRef: string;
  queueId: number;
  /** Set once Jenkins started the build (followed from the queue item). */
  buildNumber?: number;
  url?: string;
};

/** How Comet names the config that turns Jenkins on, for the UI's empty states. */
export const JENKINS_CONFIG_KEY = 'jenkins.instances';
