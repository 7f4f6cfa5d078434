import {
  JenkinsBuildSummary,
  JenkinsCause,
  JenkinsCommit,
  jenkinsBuildStatus,
  JenkinsJob,
  JenkinsJobKind,
  JenkinsParameterDefinition,
  JenkinsParameterType,
  JenkinsStage,
  jenkinsStageStatus,
  stringifyJenkinsJobRef,
} from '@internal/plugin-jenkins-common';
import {
  JenkinsInstance,
  jobUrl,
  JenkinsRawBuild,
  JenkinsRawJob,
  JenkinsRawStageView,
} from '@internal/plugin-jenkins-node';

export { jobUrl };

export function jobKindOf(jenkinsClass: string | undefined): JenkinsJobKind {
  switch (jenkinsClass) {
    case 'hudson.model.FreeStyleProject':
    case 'hudson.maven.MavenModuleSet':
    case 'hudson.matrix.MatrixProject':
      return 'freestyle';
    case 'org.jenkinsci.plugins.workflow.job.WorkflowJob':
      return 'pipeline';
    case 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject':
    case 'jenkins.branch.OrganizationFolder':
      return 'multibranch';
    case 'com.cloudbees.hudson.plugins.folder.Folder':
      return 'folder';
    default:
      return 'other';
  }
}

function parameterTypeOf(type: string | undefined): JenkinsParameterType {
  switch (type) {
    case 'StringParameterDefinition':
      return 'string';
    case 'TextParameterDefinition':
      return 'text';
    case 'BooleanParameterDefinition':
      return 'boolean';
    case 'ChoiceParameterDefinition':
      return 'choice';
    case 'PasswordParameterDefinition':
      return 'password';
    default:
      return 'other';
  }
}

function defaultValueOf(type: JenkinsParameterType, raw: unknown) {
  if (type === 'password' || raw === undefined || raw === null)
    return undefined;
  return typeof raw === 'boolean' ? raw : String(raw);
}

export function parametersOf(job: JenkinsRawJob): JenkinsParameterDefinition[] {
  const definitions = (job.property ?? []).flatMap(
    p => p?.parameterDefinitions ?? [],
  );
  return definitions.map(d => {
    const type = parameterTypeOf(d.type);
    const raw = d.defaultParameterValue?.value;
    return {
      name: String(d.name),
      type,
      jenkinsType: d.type,
      description: d.description || undefined,
      // A password's default never leaves the backend.
      defaultValue: defaultValueOf(type, raw),
      choices: Array.isArray(d.choices) ? d.choices.map(String) : undefined,
    };
  });
}

function causeKind(jenkinsClass: string | undefined): JenkinsCause['kind'] {
  if (!jenkinsClass) return 'other';
  if (/UserIdCause|UserCause/.test(jenkinsClass)) return 'user';
  if (
    /SCMTrigger|BranchIndexing|BranchEvent|GitHubPush|SCM/i.test(jenkinsClass)
  )
    return 'scm';
  if (/TimerTrigger/.test(jenkinsClass)) return 'timer';
  if (/UpstreamCause/.test(jenkinsClass)) return 'upstream';
  if (/ReplayCause|RebuildCause/.test(jenkinsClass)) return 'replay';
  return 'other';
}

function commitsOf(build: JenkinsRawBuild): JenkinsCommit[] {
  const items = [
    ...(build.changeSets ?? []).flatMap(c => c?.items ?? []),
    ...(build.changeSet?.items ?? []),
  ];
  return items.map(item => ({
    sha: String(item.commitId ?? ''),
    message: item.msg || undefined,
    author: item.author?.fullName,
    timestamp:
      typeof item.timestamp === 'number'
        ? new Date(item.timestamp).toISOString()
        : undefined,
  }));
}

