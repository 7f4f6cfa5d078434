/**
 * Test utilities: a local fake of the Kubernetes API that the real `@kubernetes/client-node`
 * talks to, running exec'd commands in the pipelines sandbox.
 */
export { KubernetesFake } from './KubernetesFake';
export type { KubernetesFakeOptions } from './KubernetesFake';
