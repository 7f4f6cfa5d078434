/**
 * Test utilities for pipelines modules: a git host on 127.0.0.1 that serves local
 * repositories over smart HTTP, as checkouts and pipeline-file reads need
 * (`pipelines.git.allowedHosts` names its `host`).
 */
export { startGitHttpServer } from './gitHttpServer';
export type { GitHttpServer } from './gitHttpServer';
export { makeGitRepository } from './gitRepository';
