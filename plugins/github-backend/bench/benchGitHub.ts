/*
 * GitHub benchmark (`yarn bench:github`): Comet's GitHub backend (the real router,
 * GitHubService, GitHubClientFactory and GitHubClient with its ETag cache) and the CI/CD list's
 * GitHub provider (GitHubPipelineProvider, which calls /api/github over HTTP as the user), in
 * this process, against the GitHub fake on an ephemeral port. The fake holds
 * comet-examples/busy-service with 1,000 workflow runs, open and merged pull requests with
 * reviews and checks, and commits (bench/seedBusyRepository.ts); the entity names it with
 * `github.com/project-slug`. The catalog and permissions answer from memory, so the figures
 * are the GitHub plugin's own.
 *
 * Prints Markdown tables:
 * 1. GitHub API calls per entity page view, counted by the fake: the overview's pull requests
 *    card, the GitHub tab (repository, pull requests, commits, cycle time) and the CI/CD tab's
 *    first page of runs, with an empty cache (cold), again within the cache TTL (warm), and
 *    again after the TTL (revalidated with ETags: 304s, which cost no rate limit).
 * 2. The CI/CD tab at 1,000 runs, warm: `--concurrency` clients, p50/p95 and requests/s for the
 *    first page and a deep page (page 20 of 20 runs), through the provider and through the
 *    github-backend route alone.
 * 3. The peer, side by side in the same run against the same fake and data: the community
 *    GitHub Actions plugin (`@backstage-community/plugin-github-actions`, installed by
 *    bench/githubActionsPeer.ts into .data/bench-github/peer), its own client and table loader
 *    with stand-ins for configApi and scmAuthApi. Its calls per view, its latency for the same
 *    pages at the same concurrency (Comet and the peer alternate in rounds, so both meet the
 *    same machine), and the ratios Comet/peer.
 *
 *   yarn bench:github [--runs 1000] [--requests 2000] [--concurrency 20] [--rounds 4]
 *                     [--latency-ms 0] [--deep-page 20] [--no-peer]
 *
 * `--latency-ms` makes the fake wait before each answer, as GitHub across a network would.
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { ConfigReader } from '@backstage/config';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { GitHubClientFactory } from '@internal/plugin-github-node';
import {
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFake,
} from '@internal/plugin-github-node/testUtils';
// eslint-disable-next-line @backstage/no-undeclared-imports -- the CI/CD provider, measured as it calls this plugin
import { GitHubPipelineProvider } from '@internal/plugin-pipelines-backend-module-github';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GitHubService } from '../src/service/GitHubService';
import { createRouter } from '../src/service/router';
import {
  ensurePeerInstalled,
  GitHubActionsPeer,
  loadPeer,
  PEER_PACKAGE,
  PEER_VERSION,
  probeEntry,
} from './githubActionsPeer';
import {
  BENCH_OWNER,
  BENCH_REPO,
  FIRST_RUN_ID,
  seedBusyRepository,
} from './seedBusyRepository';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const runCount = Number(argOf('--runs', '1000'));
const totalRequests = Number(argOf('--requests', '2000'));
const concurrency = Number(argOf('--concurrency', '20'));
const rounds = Number(argOf('--rounds', '4'));
const latencyMs = Number(argOf('--latency-ms', '0'));
const deepPage = Number(argOf('--deep-page', '20'));
const withPeer = !args.includes('--no-peer');
/** The CI/CD tab's page size (plugins/pipelines/src/components/CiCdTab: PAGE_SIZE). */
const CICD_PAGE_SIZE = 20;
/** `github.cache.ttlSeconds`, its default. */
const CACHE_TTL_SECONDS = 60;
/** The overview's latest runs card asks the CI/CD list for 50 runs (LatestRunsCard). */
const OVERVIEW_RUNS_LIMIT = 50;
/** The peer's workflow runs table: 5 rows unless the user picks 10, 20 or 50. */
const PEER_TABLE_DEFAULT_ROWS = 5;
/** The peer's recent runs card on the overview: `limit` 5. */
const PEER_CARD_ROWS = 5;
const COUNTS = {
  runs: runCount,
  commits: 60,
  openPulls: 12,
  mergedPulls: 150,
  branches: 30,
};
const repoRoot = path.resolve(__dirname, '../../..');
const peerDir = path.join(repoRoot, '.data', 'bench-github', 'peer');

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

