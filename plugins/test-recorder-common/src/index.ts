/**
 * The test recorder's shared contract: the step format, suite schema, REST types, rendering
 * to Playwright Test, flake rules and permissions.
 *
 * @packageDocumentation
 */
export * from './steps';
export * from './types';
export * from './permissions';
export * from './annotations';
export * from './schema';
export * from './locators';
export * from './render';
export * from './flake';
export * from './signature';
export * from './suiteFile';
