export interface Config {
  pipelines?: {
    /**
     * Runs pipeline jobs as Kubernetes Jobs (one pod per job) instead of on the backend's
     * machine. Off unless this block is present. docs/pipelines.md, "Kubernetes executor".
     */
    kubernetes?: {
      /** The namespace job pods run in: a dedicated one (`comet-jobs` in deploy/). */
      namespace: string;
      /** The image a job runs in when its pipeline file names no `image:`. */
      image: string;
      /** The init container's image: it needs `sh` and `git`. Default: `image`. */
      checkoutImage?: string;
      /**
       * The images jobs may use: exact references, or prefixes ending in `*`
       * (`registry.example.org/ci/*`). `image` and `checkoutImage` must be among them.
       */
      allowedImages: string[];
      /**
       * A kubeconfig file and context; without it the backend uses its pod's service account
       * (in-cluster configuration).
       */
      kubeconfig?: {
        path?: string;
        context?: string;
      };
      /** The job pods' service account (its token is never mounted). */
      serviceAccountName?: string;
      /** Node labels job pods must run on. */
      nodeSelector?: { [label: string]: string };
      /** Taints job pods tolerate. */
      tolerations?: Array<{
        key?: string;
        operator?: 'Exists' | 'Equal';
        value?: string;
        effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
        tolerationSeconds?: number;
      }>;
      /** Requests and limits of each container of a job pod (`cpu`, `memory`, `ephemeral-storage`). */
      resources?: {
        requests?: { [resource: string]: string };
        limits?: { [resource: string]: string };
      };
      /** How long a finished Job is kept before Kubernetes removes it. Default 600. */
      ttlSecondsAfterFinished?: number;
      /** The uid and gid the containers run as (never root). Default 1000. */
      runAsUser?: number;
      /** How long a pod may take to pull its images and check out. Default 600. */
      podStartTimeoutSeconds?: number;
      /** What cancel and timeout give a pod before it is killed. Default 10. */
      terminationGracePeriodSeconds?: number;
      reaper?: {
        /**
         * Minutes between passes that remove Jobs and Secrets of job runs that are over or
         * unknown (left by a backend that died). 0 turns it off. Default 10.
         */
        intervalMinutes?: number;
      };
    };
  };
}
