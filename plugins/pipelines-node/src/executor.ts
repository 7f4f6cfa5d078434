import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { PipelineArtifact } from '@internal/plugin-pipelines-common';

/** One line of output from a step. */
export type PipelineOutputLine = {
  stream: 'stdout' | 'stderr';
  text: string;
  /**
   * Set on every piece but the last of a line too long to deliver at once: the next line of
   * the same stream continues it (the engine masks secrets across the cut).
   */
  continues?: boolean;
};

export type PipelineWorkspaceRequest = {
  runId: string;
  jobRunId: string;
  /** A git URL the executor can clone (http(s), or a local path). */
  repositoryUrl: string;
  /** A commit sha or branch; the default branch when absent. */
  ref?: string;
  /** Aborted when the job is cancelled or times out: the checkout stops promptly. */
  signal?: AbortSignal;
  /** The entity the run belongs to, for executors that label what they create. */
  entityRef?: string;
  /** The job's `image:`, for executors that run jobs in containers. */
  image?: string;
};

export type PipelineWorkspace = {
  /** Where the repository is checked out. */
  dir: string;
  /** The commit that was checked out. */
  commit: string;
};

export type PipelineScriptRequest = {
  workspace: PipelineWorkspace;
  /** A bash script; it is written to a file, never interpolated into a command line. */
  script: string;
  /** The whole environment of the step: nothing of the backend's own is added but PATH. */
  env: Record<string, string>;
  timeoutMs?: number;
  signal: AbortSignal;
  onOutput(line: PipelineOutputLine): void;
};

export type PipelineScriptResult = {
  exitCode: number | null;
  /** Set when the script did not exit on its own. */
  terminatedBy?: 'timeout' | 'cancel';
};

/**
 * Runs a job's steps somewhere: child processes on this machine (the default), or a
 * Kubernetes Job. The engine only talks to this interface.
 */
export interface PipelineExecutor {
  readonly id: string;
  prepareWorkspace(
    request: PipelineWorkspaceRequest,
  ): Promise<PipelineWorkspace>;
  runScript(request: PipelineScriptRequest): Promise<PipelineScriptResult>;
  /** Copies the given paths of the workspace out to `targetDir`; returns the paths copied. */
  collectArtifacts(
    workspace: PipelineWorkspace,
    paths: string[],
    targetDir: string,
  ): Promise<string[]>;
  cleanupWorkspace(workspace: PipelineWorkspace): Promise<void>;
}

export interface PipelineExecutorExtensionPoint {
  setExecutor(executor: PipelineExecutor): void;
  /** Replaces the local-disk artifact store. */
  setArtifactStore(store: PipelineArtifactStore): void;
}

export const pipelineExecutorExtensionPoint =
  createExtensionPoint<PipelineExecutorExtensionPoint>({
    id: 'pipelines.executor',
  });

/** A file a job kept; the same type the REST API answers with. */
export type { PipelineArtifact };

/**
 * Where job artifacts are kept: the local disk by default; object storage can implement the
 * same interface.
 */
export interface PipelineArtifactStore {
  /** A local folder to copy a job's artifacts into; `commit` makes them available. */
  stage(
    runId: string,
    jobRunId: string,
  ): Promise<{ dir: string; commit(): Promise<void> }>;
  list(runId: string): Promise<PipelineArtifact[]>;
  /**
   * The file's content, or undefined when there is no such artifact. The backend asks only
   * for a job of the run and a relative `/`-separated path without empty, `.` or `..`
   * segments, backslashes or NUL; a store still keeps every read inside the run's artifacts
   * (no links out of them).
   */
  read(
    runId: string,
    jobRunId: string,
    path: string,
  ): Promise<{ stream: NodeJS.ReadableStream; size: number } | undefined>;
  /** Removes every artifact of a run (retention); resolves also when it kept none. */
  delete(runId: string): Promise<void>;
}
