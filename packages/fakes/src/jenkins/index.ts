export { createJenkinsFakeRouter } from './createJenkinsFakeRouter';
export type {
  JenkinsFakeControl,
  JenkinsFakeOptions,
  JenkinsFakeRequest,
  JenkinsFakeRouter,
} from './createJenkinsFakeRouter';
export {
  DEFAULT_JENKINS_FAKE_JOBS,
  DEFAULT_JENKINS_FAKE_USERS,
  JenkinsFakeState,
} from './JenkinsFakeState';
export type {
  JenkinsFakeJobKind,
  JenkinsFakeJobSeed,
  JenkinsFakeParameter,
  JenkinsFakeUser,
} from './JenkinsFakeState';
