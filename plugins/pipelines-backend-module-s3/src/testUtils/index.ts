/**
 * A local S3-compatible server for tests, benchmarks and demos: real HTTP, Signature Version 4,
 * S3's XML errors (see {@link S3Fake}).
 */
export { S3Fake, S3FakeState, S3_FAKE_CREDENTIALS } from './S3Fake';
export type {
  S3FakeCall,
  S3FakeCredentials,
  S3FakeObject,
  S3FakeOptions,
  S3FakeUpload,
} from './S3Fake';
