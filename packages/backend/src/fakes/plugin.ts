import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type express from 'express';
import Router from 'express-promise-router';
import { exampleCommitSource, exampleReposDir } from './exampleCommits';
import { FakeOutages } from './FakeOutages';

/** A fake this plugin can serve: its `comet.fakes.<name>` key and how to load its router. */
export type FakeLoader = {
  name: string;
  load: (
    config: Config,
  ) => Promise<{ router: express.Router; close?: () => unknown }>;
};

/**
 * A module's exports from `import()`: Node names those of a CommonJS module (what TypeScript
 * packages are compiled to) only under `default`.
 */
function exportsOf<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

/**
 * Each fake lives in its family's `-node` testUtils and is imported only when its key is on,
 * so a portal without fakes never loads their code.
 */
export const FAKE_LOADERS: FakeLoader[] = [
  {
    name: 'jenkins',
    load: async () => {
      const { JenkinsFake } = exportsOf(
        await import('@internal/plugin-jenkins-node/testUtils'),
      );
      const fake = new JenkinsFake();
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'sonarqube',
    load: async () => {
      const { SonarQubeFake } = exportsOf(
        await import('@internal/plugin-sonarqube-node/testUtils'),
      );
      const fake = new SonarQubeFake();
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'jira',
    load: async () => {
      const { JiraFake } = exportsOf(
        await import('@internal/plugin-jira-node/testUtils'),
      );
      const fake = new JiraFake({ example: true });
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'github',
    load: async config => {
      const { GitHubFake } = exportsOf(
        await import('@internal/plugin-github-node/testUtils'),
      );
      // The example catalog's repositories and the demo token; the commits Comet builds come
      // from the example git repositories, so runs of examples can report their status.
      const reposDir = exampleReposDir(config);
      const fake = new GitHubFake({
        commitSource: reposDir ? exampleCommitSource(reposDir) : undefined,
      });
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'openai',
    load: async () => {
      const { OpenAiFake } = exportsOf(
        await import('@internal/plugin-ai-assistant-backend/testUtils'),
      );
      // Scripted answers that call the portal's actions, with its published demo key
      const fake = new OpenAiFake({ mode: 'demo' });
      return { router: fake.router, close: () => fake.close() };
    },
  },
];

/**
 * Serves local fakes of Jenkins, SonarQube, Jira, GitHub and an OpenAI-compatible model at
 * `/api/fakes/<name>`, for the demo and e2e configs: with them, `jenkins.instances`,
 * `sonarqube.instances`, `jira`, `integrations.github` and `aiAssistant.provider` can point at
 * this backend and every feature works with no external system. Each is off unless
 * `comet.fakes.<name>` is true; the preflight
 * refuses them when NODE_ENV=production. `/api/fakes/control/outages/<name>` switches a
 * simulated outage of one of them (`FakeOutages`), for end-to-end tests of failures.
 */
export function createFakesPlugin(loaders: FakeLoader[] = FAKE_LOADERS) {
  return createBackendPlugin({
    pluginId: 'fakes',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          httpRouter: coreServices.httpRouter,
          lifecycle: coreServices.lifecycle,
        },
        async init({ config, logger, httpRouter, lifecycle }) {
          const loaded: Array<{ name: string; router: express.Router }> = [];
          for (const fake of loaders) {
            if (!config.getOptionalBoolean(`comet.fakes.${fake.name}`)) {
              continue;
            }
            const { router: fakeRouter, close } = await fake.load(config);
            loaded.push({ name: fake.name, router: fakeRouter });
            if (close) {
              lifecycle.addShutdownHook(async () => {
                await close();
              });
            }
          }
          if (loaded.length === 0) {
            return;
          }
          const enabled = loaded.map(fake => fake.name);
          // Tests switch a fake's simulated outage at /api/fakes/control/outages/<name>
          const outages = new FakeOutages(enabled);
          const router = Router();
          router.use('/control', outages.controlRouter());
          for (const fake of loaded) {
            router.use(`/${fake.name}`, outages.middleware(fake.name));
            router.use(`/${fake.name}`, fake.router);
          }
          logger.warn(
            `Serving fake ${enabled.join(
              ' and ',
            )} APIs at /api/fakes/<name> (comet.fakes.*): for demos and tests, never production`,
          );
          httpRouter.use(router);
          // The fakes check their own credentials, as the real systems do.
          httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
        },
      });
    },
  });
}

export const fakesPlugin = createFakesPlugin();
