/**
 * Types, the `sonarqube.org/project-key` parser and permissions shared by Comet's SonarQube
 * frontend and backend.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './types';
