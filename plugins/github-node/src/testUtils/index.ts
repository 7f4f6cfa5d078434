/**
 * The GitHub fake, for tests of every package of the family, benchmarks and the portal's demo
 * mode.
 *
 * @packageDocumentation
 */
export * from './GitHubFake';
