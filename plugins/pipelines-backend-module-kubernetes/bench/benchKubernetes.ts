/*
 * Kubernetes executor benchmarks (`yarn bench:kubernetes`): the real pipelines engine and
 * store on PostgreSQL, with the Kubernetes executor and the real @kubernetes/client-node
 * against the local Kubernetes API fake (KubernetesFake, exec'd commands as plain child
 * processes: no sandbox, to measure the executor rather than bubblewrap). Prints a table.
 *
 *   yarn bench:kubernetes [--runs 200]
 *
 * PostgreSQL comes from COMET_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
 * a database comet_bench_k8s_<time> is created and dropped.
 */
/* eslint-disable no-console, @backstage/no-relative-monorepo-imports */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import {
  GitRemotePolicy,
  type PipelineExecutor,
  type PipelineScriptRequest,
} from '@internal/plugin-pipelines-node';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../../pipelines-backend/src/artifacts/LocalArtifactStore';
import { LiveLogBus } from '../../pipelines-backend/src/engine/LiveLogBus';
import { PipelineEngine } from '../../pipelines-backend/src/engine/PipelineEngine';
import { DatabasePipelineStore } from '../../pipelines-backend/src/store/DatabasePipelineStore';
import { KubernetesApi } from '../src/KubernetesApi';
import { KubernetesExecutor } from '../src/KubernetesExecutor';
import { loadKubernetesClient } from '../src/kubernetesClient';
import { KubernetesFake } from '../src/testUtils';

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const RUNS = Number(argOf('--runs', '200'));
const CONCURRENCY = 4;
const postgresUrl =
  process.env.COMET_TEST_POSTGRES_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const quiet = (): LoggerService => ({
  info: () => {},
  debug: () => {},
  warn: (message: string) => console.error(message),
  error: (message: string) => console.error(message),
  child: () => quiet(),
});

function definition(name: string, steps: string[]): PipelineDefinition {
  return {
    name,
    on: { manual: {} },
    params: {},
    env: {},
    jobs: [
      {
        id: 'job',
        name: 'job',
        needs: [],
        retry: 0,
        env: {},
        artifacts: [],
        steps: steps.map(run => ({
          name: run.slice(0, 40),
          run,
          env: {},
          continueOnError: false,
        })),
      },
    ],
  };
}

