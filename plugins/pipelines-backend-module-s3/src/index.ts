/**
 * Keeps pipeline job artifacts in S3-compatible object storage.
 *
 * @packageDocumentation
 */
export { pipelinesModuleS3 as default, pipelinesModuleS3 } from './module';
export { S3ArtifactStore } from './S3ArtifactStore';
export type { S3ArtifactStoreOptions } from './S3ArtifactStore';
export {
  readS3ArtifactConfig,
  S3_ARTIFACTS_CONFIG_KEY,
} from './S3ArtifactConfig';
export type { S3ArtifactConfig } from './S3ArtifactConfig';
