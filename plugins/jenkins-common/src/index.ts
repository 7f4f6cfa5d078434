/**
 * Types, annotation parsing and permissions shared by Comet's Jenkins frontend and backend.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './types';
export * from './status';
