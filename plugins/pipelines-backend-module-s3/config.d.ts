export interface Config {
  pipelines?: {
    artifacts?: {
      /**
       * Keeps job artifacts in S3-compatible object storage (AWS S3, MinIO, Ceph, Cloudflare R2)
       * instead of the backend's local disk. Off unless `bucket` is set.
       */
      s3?: {
        /** The bucket; it must exist. Setting it turns the S3 artifact store on. */
        bucket?: string;
        /**
         * Where in the bucket Comet keeps artifacts, as `<prefix><runId>/<jobRunId>/<path>`.
         * Everything under it is Comet's: retention deletes old objects there. Default
         * `comet/artifacts/`.
         */
        prefix?: string;
        /**
         * The server's URL for S3-compatible storage (`http://minio.internal:9000`); absent for
         * AWS S3 itself.
         */
        endpoint?: string;
        /** The bucket's region. Default `us-east-1`. */
        region?: string;
        /**
         * Addresses the bucket as `<endpoint>/<bucket>/<key>` instead of as a host name
         * (`<bucket>.<endpoint>`). Default true when `endpoint` is set, false otherwise.
         */
        forcePathStyle?: boolean;
        /**
         * The access key; with `secretAccessKey`. Both absent: the AWS SDK's default credential
         * chain (environment, shared config files, web identity, instance or task role).
         * @visibility secret
         */
        accessKeyId?: string;
        /**
         * The secret key that goes with `accessKeyId`.
         * @visibility secret
         */
        secretAccessKey?: string;
        /**
         * Deletes objects under `prefix` older than this many days, checked every hour by one
         * replica. Absent: only the pipelines' own retention (`pipelines.retention.artifactDays`)
         * deletes artifacts, run by run.
         */
        retentionDays?: number;
      };
    };
  };
}