function listen(
  app: express.Express,
): Promise<{ server: Server; url: string }> {
  return new Promise(resolve => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    );
    // Node's default (5 s) closes idle connections while a client may reuse them (ECONNRESET
    // between the bench's stages); GitHub, like most servers, keeps them open longer
    server.keepAliveTimeout = 60_000;
  });
}

const ENTITY: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'busy-service',
    namespace: 'default',
    annotations: {
      'github.com/project-slug': `${BENCH_OWNER}/${BENCH_REPO}`,
    },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};
const ENTITY_REF = 'component:default/busy-service';

const credentials = {
  $$type: '@backstage/BackstageCredentials',
  principal: { type: 'user', userEntityRef: 'user:default/guest' },
} as BackstageCredentials;

const silentLogger: any = {
  info: () => {},
  debug: () => {},
  warn: (message: string) => console.error(`warn: ${message}`),
  error: (message: string) => console.error(`error: ${message}`),
  child() {
    return silentLogger;
  },
};

/** The first run id of page `page` of `size` (runs are listed newest first). */
const firstRunIdOf = (page: number, size: number) =>
  FIRST_RUN_ID + runCount - 1 - (page - 1) * size;

type CometStack = {
  url: string;
  provider: GitHubPipelineProvider;
  close(): void;
};

/** Comet's GitHub backend and the CI/CD provider on a fresh (cold) cache. */
async function startComet(
  fakeUrl: string,
  ttlSeconds: number,
): Promise<CometStack> {
  const config = new ConfigReader({
    integrations: {
      github: [
        {
          host: 'github.com',
          apiBaseUrl: fakeUrl,
          token: GITHUB_FAKE_DEMO_TOKEN,
        },
      ],
    },
    github: { cache: { ttlSeconds } },
  });
  const factory = GitHubClientFactory.fromConfig(config, {
    logger: silentLogger,
  });
  const allow = async (requests: unknown[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW }));
  const service = GitHubService.create({
    factory,
    // The catalog and permissions answer from memory: the figures are the GitHub plugin's
    catalog: { getEntityByRef: async () => ENTITY } as any,
    permissions: { authorize: allow, authorizeConditional: allow } as any,
    auditor: {} as any,
  });
  const app = express();
  // Express' final handler prints a 500's stack unless env is 'test'
  app.set('env', 'test');
  app.use(
    '/api/github',
    await createRouter({
      service,
      httpAuth: { credentials: async () => credentials } as any,
    }),
  );
  const { server, url } = await listen(app);
  const provider = GitHubPipelineProvider.create({
    discovery: {
      getBaseUrl: async () => `${url}/api/github`,
      getExternalBaseUrl: async () => `${url}/api/github`,
    },
    auth: {
      getPluginRequestToken: async () => ({ token: 'bench-user-token' }),
    } as any,
  });
  return {
    url,
    provider,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
  }
  return JSON.parse(text);
}

/** How many pull requests the overview card details (plugins/github's CARD_PULL_REQUESTS). */
const CARD_PULL_REQUESTS = 5;

