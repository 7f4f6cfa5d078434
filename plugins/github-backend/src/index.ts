/**
 * Comet's GitHub backend: REST API at /api/github and the `github:*` actions. The client, its
 * config and the fake are in plugin-github-node; types and permissions in plugin-github-common.
 *
 * @packageDocumentation
 */
export { githubPlugin as default } from './plugin';
/** The rate-limit gauges (names and attributes), for dashboards and their tests. */
export {
  registerRateLimitMetrics,
  type RateLimitSource,
} from './service/rateLimitMetrics';
