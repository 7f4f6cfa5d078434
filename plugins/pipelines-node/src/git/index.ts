export { GitCheckout } from './checkout';
export { GitRemotePolicy, exampleReposPrefix } from './GitRemotePolicy';
export type { GitRemote, GitRemotePolicyOptions } from './GitRemotePolicy';
export {
  gitEnvironment,
  gitSafetyArgs,
  isSafeGitRef,
  isSafeRepositoryUrl,
} from './gitEnvironment';
export { readGitUrlRewrites, applyGitUrlRewrites } from './gitUrlRewrites';
export type { GitUrlRewrite } from './gitUrlRewrites';
export {
  isProcessAlive,
  isProcessGroupAlive,
  signalProcessGroup,
} from './processGroup';
export { redactCredentials, redactUrl } from './redactUrl';
export { runGit } from './runGit';
export type { GitResult } from './runGit';