/** What Comet's pages ask /api/github and the CI/CD provider, as the frontend asks them. */
function cometViews(stack: CometStack) {
  const entityApi = `${stack.url}/api/github/entities/component/default/busy-service`;
  /** The GitHub tab's open pull requests: all of them, with review state and checks. */
  const pullRequests = async () => {
    const body = await getJson(`${entityApi}/pull-requests?state=open`);
    if (body.pullRequests.length !== COUNTS.openPulls) {
      throw new Error(
        `expected ${COUNTS.openPulls} open pull requests, got ${body.pullRequests.length}`,
      );
    }
  };
  /** The overview's pull requests card: the count, and details of the newest 5 (limit=5). */
  const pullRequestsCard = async () => {
    const body = await getJson(
      `${entityApi}/pull-requests?state=open&limit=${CARD_PULL_REQUESTS}`,
    );
    if (
      body.count !== COUNTS.openPulls ||
      body.pullRequests.length !== CARD_PULL_REQUESTS
    ) {
      throw new Error(
        `pull requests card: expected ${CARD_PULL_REQUESTS} of ${COUNTS.openPulls}, got ${body.pullRequests.length} of ${body.count}`,
      );
    }
  };
  /** A page of the CI/CD list's GitHub provider, as pipelines-backend asks it. */
  const providerPage = async (page: number, limit: number) => {
    const result = await stack.provider.listRuns({
      entity: {
        entityRef: ENTITY_REF,
        annotations: ENTITY.metadata.annotations!,
      },
      credentials,
      limit,
      cursor: page === 1 ? undefined : String(page),
    });
    const expected = `github:${BENCH_OWNER}/${BENCH_REPO}#${firstRunIdOf(
      page,
      limit,
    )}`;
    if (result.runs.length !== limit || result.runs[0].runId !== expected) {
      throw new Error(
        `CI/CD page ${page}: expected ${limit} runs from ${expected}, got ${result.runs.length} from ${result.runs[0]?.runId}`,
      );
    }
  };
  const cicdPage = (page: number) => providerPage(page, CICD_PAGE_SIZE);
  const routePage = async (page: number) => {
    const body = await getJson(
      `${entityApi}/workflow-runs?page=${page}&perPage=${CICD_PAGE_SIZE}`,
    );
    if (
      body.runs.length !== CICD_PAGE_SIZE ||
      body.runs[0].id !== firstRunIdOf(page, CICD_PAGE_SIZE)
    ) {
      throw new Error(`workflow-runs page ${page}: unexpected runs`);
    }
  };
  /**
   * The overview's two GitHub-backed cards at once: pull requests, and the latest runs card
   * of the CI/CD family (plugins/pipelines/src/components/OverviewCard: `listCiRuns` with
   * limit 50, so the provider asks for a page of 50).
   */
  const runsCard = () => providerPage(1, OVERVIEW_RUNS_LIMIT);
  const overview = async () => {
    await Promise.all([pullRequestsCard(), runsCard()]);
  };
  /** The GitHub tab: config and repository first, then its three sections at once. */
  const githubTab = async () => {
    await getJson(`${stack.url}/api/github/config`);
    await getJson(`${entityApi}/repository`);
    await Promise.all([
      pullRequests(),
      getJson(`${entityApi}/commits?perPage=20`),
      getJson(`${entityApi}/cycle-time?days=90`),
    ]);
  };
  const cicdTab = () => cicdPage(1);
  /** A whole entity page visit: the overview, then the GitHub tab, then the CI/CD tab. */
  const visit = async () => {
    await overview();
    await githubTab();
    await cicdTab();
  };
  return {
    overview,
    runsCard,
    githubTab,
    cicdTab,
    cicdPage,
    routePage,
    visit,
  };
}

/** What the peer's overview card and entity tab call, with its own client and loader. */
function peerViews(peer: GitHubActionsPeer) {
  const where = { owner: BENCH_OWNER, repo: BENCH_REPO };
  const tablePage = async (page: number, pageSize: number) => {
    const { runs } = await peer.fetchWorkflowRuns({ ...where, page, pageSize });
    if (
      runs.length !== pageSize ||
      runs[0].id !== String(firstRunIdOf(page, pageSize))
    ) {
      throw new Error(`peer page ${page}: unexpected runs`);
    }
  };
  /**
   * The overview's RecentWorkflowRunsCard (`dist/components/Cards/RecentWorkflowRunsCard.esm.js`):
   * its `useWorkflowRuns` hook (`dist/components/useWorkflowRuns.esm.js`, with
   * `fetchAllBranches` true by default) reads the default branch, then every page of branches
   * until an empty one, then `fetchWorkflowRuns` with the card's 5 rows. A React hook cannot
   * run outside React, so this is its sequence of calls, through the peer's own client and
   * loader.
   */
  const overviewCard = async () => {
    await peer.client.getDefaultBranch(where);
    for (let page = 1; ; page++) {
      const branches = await peer.client.listBranches({ ...where, page });
      if (branches.length === 0) break;
    }
    await tablePage(1, PEER_CARD_ROWS);
  };
  /** The GitHub Actions tab (its default "table" layout), first page at its default 5 rows. */
  const tab = () => tablePage(1, PEER_TABLE_DEFAULT_ROWS);
  const visit = async () => {
    await overviewCard();
    await tab();
  };
  return { overviewCard, tab, tablePage, visit };
}

type CallCount = {
  ms: number;
  calls: number;
  /** Answered 304 Not Modified: no rate limit used. */
  notModified: number;
  detail: string;
};

/** `/repos/o/r/pulls/1003/reviews` → `GET pulls/{n}/reviews`. */
function callKind(method: string, callPath: string) {
  const short = callPath
    .replace(`/repos/${BENCH_OWNER}/${BENCH_REPO}`, '')
    .replace(/\/[0-9a-f]{40}(?=\/|$)/g, '/{sha}')
    .replace(/\/\d+(?=\/|$)/g, '/{n}');
  return `${method} ${short || '/'}`
    .replace(/ \/$/, ' repo')
    .replace(' /', ' ');
}

