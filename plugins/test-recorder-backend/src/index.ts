/**
 * Comet's test recorder backend: suites of browser tests recorded in the portal, runs with
 * traces, video and screenshots, history, flake detection and visual checks.
 *
 * @packageDocumentation
 */
export { testRecorderPlugin as default } from './plugin';
