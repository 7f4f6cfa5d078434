/**
 * Shared by Comet's AI assistant frontend and backend: conversations, messages, tool
 * activity, confirmations and stream events; failure explanations and rules; permissions;
 * config key names.
 *
 * @packageDocumentation
 */
export * from './config';
export * from './failureAnalysis';
export * from './generatePipeline';
export * from './generateTestSuite';
export * from './permissions';
export * from './types';