export function toBuildSummary(
  instance: JenkinsInstance,
  jobFullName: string,
  build: JenkinsRawBuild,
  branch?: string,
): JenkinsBuildSummary {
  const actions = (build.actions ?? []).filter(
    (a): a is Record<string, any> => !!a,
  );
  const parameters: Record<string, string | boolean | number> = {};
  const causes: JenkinsCause[] = [];
  let commit: JenkinsCommit | undefined;
  let gitBranch: string | undefined;
  let tests: JenkinsBuildSummary['tests'];
  for (const action of actions) {
    for (const p of action.parameters ?? []) {
      const cls: string = p._class ?? '';
      // Password values are masked by Jenkins; never pass them on.
      if (/Password/.test(cls)) continue;
      if (
        typeof p.value === 'string' ||
        typeof p.value === 'boolean' ||
        typeof p.value === 'number'
      ) {
        parameters[p.name] = p.value;
      }
    }
    for (const c of action.causes ?? []) {
      causes.push({
        description: c.shortDescription ?? 'Started',
        userId: c.userId ?? undefined,
        userName: c.userName ?? undefined,
        kind: causeKind(c._class),
      });
    }
    if (action.lastBuiltRevision?.SHA1 && !commit) {
      commit = { sha: action.lastBuiltRevision.SHA1 };
      const name: string | undefined =
        action.lastBuiltRevision.branch?.[0]?.name;
      if (name)
        gitBranch = name
          .replace(/^refs\/remotes\/[^/]+\//, '')
          .replace(/^refs\/heads\//, '');
    }
    if (typeof action.totalCount === 'number') {
      const failed = Number(action.failCount ?? 0);
      const skipped = Number(action.skipCount ?? 0);
      tests = {
        total: action.totalCount,
        failed,
        skipped,
        passed: action.totalCount - failed - skipped,
      };
    }
  }
  const changes = commitsOf(build);
  if (commit) {
    const change =
      changes.find(c => c.sha === commit!.sha) ?? changes[changes.length - 1];
    if (change) commit = { ...change, sha: commit.sha };
  } else if (changes.length) {
    commit = changes[changes.length - 1];
  }
  const building = !!build.building;
  return {
    jobRef: stringifyJenkinsJobRef({ instance: instance.name, jobFullName }),
    instance: instance.name,
    jobFullName,
    number: build.number,
    displayName: build.displayName,
    status: jenkinsBuildStatus(build.result, building),
    result: build.result ?? undefined,
    building,
    startedAt: new Date(build.timestamp ?? 0).toISOString(),
    durationMs: building ? undefined : build.duration,
    estimatedDurationMs:
      build.estimatedDuration && build.estimatedDuration > 0
        ? build.estimatedDuration
        : undefined,
    branch: branch ?? gitBranch,
    commit,
    causes,
    parameters,
    tests,
    url: `${jobUrl(instance, jobFullName)}${build.number}/`,
  };
}

export function changesOf(build: JenkinsRawBuild) {
  return commitsOf(build);
}

export function toJob(
  instance: JenkinsInstance,
  jobFullName: string,
  raw: JenkinsRawJob,
): JenkinsJob {
  const kind = jobKindOf(raw._class);
  const container = kind === 'multibranch' || kind === 'folder';
  return {
    jobRef: stringifyJenkinsJobRef({ instance: instance.name, jobFullName }),
    instance: instance.name,
    jobFullName,
    name: raw.name ?? jobFullName.split('/').pop()!,
    displayName: raw.displayName ?? undefined,
    description: raw.description || undefined,
    kind,
    url: jobUrl(instance, jobFullName),
    buildable: container ? false : raw.buildable !== false,
    parameters: parametersOf(raw),
    children: container
      ? (raw.jobs ?? []).map(child => {
          const childFullName = `${jobFullName}/${child.name}`;
          return {
            name: String(child.name),
            jobFullName: childFullName,
            branch:
              kind === 'multibranch'
                ? safeDecode(String(child.name))
                : undefined,
            url: jobUrl(instance, childFullName),
          };
        })
      : undefined,
  };
}

/** Multibranch job names are URL-encoded branch names (`feature%2Fx`). */
export function safeDecode(name: string) {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

export function toStages(
  view: JenkinsRawStageView | undefined,
): JenkinsStage[] | undefined {
  if (!view) return undefined;
  return (view.stages ?? []).map(stage => ({
    id: String(stage.id),
    name: stage.name,
    status: jenkinsStageStatus(stage.status),
    startedAt: stage.startTimeMillis
      ? new Date(stage.startTimeMillis).toISOString()
      : undefined,
    durationMs: stage.durationMillis,
  }));
}
