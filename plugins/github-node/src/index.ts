/**
 * Comet's GitHub REST client (ETag cache, coalescing, rate limits, credentials from Backstage's
 * `integrations.github`), shared by the GitHub backend and the family's modules.
 *
 * @packageDocumentation
 */
export * from './GitHubClient';
export * from './GitHubClientFactory';
export * from './GitHubResponseCache';
export * from './gitHubClientFactoryServiceRef';