/** Counts jobs prepared twice and times when output lines arrive. */
class ObservedExecutor implements PipelineExecutor {
  readonly id = 'observed';
  readonly prepared = new Map<string, number>();
  readonly lags: number[] = [];
  constructor(private readonly inner: PipelineExecutor) {}
  async prepareWorkspace(
    r: Parameters<PipelineExecutor['prepareWorkspace']>[0],
  ) {
    const key = `${r.runId}/${r.jobRunId}`;
    this.prepared.set(key, (this.prepared.get(key) ?? 0) + 1);
    return this.inner.prepareWorkspace(r);
  }
  collectArtifacts = (...a: Parameters<PipelineExecutor['collectArtifacts']>) =>
    this.inner.collectArtifacts(...a);
  cleanupWorkspace = (w: Parameters<PipelineExecutor['cleanupWorkspace']>[0]) =>
    this.inner.cleanupWorkspace(w);
  runScript(request: PipelineScriptRequest) {
    return this.inner.runScript({
      ...request,
      onOutput: line => {
        const match = /^at (\d+)$/.exec(line.text);
        if (match) this.lags.push(Date.now() - Number(match[1]));
        request.onOutput(line);
      },
    });
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-bench-k8s-'));
  fs.chmodSync(tmp, 0o755);
  const name = `comet_bench_k8s_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: postgresUrl });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const knexes: Knex[] = [];
  const fake = await KubernetesFake.start({ root: path.join(tmp, 'pods') });
  const rows: Array<{ measure: string; result: string; target: string }> = [];
  try {
    const repo = path.join(tmp, 'repo');
    const commit = makeGitRepository(repo, { 'README.md': 'bench\n' });
    const k8s = await loadKubernetesClient();
    const logger = quiet();

    /** One backend replica: its own connection pool, store, API client and executor. */
    const replica = async () => {
      const knex = knexFactory({
        client: 'pg',
        connection: url.toString(),
        pool: { min: 0, max: 10 },
      });
      knexes.push(knex);
      const store = await DatabasePipelineStore.create({
        database: { getClient: async () => knex },
      });
      const kubeConfig = new k8s.KubeConfig();
      kubeConfig.loadFromString(fake.kubeconfig());
      const executor = new ObservedExecutor(
        KubernetesExecutor.create({
          api: await KubernetesApi.create(kubeConfig, 'comet-jobs'),
          config: {
            namespace: 'comet-jobs',
            image: 'registry.example.org/ci/runner:1',
            checkoutImage: 'registry.example.org/ci/git:1',
            allowedImages: ['registry.example.org/ci/*'],
            nodeSelector: {},
            tolerations: [],
            ttlSecondsAfterFinished: 600,
            runAsUser: 1000,
            podStartTimeoutSeconds: 120,
            terminationGracePeriodSeconds: 1,
            reaperIntervalMinutes: 0,
          },
          logger,
          // The bench repository is a local folder: allowed here only, never from config
          gitRemotePolicy: GitRemotePolicy.create({
            allowLocalRepositories: true,
          }),
        }),
      );
      const engine = new PipelineEngine({
        liveLogs: new LiveLogBus(),
        store,
        executor,
        stepTypes: new Map(),
        logger,
        secrets: {},
        artifacts: new LocalArtifactStore(path.join(tmp, 'artifacts')),
        concurrency: CONCURRENCY,
        leaseMs: 30_000,
        heartbeatMs: 5_000,
        pollMs: 200,
        logLimitBytes: 200 * 1024 * 1024,
      });
      return { store, engine, executor };
    };

    const queueAndRun = async (replicas: number) => {
      const nodes = [];
      for (let i = 0; i < replicas; i++) nodes.push(await replica());
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const run = await nodes[0].engine.trigger({
          entityRef: 'component:default/bench',
          entityName: 'bench',
          repositoryUrl: repo,
          definition: definition('throughput', ['echo one', 'echo two']),
          commitSha: commit,
          trigger: { type: 'manual' },
        });
        runIds.push(run.runId);
      }
      const started = Date.now();
      nodes.forEach(n => n.engine.start());
      const finished = [];
      for (const runId of runIds) {
        for (;;) {
          const run = await nodes[0].store.getRun(runId);
          if (
            run &&
            ['succeeded', 'failed', 'cancelled'].includes(run.status)
          ) {
            finished.push(run);
            break;
          }
          await sleep(50);
        }
      }
      const seconds = (Date.now() - started) / 1000;
      await Promise.all(nodes.map(n => n.engine.stop(1000)));
      const prepared = new Map<string, number>();
      for (const n of nodes) {
        for (const [key, count] of n.executor.prepared) {
          prepared.set(key, (prepared.get(key) ?? 0) + count);
        }
      }
      const twice = [...prepared.values()].filter(c => c > 1).length;
      const failed = finished.filter(r => r.status !== 'succeeded').length;
      const extraAttempts = finished.filter(r =>
        r.jobs.some(j => j.attempt !== 1),
      ).length;
      return { seconds, twice, failed, extraAttempts, nodes };
    };

    for (const replicas of [1, 2]) {
      const result = await queueAndRun(replicas);
      rows.push({
        measure: `${RUNS} queued runs (1 job, 2 steps), ${replicas} replica(s) × concurrency ${CONCURRENCY}, PostgreSQL`,
        result: `${((RUNS / result.seconds) * 60).toFixed(
          0,
        )} runs/min (${result.seconds.toFixed(1)} s); ${
          result.failed
        } failed; jobs claimed twice: ${result.twice}; extra attempts: ${
          result.extraAttempts
        }`,
        target:
          replicas === 2
            ? 'no job claimed twice; report vs 1 replica'
            : 'report',
      });
    }

    // Live log lag: a step prints its clock every 50 ms for 5 s; lag = arrival - print time
    const single = await replica();
    single.engine.start();
    const run = await single.engine.trigger({
      entityRef: 'component:default/bench',
      entityName: 'bench',
      repositoryUrl: repo,
      definition: definition('lag', [
        'for i in $(seq 100); do echo "at $(date +%s%3N)"; sleep 0.05; done',
      ]),
      commitSha: commit,
      trigger: { type: 'manual' },
    });
    for (;;) {
      const state = await single.store.getRun(run.runId);
      if (state && ['succeeded', 'failed', 'cancelled'].includes(state.status))
        break;
      await sleep(50);
    }
    await single.engine.stop(1000);
    const lags = single.executor.lags;
    rows.push({
      measure: `live log lag, step output through the exec stream to the engine (${lags.length} lines)`,
      result: `p50 ${percentile(lags, 50)} ms, p95 ${percentile(
        lags,
        95,
      )} ms, max ${Math.max(...lags)} ms`,
      target: 'p95 < 500 ms',
    });
  } finally {
    await fake.close();
    await Promise.all(knexes.map(k => k.destroy()));
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('\n| measure | result | target |');
  console.log('|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.measure} | ${row.result} | ${row.target} |`);
  }
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
