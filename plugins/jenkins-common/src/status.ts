import type { JenkinsBuildStatus } from './types';

/** Maps Jenkins' `result`/`building` to Comet's build status. */
export function jenkinsBuildStatus(
  result: string | null | undefined,
  building: boolean | undefined,
): JenkinsBuildStatus {
  if (building) return 'running';
  switch (result) {
    case 'SUCCESS':
      return 'success';
    case 'UNSTABLE':
      return 'unstable';
    case 'FAILURE':
      return 'failure';
    case 'ABORTED':
      return 'aborted';
    case 'NOT_BUILT':
      return 'not_built';
    default:
      // No result and not building: between the queue and the executor.
      return result ? 'failure' : 'queued';
  }
}

/** Stage view (wfapi) status to Comet's build status. */
export function jenkinsStageStatus(
  status: string | undefined,
): JenkinsBuildStatus {
  switch (status) {
    case 'SUCCESS':
      return 'success';
    case 'UNSTABLE':
      return 'unstable';
    case 'FAILED':
      return 'failure';
    case 'ABORTED':
      return 'aborted';
    case 'IN_PROGRESS':
    case 'PAUSED_PENDING_INPUT':
      return 'running';
    case 'NOT_EXECUTED':
      return 'not_built';
    default:
      return 'queued';
  }
}
