/**
 * The Jira fake (Cloud REST v3, Agile 1.0 and the Data Center dialect), for tests of every
 * package of the family, benchmarks and the portal's demo mode (`comet.fakes.jira`).
 *
 * @packageDocumentation
 */
export * from './JiraFake';
