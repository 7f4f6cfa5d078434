/**
 * Comet's GitHub backend: REST API at /api/github and the `github:*` actions. The client, its
 * config and the fake are in plugin-github-node; types and permissions in plugin-github-common.
 *
 * @packageDocumentation
 */
export { githubPlugin as default } from './plugin';
