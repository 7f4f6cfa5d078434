/**
 * React hooks shared by Comet's frontend plugins.
 *
 * @packageDocumentation
 */
export { useLoader } from './useLoader';
export type { AsyncState } from './useLoader';
