/**
 * The SonarQube fake, for tests of every package of the family, benchmarks and the portal's
 * demo mode (`comet.fakes.sonarqube`).
 *
 * @packageDocumentation
 */
export * from './SonarQubeFake';
