/**
 * Contracts for modules that extend Comet's pipelines: step types, executors and CI/CD
 * providers.
 *
 * @packageDocumentation
 */
export * from './stepTypes';
export * from './executor';
export * from './providers';