async function main() {
  const now = Date.now();
  const fake = new GitHubFake({
    repos: [],
    // The demo token, with a rate limit the bench cannot use up (the calls are reported)
    tokens: [{ token: GITHUB_FAKE_DEMO_TOKEN, rateLimit: 100_000_000 }],
    latencyMs,
  });
  seedBusyRepository(fake.state, COUNTS, now);
  const fakeApp = express();
  // The fake has no branch list (Comet does not read it); the peer's card does. Answered here,
  // from the fake's refs, as GitHub does (`per_page`, `page`, an empty page past the end),
  // authenticated and counted like the fake's own answers.
  fakeApp.get('/repos/:owner/:repo/branches', async (req, res) => {
    if (latencyMs > 0) await new Promise(r => setTimeout(r, latencyMs));
    const callPath = req.path.replace(/\/+$/, '');
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(
      req.header('authorization') ?? '',
    )?.[1];
    const repo = fake.state.repo(req.params.owner, req.params.repo);
    let status = 200;
    if (!token || !fake.state.tokens.has(token)) status = 401;
    else if (!repo) status = 404;
    fake.calls.push({ method: 'GET', path: callPath, status });
    if (status !== 200) {
      res
        .status(status)
        .json({ message: status === 401 ? 'Bad credentials' : 'Not Found' });
      return;
    }
    const perPage = Math.min(
      Math.max(Number(req.query.per_page) || 30, 1),
      100,
    );
    const page = Math.max(Number(req.query.page) || 1, 1);
    const names = [...repo!.refs.keys()]
      .filter(ref => ref.startsWith('heads/'))
      .map(ref => ref.slice('heads/'.length))
      .sort();
    res.json(
      names.slice((page - 1) * perPage, page * perPage).map(name => ({
        name,
        commit: {
          sha: repo!.refs.get(`heads/${name}`),
          url: `https://api.github.com/repos/${
            repo!.fullName
          }/commits/${repo!.refs.get(`heads/${name}`)}`,
        },
        protected: name === repo!.defaultBranch,
      })),
    );
  });
  // The fake's own time per answer (arrival to the last byte written), when `fakeTimes` is set
  let fakeTimes: number[] | undefined;
  fakeApp.use((_req, res, next) => {
    const times = fakeTimes;
    if (times) {
      const started = performance.now();
      res.on('finish', () => times.push(performance.now() - started));
    }
    next();
  });
  fakeApp.use(fake.router);
  const fakeServer = await listen(fakeApp);
  const fakeUrl = fakeServer.url;

  /** Runs `fn` with the fake's calls counted from zero. */
  const counted = async (fn: () => Promise<unknown>): Promise<CallCount> => {
    fake.resetCalls();
    const started = performance.now();
    await fn();
    const ms = performance.now() - started;
    const kinds = new Map<string, number>();
    for (const call of fake.calls) {
      const kind = callKind(call.method, call.path);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    return {
      ms,
      calls: fake.calls.length,
      notModified: fake.calls.filter(c => c.status === 304).length,
      detail: [...kinds.entries()].map(([k, n]) => `${k} ×${n}`).join(', '),
    };
  };

  // ================= 1. GitHub API calls per view
  type CometViews = ReturnType<typeof cometViews>;
  const cometViewList: Array<
    [string, string, (v: CometViews) => () => Promise<unknown>]
  > = [
    [
      'overview',
      'Overview: pull requests card + latest runs card, at once',
      v => v.overview,
    ],
    [
      'runsCard',
      `Overview: latest runs card alone (a page of ${OVERVIEW_RUNS_LIMIT} runs)`,
      v => v.runsCard,
    ],
    [
      'githubTab',
      'GitHub tab: config, repository, then pull requests, commits, cycle time at once',
      v => v.githubTab,
    ],
    [
      'cicdTab',
      `CI/CD tab: first page (${CICD_PAGE_SIZE} runs)`,
      v => v.cicdTab,
    ],
    [
      'deep',
      `CI/CD tab: page ${deepPage} (${CICD_PAGE_SIZE} runs)`,
      v => () => v.cicdPage(deepPage),
    ],
  ];
  const cometCalls = new Map<string, { cold: CallCount; warm: CallCount }>();
  const cometRows: string[][] = [];
  const callCell = (c: CallCount) =>
    `${c.calls}${
      c.notModified
        ? ` (${c.notModified} answered 304: no rate limit used)`
        : ''
    }`;
  const cometRow = (view: string, cache: string, c: CallCount, note = '') =>
    cometRows.push([
      view,
      cache,
      callCell(c),
      c.detail || '–',
      `${c.ms.toFixed(0)} ms`,
      note,
    ]);
  for (const [key, name, pick] of cometViewList) {
    // Each view alone, on an empty cache of its own
    const stack = await startComet(fakeUrl, CACHE_TTL_SECONDS);
    const view = pick(cometViews(stack));
    const cold = await counted(view);
    const warm = await counted(view);
    cometCalls.set(key, { cold, warm });
    cometRow(name, 'cold', cold);
    cometRow(name, `warm (within the ${CACHE_TTL_SECONDS} s TTL)`, warm);
    stack.close();
  }
  const visitName =
    'Entity page visit: overview, then GitHub tab, then CI/CD tab';
  let cometVisit: { cold: CallCount; warm: CallCount; after: CallCount };
  {
    const stack = await startComet(fakeUrl, CACHE_TTL_SECONDS);
    const views = cometViews(stack);
    const cold = await counted(views.visit);
    cometRow(
      visitName,
      'cold',
      cold,
      'the GitHub tab reuses the list and the five pull requests the card detailed',
    );
    const warm = await counted(views.visit);
    cometRow(visitName, `warm (within the ${CACHE_TTL_SECONDS} s TTL)`, warm);
    stack.close();
    // A short TTL, waited out: every entry of the first visit is stale at the second, which
    // revalidates each once (and reuses it for the rest of the visit, well within the TTL)
    const shortTtl = 3;
    const revalidating = await startComet(fakeUrl, shortTtl);
    const again = cometViews(revalidating);
    await again.visit();
    await new Promise(resolve => setTimeout(resolve, shortTtl * 1000 + 100));
    const after = await counted(again.visit);
    cometRow(
      visitName,
      'after the TTL (revalidated with If-None-Match)',
      after,
      `TTL ${shortTtl} s here, waited out`,
    );
    revalidating.close();
    cometVisit = { cold, warm, after };
  }
  {
    const stack = await startComet(fakeUrl, CACHE_TTL_SECONDS);
    const views = cometViews(stack);
    const users = 10;
    cometRow(
      `${users} entity page visits at once`,
      'cold',
      await counted(() =>
        Promise.all(Array.from({ length: users }, views.visit)),
      ),
      'identical concurrent reads share one request',
    );
    stack.close();
  }

  // ================= The peer: install, load, its calls per view
  let peer: GitHubActionsPeer | undefined;
  let peerProblem: string | undefined;
  const peerNotes: string[] = [];
  const peerRows: string[][] = [];
  let peerCalls:
    | {
        card: CallCount;
        cardAgain: CallCount;
        tab: CallCount;
        tabAgain: CallCount;
        visit: CallCount;
        visitAgain: CallCount;
        deep: CallCount;
      }
    | undefined;
  if (withPeer) {
    try {
      const installSeconds = ensurePeerInstalled(peerDir);
      if (installSeconds) {
        peerNotes.push(`installed in ${installSeconds.toFixed(0)} s`);
      }
      const plain = probeEntry(peerDir, false);
      const hooked = plain ? probeEntry(peerDir, true) : undefined;
      if (plain) {
        peerNotes.push(
          `its package entry does not load in Node: "${plain}"${
            hooked
              ? `; with bundler-style resolution added, still not: "${hooked}"`
              : ''
          }. So the bench imports its dist/api/GithubActionsClient.esm.js (as published) and dist/components/useWorkflowRuns.esm.js (as published; its import of react-use/esm/useAsyncRetry resolved with .js added, as bundlers do)`,
        );
      }
      peer = await loadPeer(peerDir, {
        apiBaseUrl: fakeUrl,
        token: GITHUB_FAKE_DEMO_TOKEN,
        config: new ConfigReader({
          integrations: {
            github: [{ host: 'github.com', apiBaseUrl: fakeUrl }],
          },
        }),
      });
      const views = peerViews(peer);
      peerCalls = {
        card: await counted(views.overviewCard),
        cardAgain: await counted(views.overviewCard),
        tab: await counted(views.tab),
        tabAgain: await counted(views.tab),
        visit: await counted(views.visit),
        visitAgain: await counted(views.visit),
        deep: await counted(() => views.tablePage(deepPage, CICD_PAGE_SIZE)),
      };
      const peerRow = (view: string, cache: string, c: CallCount, note = '') =>
        peerRows.push([
          view,
          cache,
          callCell(c),
          c.detail || '–',
          `${c.ms.toFixed(0)} ms`,
          note,
        ]);
      peerRow(
        `Overview: recent workflow runs card (${PEER_CARD_ROWS} runs)`,
        'first',
        peerCalls.card,
        'reads every branch for its branch filter',
      );
      peerRow('the same card again', 'again (no cache)', peerCalls.cardAgain);
      peerRow(
        `GitHub Actions tab: first page (${PEER_TABLE_DEFAULT_ROWS} runs, its default)`,
        'first',
        peerCalls.tab,
      );
      peerRow('the same tab again', 'again (no cache)', peerCalls.tabAgain);
      peerRow(
        `GitHub Actions tab: page ${deepPage} (${CICD_PAGE_SIZE} runs)`,
        'every view',
        peerCalls.deep,
      );
      peerRow(
        'Entity page visit: overview card, then GitHub Actions tab',
        'first',
        peerCalls.visit,
        'no pull requests, commits or cycle time: the plugin has none',
      );
      peerRow('the same visit again', 'again (no cache)', peerCalls.visitAgain);
    } catch (error) {
      peerProblem = (error as Error).stack ?? String(error);
      peer = undefined;
    }
  }

  // ================= 2. The CI/CD tab at 1,000 runs, warm, under concurrent clients
  const stack = await startComet(fakeUrl, CACHE_TTL_SECONDS);
  const comet = cometViews(stack);
  type Load = { times: number[]; ms: number; upstream: number };
  const newLoad = (): Load => ({ times: [], ms: 0, upstream: 0 });
  const rps = (l: Load) => l.times.length / (l.ms / 1000);
  /** `requests` calls of `fn`, `concurrency` at a time. */
  const burst = async (
    fn: () => Promise<unknown>,
    requests: number,
    into: Load,
  ) => {
    let started = 0;
    // What ran before (the peer's pages, above all) is collected first, for every contender
    global.gc?.();
    fake.resetCalls();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < requests) {
          started += 1;
          const t = performance.now();
          await fn();
          into.times.push(performance.now() - t);
        }
      }),
    );
    into.ms += performance.now() - t0;
    into.upstream += fake.calls.length;
  };
  type Contender = { name: string; fn: () => Promise<unknown> };
  const peerTable = peer ? peerViews(peer) : undefined;
  const scenarios: Array<{ title: string; contenders: Contender[] }> = [
    1,
    deepPage,
  ].map(page => ({
    title: `CI/CD tab, page ${page} (${CICD_PAGE_SIZE} runs)`,
    contenders: [
      {
        name: 'Comet: CI/CD provider → /api/github',
        fn: () => comet.cicdPage(page),
      },
      {
        name: 'Comet: the /api/github route alone',
        fn: () => comet.routePage(page),
      },
      ...(peerTable
        ? [
            {
              name: `peer: fetchWorkflowRuns, ${CICD_PAGE_SIZE} rows`,
              fn: () => peerTable.tablePage(page, CICD_PAGE_SIZE),
            },
          ]
        : []),
    ],
  }));
  const loadRows: string[][] = [];
  const ratioRows: string[][] = [];
  const perRound = Math.ceil(totalRequests / rounds);
  for (const scenario of scenarios) {
    // An untimed warm-up each (JIT, sockets, Comet's cache), then rounds that alternate
    for (const c of scenario.contenders) {
      await burst(c.fn, Math.max(concurrency, perRound / 2), newLoad());
    }
    const loads = scenario.contenders.map(() => ({
      ...newLoad(),
      rounds: [] as Load[],
    }));
    for (let round = 0; round < rounds; round++) {
      for (const [index, c] of scenario.contenders.entries()) {
        const one = newLoad();
        await burst(c.fn, perRound, one);
        loads[index].times.push(...one.times);
        loads[index].ms += one.ms;
        loads[index].upstream += one.upstream;
        loads[index].rounds.push(one);
      }
    }
    for (const [index, c] of scenario.contenders.entries()) {
      const l = loads[index];
      const p95 = percentile(l.times, 95);
      let target = '–';
      if (c.name.startsWith('Comet')) {
        target = p95 < 150 ? 'p95 < 150 ms: met' : 'p95 < 150 ms: NOT met';
      }
      loadRows.push([
        scenario.title,
        c.name,
        `${l.times.length}`,
        rps(l).toFixed(0),
        `${percentile(l.times, 50).toFixed(1)} ms`,
        `${p95.toFixed(1)} ms`,
        `${percentile(l.times, 99).toFixed(1)} ms`,
        l.rounds.map(r => percentile(r.times, 95).toFixed(0)).join(', '),
        (l.upstream / l.times.length).toFixed(3),
        target,
      ]);
    }
    const [provider, , peerLoad] = loads;
    if (peerLoad) {
      const roundRatios = (f: (l: Load) => number) =>
        provider.rounds
          .map((r, i) => (f(r) / f(peerLoad.rounds[i])).toFixed(2))
          .join(', ');
      const p = (q: number) => (l: Load) => percentile(l.times, q);
      ratioRows.push([
        scenario.title,
        `${(p(50)(provider) / p(50)(peerLoad)).toFixed(2)} (${roundRatios(
          p(50),
        )})`,
        `${(p(95)(provider) / p(95)(peerLoad)).toFixed(2)} (${roundRatios(
          p(95),
        )})`,
        `${(rps(provider) / rps(peerLoad)).toFixed(2)} (${roundRatios(rps)})`,
        `${(provider.upstream / provider.times.length).toFixed(3)} / ${(
          peerLoad.upstream / peerLoad.times.length
        ).toFixed(3)}`,
      ]);
    }
  }

  // What the peer's latency includes that GitHub's servers would do: the fake building a page
  // of runs (JSON of 20 runs with their repository objects, its ETag), one request at a time
  const fakePage = newLoad();
  fakeTimes = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    const response = await fetch(
      `${fakeUrl}/repos/${BENCH_OWNER}/${BENCH_REPO}/actions/runs?per_page=${CICD_PAGE_SIZE}&page=1`,
      { headers: { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` } },
    );
    const bytes = (await response.arrayBuffer()).byteLength;
    fakePage.times.push(performance.now() - t);
    fakePage.upstream = bytes;
  }
  const fakeServerTimes = fakeTimes;
  fakeTimes = undefined;

  // The GitHub tab's reads, warm, for reference (the peer has no such tab)
  const entityApi = `${stack.url}/api/github/entities/component/default/busy-service`;
  const tabReads = [
    '/repository',
    '/pull-requests?state=open',
    '/commits?perPage=20',
    '/cycle-time?days=90',
  ].map(p => () => getJson(`${entityApi}${p}`));
  let nextRead = 0;
  const tabRead = () => tabReads[nextRead++ % tabReads.length]();
  const tabLoad = newLoad();
  await burst(tabRead, Math.max(concurrency, perRound / 2), newLoad());
  await burst(tabRead, totalRequests, tabLoad);
  loadRows.push([
    'GitHub tab reads (repository, pull requests, commits, cycle time in turn)',
    'Comet: /api/github',
    `${tabLoad.times.length}`,
    rps(tabLoad).toFixed(0),
    `${percentile(tabLoad.times, 50).toFixed(1)} ms`,
    `${percentile(tabLoad.times, 95).toFixed(1)} ms`,
    `${percentile(tabLoad.times, 99).toFixed(1)} ms`,
    '–',
    (tabLoad.upstream / tabLoad.times.length).toFixed(3),
    'report',
  ]);
  stack.close();

  // ================= Output
  const table = (title: string, header: string[], rows: string[][]) => {
    console.log(`\n${title}\n`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  };
  console.log(
    `\nGitHub benchmark on ${os.cpus().length} CPUs (${
      os.cpus()[0]?.model ?? 'unknown'
    }), Node ${process.version}, load average at the end ${os
      .loadavg()
      .map(l => l.toFixed(1))
      .join(' ')}; fake latency ${latencyMs} ms; ${runCount} workflow runs, ${
      COUNTS.openPulls
    } open pull requests, ${COUNTS.mergedPulls} merged in the last 90 days, ${
      COUNTS.commits
    } commits, ${
      COUNTS.branches
    } branches; Comet's cache TTL ${CACHE_TTL_SECONDS} s`,
  );
  const callHeader = ['view', 'cache', 'GitHub calls', 'which', 'time', 'note'];
  table(
    '1a. Comet: GitHub API calls per view (counted by the fake)',
    callHeader,
    cometRows,
  );
  if (peerRows.length) {
    table(
      `1b. The peer (${PEER_PACKAGE} ${peer?.version}): GitHub API calls per view (counted by the fake)`,
      callHeader,
      peerRows,
    );
  }
  table(
    `2. Under load: ${concurrency} concurrent clients, ${
      perRound * rounds
    } requests per row in ${rounds} rounds (Comet, route, peer, Comet, …); Comet's cache warm`,
    [
      'view',
      'who',
      'requests',
      'req/s',
      'p50',
      'p95',
      'p99',
      'p95 per round (ms)',
      'GitHub calls per request',
      'target',
    ],
    loadRows,
  );
  if (ratioRows.length) {
    table(
      '3. Ratios Comet (CI/CD provider → /api/github) / peer, same pages and run (below 1: Comet is faster; each round’s ratio in brackets)',
      [
        'view',
        'p50',
        'p95',
        'req/s (above 1: Comet serves more)',
        'GitHub calls per request, Comet / peer',
      ],
      ratioRows,
    );
  }
  if (peerCalls) {
    const c = (key: string) => cometCalls.get(key)!;
    const ratio = (a: number, b: number) =>
      b === 0 ? '–' : (a / b).toFixed(2);
    table(
      '4. GitHub calls per view, Comet / peer (Comet: first view cold, then within the TTL; the peer has no cache)',
      [
        'view',
        'Comet first / again',
        'peer first / again',
        'ratio first / again',
      ],
      [
        [
          'overview card of workflow runs (Comet: latest runs, 50; peer: recent runs, 5)',
          `${c('runsCard').cold.calls} / ${c('runsCard').warm.calls}`,
          `${peerCalls.card.calls} / ${peerCalls.cardAgain.calls}`,
          `${ratio(c('runsCard').cold.calls, peerCalls.card.calls)} / ${ratio(
            c('runsCard').warm.calls,
            peerCalls.cardAgain.calls,
          )}`,
        ],
        [
          `runs tab, first page (Comet: ${CICD_PAGE_SIZE} runs; peer: ${PEER_TABLE_DEFAULT_ROWS})`,
          `${c('cicdTab').cold.calls} / ${c('cicdTab').warm.calls}`,
          `${peerCalls.tab.calls} / ${peerCalls.tabAgain.calls}`,
          `${ratio(c('cicdTab').cold.calls, peerCalls.tab.calls)} / ${ratio(
            c('cicdTab').warm.calls,
            peerCalls.tabAgain.calls,
          )}`,
        ],
        [
          `runs tab, page ${deepPage} of ${CICD_PAGE_SIZE} runs`,
          `${c('deep').cold.calls} / ${c('deep').warm.calls}`,
          `${peerCalls.deep.calls} / ${peerCalls.deep.calls}`,
          `${ratio(c('deep').cold.calls, peerCalls.deep.calls)} / ${ratio(
            c('deep').warm.calls,
            peerCalls.deep.calls,
          )}`,
        ],
        [
          'entity page visit (Comet also shows pull requests, commits and cycle time)',
          `${cometVisit.cold.calls} / ${
            cometVisit.warm.calls
          } (after the TTL: ${cometVisit.after.calls}, ${
            cometVisit.after.calls - cometVisit.after.notModified
          } of them rate-limited)`,
          `${peerCalls.visit.calls} / ${peerCalls.visitAgain.calls}`,
          `${ratio(cometVisit.cold.calls, peerCalls.visit.calls)} / ${ratio(
            cometVisit.warm.calls,
            peerCalls.visitAgain.calls,
          )}`,
        ],
      ],
    );
  }
  console.log(
    `\nA page of ${CICD_PAGE_SIZE} runs from the fake (${(
      fakePage.upstream / 1024
    ).toFixed(
      0,
    )} KB of JSON: runs with the fields GitHub sends), one request at a time: the fake's own time p50 ${percentile(
      fakeServerTimes,
      50,
    ).toFixed(1)} ms, the whole round trip p50 ${percentile(
      fakePage.times,
      50,
    ).toFixed(
      1,
    )} ms. The peer calls GitHub for every view, so its latency under load includes the fake's work on the same CPUs, which GitHub's servers would do instead (with the network's round trip: --latency-ms).`,
  );
  console.log('');
  if (withPeer) {
    console.log(
      `Peer: ${PEER_PACKAGE}@${PEER_VERSION} from npm in ${path.relative(
        repoRoot,
        peerDir,
      )} (git-ignored)${peerNotes.length ? `; ${peerNotes.join('; ')}` : ''}.`,
    );
    if (peerProblem) {
      console.log(`The peer could not be run: ${peerProblem}`);
      process.exitCode = 1;
    }
  }

  await new Promise<void>(resolve => {
    fakeServer.server.closeAllConnections();
    fakeServer.server.close(() => resolve());
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
