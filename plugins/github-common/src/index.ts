/**
 * Types, the `github.com/project-slug` parser and permissions shared by Comet's GitHub
 * frontend and backend.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './types';
