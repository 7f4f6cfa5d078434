/**
 * Contracts for modules that extend Comet's pipelines: step types, executors, CI/CD
 * providers and run event listeners.
 *
 * @packageDocumentation
 */
export * from './stepTypes';
export * from './stepReports';
export * from './executor';
export * from './artifactPaths';
export * from './providers';
export * from './runEvents';
export * from './sandbox';
export * from './git';
