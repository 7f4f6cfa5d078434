import { createHash } from 'node:crypto';

/** A Jenkins job type the fake knows. */
export type JenkinsFakeJobKind =
  | 'freestyle'
  | 'pipeline'
  | 'folder'
  | 'multibranch';

export type JenkinsFakeParameter =
  | {
      type: 'string' | 'text' | 'password';
      name: string;
      defaultValue?: string;
      description?: string;
    }
  | {
      type: 'boolean';
      name: string;
      defaultValue?: boolean;
      description?: string;
    }
  | { type: 'choice'; name: string; choices: string[]; description?: string };

export type JenkinsFakeJobSeed = {
  /** `folder/job`; parents must come first (a folder or multibranch job). */
  fullName: string;
  kind: JenkinsFakeJobKind;
  description?: string;
  parameters?: JenkinsFakeParameter[];
  /** How many finished builds to make up (default: the fake's `buildsPerJob`). */
  builds?: number;
  /** Whether builds publish JUnit results. Default true. */
  tests?: boolean;
  configXml?: string;
};

export type JenkinsFakeUser = {
  username: string;
  apiKey: string;
  /** Can read but not build, abort or create jobs (403 on POST). */
  readOnly?: boolean;
};

export type JenkinsFakeBuild = {
  number: number;
  queueId: number;
  startedAt: number;
  plannedDurationMs: number;
  plannedResult: 'SUCCESS' | 'FAILURE' | 'UNSTABLE';
  abortedAt?: number;
  abortedBy?: string;
  parameters: { name: string; value: string | boolean }[];
  causes: Record<string, unknown>[];
  commits: {
    sha: string;
    message: string;
    author: string;
    timestamp: number;
  }[];
  branch: string;
  tests?: { total: number; failed: number; skipped: number };
  artifacts: string[];
  logLines: string[];
};

export type JenkinsFakeJob = {
  fullName: string;
  kind: JenkinsFakeJobKind;
  description: string;
  parameters: JenkinsFakeParameter[];
  tests: boolean;
  /** Newest first. */
  builds: JenkinsFakeBuild[];
  nextBuildNumber: number;
  configXml: string;
};

export type JenkinsFakeQueueItem = {
  id: number;
  jobFullName: string;
  enqueuedAt: number;
  readyAt: number;
  parameters: { name: string; value: string | boolean }[];
  causes: Record<string, unknown>[];
  buildNumber?: number;
};

/** The seeded jobs: they match the example catalog's `jenkins.io/job-full-name` values. */
export const DEFAULT_JENKINS_FAKE_JOBS: JenkinsFakeJobSeed[] = [
  { fullName: 'payments', kind: 'folder', description: 'Payments team jobs' },
  {
    fullName: 'payments/payments-api',
    kind: 'pipeline',
    description: 'Builds, tests and deploys the Payments API (Jenkinsfile)',
    parameters: [
      {
        type: 'string',
        name: 'BRANCH',
        defaultValue: 'main',
        description: 'Git branch to build',
      },
      {
        type: 'choice',
        name: 'DEPLOY_ENV',
        choices: ['staging', 'production'],
        description: 'Where to deploy',
      },
      {
        type: 'boolean',
        name: 'DRY_RUN',
        defaultValue: true,
        description: 'Skip the deploy stage',
      },
    ],
  },
  {
    fullName: 'payments/payments-api-nightly',
    kind: 'freestyle',
    description:
      'Nightly integration tests against the ledger (legacy Jenkins)',
    parameters: [],
  },
  {
    fullName: 'storefront',
    kind: 'folder',
    description: 'Storefront team jobs',
  },
  {
    fullName: 'storefront/storefront-web',
    kind: 'multibranch',
    description: 'Storefront web app, one job per branch',
  },
  { fullName: 'storefront/storefront-web/main', kind: 'pipeline' },
  {
    fullName: 'storefront/storefront-web/feature%2Fcheckout',
    kind: 'pipeline',
    builds: 4,
  },
  { fullName: 'storefront/storefront-web/PR-42', kind: 'pipeline', builds: 2 },
  {
    fullName: 'storefront/notification-service',
    kind: 'freestyle',
    description: 'Notification service build (freestyle)',
    parameters: [
      {
        type: 'string',
        name: 'VERSION',
        defaultValue: '1.0.0',
        description: 'Version to package',
      },
      {
        type: 'text',
        name: 'RELEASE_NOTES',
        defaultValue: '',
        description: 'Notes for the release',
      },
    ],
  },
];

