/**
 * Types, thresholds and ratings of Comet's delivery health.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './thresholds';
export * from './integrations';
