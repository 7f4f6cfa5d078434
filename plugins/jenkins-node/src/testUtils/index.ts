/**
 * The Jenkins fake, for tests of every package of the family, benchmarks and the portal's
 * demo mode (`comet.fakes.jenkins`). Its API, the one every family's fake has:
 *
 * - `await JenkinsFake.start({ latencyMs?, contextPath?, ...state options })` listens on
 *   127.0.0.1 on a free port; `fake.url` is the base URL for `jenkins.instances[].baseUrl`,
 *   `fake.close()` stops it.
 * - `new JenkinsFake(options).router` does not listen: an express router to mount in a server
 *   that already runs (the portal's `/api/fakes/jenkins`).
 * - `fake.state` (jobs, builds, queue) is what tests seed; `fake.requests` logs the answered
 *   calls; `fake.failNext(...)` simulates failures; `fake.crumbFor(user)` gives the CSRF crumb.
 * - `createJenkinsFakeRouter(options)` is the former function form: the same router, with
 *   those controls under `router.fake`.
 *
 * @packageDocumentation
 */
export { JenkinsFake } from './JenkinsFake';
export type { JenkinsFakeStartOptions } from './JenkinsFake';
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