export const DEFAULT_JENKINS_FAKE_USERS: JenkinsFakeUser[] = [
  { username: 'comet', apiKey: 'comet-fake-jenkins-token' },
  { username: 'legacy-bot', apiKey: 'legacy-fake-jenkins-token' },
  { username: 'viewer', apiKey: 'viewer-fake-jenkins-token', readOnly: true },
];

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashOf(text: string) {
  return createHash('sha1').update(text).digest();
}

const MESSAGES = [
  'Fix rounding of refunds',
  'Add retry to the ledger client',
  'Bump express to 4.22',
  'Speed up the product search',
  'Render prices with the locale',
  'Handle 429 from the card gateway',
  'Split the checkout page',
  'Log the request id',
];
const AUTHORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Guest'];

export function branchOfJob(fullName: string, parentKind?: JenkinsFakeJobKind) {
  if (parentKind !== 'multibranch') return 'main';
  const name = fullName.slice(fullName.lastIndexOf('/') + 1);
  return decodeURIComponent(name);
}

function xmlEscape(text: string) {
  return text.replace(/[<>&"']/g, c => `&#${c.charCodeAt(0)};`);
}

const PARAMETER_DEFINITION_CLASS: Record<
  Exclude<JenkinsFakeParameter['type'], 'choice'>,
  string
> = {
  boolean: 'BooleanParameterDefinition',
  text: 'TextParameterDefinition',
  password: 'PasswordParameterDefinition',
  string: 'StringParameterDefinition',
};

/** A config.xml like Jenkins writes it, for seeded jobs. */
export function configXmlFor(seed: JenkinsFakeJobSeed): string {
  const params = (seed.parameters ?? [])
    .map(p => {
      if (p.type === 'choice') {
        return `<hudson.model.ChoiceParameterDefinition><name>${xmlEscape(
          p.name,
        )}</name><description>${xmlEscape(
          p.description ?? '',
        )}</description><choices class="java.util.Arrays$ArrayList"><a class="string-array">${p.choices
          .map(c => `<string>${xmlEscape(c)}</string>`)
          .join('')}</a></choices></hudson.model.ChoiceParameterDefinition>`;
      }
      const cls =
        PARAMETER_DEFINITION_CLASS[p.type] ?? 'StringParameterDefinition';
      return `<hudson.model.${cls}><name>${xmlEscape(
        p.name,
      )}</name><description>${xmlEscape(
        p.description ?? '',
      )}</description><defaultValue>${xmlEscape(
        String(p.defaultValue ?? ''),
      )}</defaultValue></hudson.model.${cls}>`;
    })
    .join('');
  const properties = params
    ? `<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>${params}</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>`
    : '<properties/>';
  const description = `<description>${xmlEscape(
    seed.description ?? '',
  )}</description>`;
  switch (seed.kind) {
    case 'pipeline':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin="workflow-job">${description}${properties}<definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>pipeline { agent any; stages { stage('Build') { steps { sh 'npm ci' } } } }</script><sandbox>true</sandbox></definition></flow-definition>\n`;
    case 'freestyle':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<project>${description}${properties}<builders><hudson.tasks.Shell><command>npm ci &amp;&amp; npm test</command></hudson.tasks.Shell></builders></project>\n`;
    case 'folder':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">${description}</com.cloudbees.hudson.plugins.folder.Folder>\n`;
    default:
      return `<?xml version='1.1' encoding='UTF-8'?>\n<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject plugin="workflow-multibranch">${description}</org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>\n`;
  }
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match
    ? match[1]
        .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&')
    : undefined;
}

const JOB_KIND_BY_ROOT_ELEMENT = new Map<string, JenkinsFakeJobKind>([
  ['project', 'freestyle'],
  ['flow-definition', 'pipeline'],
  ['com.cloudbees.hudson.plugins.folder.Folder', 'folder'],
  [
    'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
    'multibranch',
  ],
]);

/** Reads the job type, description and parameters from a posted config.xml. */
export function seedFromConfigXml(
  fullName: string,
  xml: string,
): JenkinsFakeJobSeed | undefined {
  const root = /<([A-Za-z][\w.-]*)[\s>/]/.exec(
    xml.replace(/<\?xml[^>]*\?>/, ''),
  )?.[1];
  const kind: JenkinsFakeJobKind | undefined =
    root === undefined ? undefined : JOB_KIND_BY_ROOT_ELEMENT.get(root);
  if (!kind) return undefined;
  const parameters: JenkinsFakeParameter[] = [];
  const definitions =
    /<parameterDefinitions>([\s\S]*?)<\/parameterDefinitions>/.exec(xml)?.[1] ??
    '';
  const each =
    /<hudson\.model\.(String|Text|Boolean|Choice|Password)ParameterDefinition>([\s\S]*?)<\/hudson\.model\.\1ParameterDefinition>/g;
  for (const match of definitions.matchAll(each)) {
    const body = match[2];
    const name = xmlText(body, 'name') ?? '';
    const description = xmlText(body, 'description') || undefined;
    if (match[1] === 'Choice') {
      const choices = [...body.matchAll(/<string>([\s\S]*?)<\/string>/g)].map(
        m => m[1],
      );
      parameters.push({ type: 'choice', name, description, choices });
    } else if (match[1] === 'Boolean') {
      parameters.push({
        type: 'boolean',
        name,
        description,
        defaultValue: xmlText(body, 'defaultValue') === 'true',
      });
    } else {
      parameters.push({
        type: match[1].toLowerCase() as 'string' | 'text' | 'password',
        name,
        description,
        defaultValue: xmlText(body, 'defaultValue') ?? '',
      });
    }
  }
  return {
    fullName,
    kind,
    description: xmlText(xml, 'description') ?? '',
    parameters,
    builds: 0,
    configXml: xml,
  };
}

export type JenkinsFakeStateOptions = {
  jobs?: JenkinsFakeJobSeed[];
  buildsPerJob?: number;
  /** How long a triggered build waits in the queue. Default 1 s. */
  queueDelayMs?: number;
  /** How long a triggered build runs. Default 12 s. */
  buildDurationMs?: number;
  now?: () => number;
};

function plannedResultForRoll(roll: number): JenkinsFakeBuild['plannedResult'] {
  if (roll < 0.7) return 'SUCCESS';
  if (roll < 0.85) return 'UNSTABLE';
  return 'FAILURE';
}

/** Seeded builds rotate between user, SCM and timer causes. */
function seededCausesFor(index: number): Record<string, unknown>[] {
  if (index % 3 === 0) {
    return [
      {
        _class: 'hudson.model.Cause$UserIdCause',
        shortDescription: 'Started by user Ada Lovelace',
        userId: 'ada',
        userName: 'Ada Lovelace',
      },
    ];
  }
  if (index % 3 === 1) {
    return [
      {
        _class: 'hudson.triggers.SCMTrigger$SCMTriggerCause',
        shortDescription: 'Started by an SCM change',
      },
    ];
  }
  return [
    {
      _class: 'hudson.triggers.TimerTrigger$TimerTriggerCause',
      shortDescription: 'Started by timer',
    },
  ];
}

function defaultParameterValue(p: JenkinsFakeParameter): string | boolean {
  if (p.type === 'choice') return p.choices[0] ?? '';
  if (p.type === 'boolean') return p.defaultValue ?? false;
  return p.defaultValue ?? '';
}

/**
 * The fake's world: jobs, builds and the queue. Time moves lazily: every request first
 * starts the queue items whose quiet period is over, and a running build's state (console
 * text, stages, result) is computed from how long it has been running, so no timers run.
 */
export class JenkinsFakeState {
  readonly jobs = new Map<string, JenkinsFakeJob>();
  readonly queue = new Map<number, JenkinsFakeQueueItem>();
  private nextQueueId = 100;
  readonly now: () => number;
  readonly queueDelayMs: number;
  readonly buildDurationMs: number;
  private readonly buildsPerJob: number;
  private readonly createdAt: number;

  constructor(options: JenkinsFakeStateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.queueDelayMs = options.queueDelayMs ?? 1000;
    this.buildDurationMs = options.buildDurationMs ?? 12_000;
    this.buildsPerJob = options.buildsPerJob ?? 12;
    for (const seed of options.jobs ?? DEFAULT_JENKINS_FAKE_JOBS) {
      this.addJob(seed);
    }
  }

  parentOf(fullName: string): JenkinsFakeJob | undefined {
    const slash = fullName.lastIndexOf('/');
    return slash < 0 ? undefined : this.jobs.get(fullName.slice(0, slash));
  }

  childrenOf(fullName: string | undefined): JenkinsFakeJob[] {
    const prefix = fullName ? `${fullName}/` : '';
    return [...this.jobs.values()].filter(
      job =>
        job.fullName.startsWith(prefix) &&
        !job.fullName.slice(prefix.length).includes('/'),
    );
  }

  addJob(seed: JenkinsFakeJobSeed): JenkinsFakeJob {
    const parent = this.parentOf(seed.fullName);
    if (seed.fullName.includes('/') && !parent) {
      throw new Error(`Fake Jenkins: no folder for ${seed.fullName}`);
    }
    const job: JenkinsFakeJob = {
      fullName: seed.fullName,
      kind: seed.kind,
      description: seed.description ?? '',
      parameters: seed.parameters ?? [],
      tests: seed.tests ?? true,
      builds: [],
      nextBuildNumber: 1,
      configXml: seed.configXml ?? configXmlFor(seed),
    };
    this.jobs.set(job.fullName, job);
    if (job.kind === 'folder' || job.kind === 'multibranch') return job;
    const random = mulberry32(hashOf(job.fullName).readUInt32BE(0));
    const count = seed.builds ?? this.buildsPerJob;
    const branch = branchOfJob(job.fullName, parent?.kind);
    for (let index = count - 1; index >= 0; index--) {
      const roll = random();
      const plannedResult = plannedResultForRoll(roll);
      const startedAt =
        this.createdAt -
        20 * 60_000 -
        index * 3 * 3600_000 -
        Math.floor(random() * 600_000);
      const number = job.nextBuildNumber++;
      const parameters = this.defaultParameters(job);
      const build = this.makeBuild(job, {
        number,
        queueId: this.nextQueueId++,
        startedAt,
        plannedDurationMs: 60_000 + Math.floor(random() * 240_000),
        plannedResult,
        parameters,
        causes: seededCausesFor(index),
        branch,
        random,
      });
      job.builds.unshift(build);
    }
    return job;
  }

  defaultParameters(job: JenkinsFakeJob) {
    return job.parameters.map(p => ({
      name: p.name,
      value: defaultParameterValue(p),
    }));
  }

  private makeBuild(
    job: JenkinsFakeJob,
    init: {
      number: number;
      queueId: number;
      startedAt: number;
      plannedDurationMs: number;
      plannedResult: JenkinsFakeBuild['plannedResult'];
      parameters: JenkinsFakeBuild['parameters'];
      causes: JenkinsFakeBuild['causes'];
      branch: string;
      random: () => number;
    },
  ): JenkinsFakeBuild {
    const { random } = init;
    const commits = Array.from(
      { length: 1 + Math.floor(random() * 2) },
      (_, i) => ({
        sha: createHash('sha1')
          .update(`${job.fullName}#${init.number}#${i}`)
          .digest('hex'),
        message: MESSAGES[Math.floor(random() * MESSAGES.length)],
        author: AUTHORS[Math.floor(random() * AUTHORS.length)],
        timestamp: init.startedAt - 60_000 * (i + 1),
      }),
    );
    const total = 40 + Math.floor(random() * 20);
    const failed =
      init.plannedResult === 'UNSTABLE' ? 1 + Math.floor(random() * 3) : 0;
    const tests = job.tests
      ? { total, failed, skipped: Math.floor(random() * 3) }
      : undefined;
    const cause = String(init.causes[0]?.shortDescription ?? 'Started');
    const logLines = [
      cause,
      ...(job.kind === 'pipeline'
        ? ['[Pipeline] Start of Pipeline', '[Pipeline] node']
        : []),
      `Running on built-in node in /var/jenkins_home/workspace/${job.fullName.replace(
        /\//g,
        '_',
      )}`,
      ...(job.kind === 'pipeline' ? ['[Pipeline] { (Checkout)'] : []),
      `Checking out Revision ${commits[0].sha} (origin/${init.branch})`,
      `Commit message: "${commits[0].message}"`,
      ...init.parameters.map(p => `Parameter ${p.name}=${p.value}`),
      ...(job.kind === 'pipeline'
        ? ['[Pipeline] }', '[Pipeline] { (Build)']
        : []),
      '+ npm ci',
      'added 312 packages in 9s',
      '+ npm run build',
      'build: compiled 48 files',
      ...(job.kind === 'pipeline'
        ? ['[Pipeline] }', '[Pipeline] { (Test)']
        : []),
      '+ npm test',
      ...Array.from({ length: 8 }, (_, i) => `  ✓ test case ${i + 1} passes`),
      ...(tests
        ? [
            `Recording test results: ${tests.total} tests, ${tests.failed} failures, ${tests.skipped} skipped`,
          ]
        : []),
      ...(init.plannedResult === 'FAILURE'
        ? [
            'npm ERR! Test failed.  See above for more details.',
            'ERROR: script returned exit code 1',
          ]
        : []),
      ...(job.kind === 'pipeline'
        ? ['[Pipeline] }', '[Pipeline] { (Deploy)']
        : []),
      ...(init.plannedResult === 'FAILURE'
        ? []
        : ['Archiving artifacts', 'Deployed build artifacts']),
      ...(job.kind === 'pipeline'
        ? ['[Pipeline] }', '[Pipeline] End of Pipeline']
        : []),
    ];
    return {
      ...init,
      commits,
      tests,
      artifacts:
        init.plannedResult === 'FAILURE'
          ? []
          : ['dist/app.tar.gz', 'reports/junit.xml'],
      logLines,
    };
  }

  /** Starts queue items whose quiet period is over. */
  tick() {
    const now = this.now();
    for (const item of this.queue.values()) {
      if (item.buildNumber !== undefined || item.readyAt > now) continue;
      const job = this.jobs.get(item.jobFullName);
      if (!job) continue;
      const random = mulberry32(
        hashOf(`${item.jobFullName}#${item.id}`).readUInt32BE(0),
      );
      const number = job.nextBuildNumber++;
      const build = this.makeBuild(job, {
        number,
        queueId: item.id,
        startedAt: item.readyAt,
        plannedDurationMs: this.buildDurationMs,
        plannedResult: 'SUCCESS',
        parameters: item.parameters,
        causes: item.causes,
        branch: branchOfJob(job.fullName, this.parentOf(job.fullName)?.kind),
        random,
      });
      job.builds.unshift(build);
      item.buildNumber = number;
    }
  }

  enqueue(
    job: JenkinsFakeJob,
    parameters: JenkinsFakeQueueItem['parameters'],
    causes: JenkinsFakeQueueItem['causes'],
  ) {
    const now = this.now();
    const item: JenkinsFakeQueueItem = {
      id: this.nextQueueId++,
      jobFullName: job.fullName,
      enqueuedAt: now,
      readyAt: now + this.queueDelayMs,
      parameters,
      causes,
    };
    this.queue.set(item.id, item);
    return item;
  }

  /** What a build looks like now. */
  view(build: JenkinsFakeBuild) {
    const now = this.now();
    const end = build.abortedAt ?? now;
    const elapsed = Math.max(0, end - build.startedAt);
    const building =
      build.abortedAt === undefined && elapsed < build.plannedDurationMs;
    const progress = Math.min(1, elapsed / build.plannedDurationMs);
    const visible =
      building || build.abortedAt !== undefined
        ? build.logLines.slice(0, Math.floor(build.logLines.length * progress))
        : build.logLines;
    let result: JenkinsFakeBuild['plannedResult'] | 'ABORTED' | null;
    if (building) {
      result = null;
    } else if (build.abortedAt !== undefined) {
      result = 'ABORTED';
    } else {
      result = build.plannedResult;
    }
    const lines = [...visible];
    if (build.abortedAt !== undefined)
      lines.push(`Aborted by ${build.abortedBy ?? 'anonymous'}`);
    if (!building) lines.push(`Finished: ${result}`);
    return {
      building,
      progress,
      result,
      durationMs: building ? 0 : Math.min(elapsed, build.plannedDurationMs),
      // Nothing printed yet is an empty console, not a newline.
      log: lines.length ? `${lines.join('\n')}\n` : '',
    };
  }
}
