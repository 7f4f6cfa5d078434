// The repository's Jenkins and SonarQube fakes for benchmarks that run real backends against
// them: each listens on 127.0.0.1 with a delay before every answer (a network's round trip
// instead of loopback's) and counts the requests it answered. The fakes are TypeScript: the
// calling script runs under `node --require @backstage/cli-node/config/nodeTransform.cjs`.
import fs from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './portal.mjs';

const requireFromRoot = createRequire(path.join(root, 'package.json'));

/** The first module of `candidates` (package specifiers) whose file is present. */
function requireFirst(candidates) {
  for (const { specifier, file } of candidates) {
    if (fs.existsSync(path.join(root, file))) {
      const loaded = requireFromRoot(specifier);
      if (loaded) return loaded;
    }
  }
  throw new Error(
    `none of ${candidates.map(c => c.file).join(', ')} is in the repository`,
  );
}

async function listen(handler) {
  const http = await import('node:http');
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    close: async () => {
      // Backends keep their connections alive; end them so the server stops now
      server.closeAllConnections();
      await new Promise(resolve => server.close(() => resolve()));
    },
  };
}

/**
 * A Jenkins fake with its default jobs (the example catalog's, `payments/payments-api` and
 * `payments/payments-api-nightly` among them) and demo users (`comet` with
 * `comet-fake-jenkins-token`). `calls()` is the number of API requests it has answered.
 */
export async function startJenkinsFake({ latencyMs }) {
  const express = requireFromRoot('express');
  // The fake is moving from @internal/fakes to @internal/plugin-jenkins-node/testUtils; use
  // whichever this tree has.
  const jenkinsNode = fs.existsSync(
    path.join(root, 'plugins/jenkins-node/src/testUtils/JenkinsFake.ts'),
  )
    ? requireFromRoot('@internal/plugin-jenkins-node/testUtils')
    : undefined;
  const JenkinsFake = jenkinsNode?.JenkinsFake;
  if (JenkinsFake) {
    // Its router behind the completion of what it lacks (below), as for the old fake
    const fake = new JenkinsFake({ latencyMs });
    const log = fake.requests ?? fake.calls ?? fake.fake?.requests;
    if (!fake.router || !Array.isArray(log)) {
      throw new Error(
        'JenkinsFake has no router or no request log (requests or calls)',
      );
    }
    const server = await listen(
      express().use(lastBuildInTree).use(fake.router),
    );
    return {
      url: server.url,
      calls: () => log.length,
      close: async () => {
        await fake.close?.();
        await server.close();
      },
    };
  }
  const { createJenkinsFakeRouter } = requireFirst([
    {
      specifier: '@internal/fakes',
      file: 'packages/fakes/src/jenkins/createJenkinsFakeRouter.ts',
    },
  ]);
  const router = createJenkinsFakeRouter({ responseDelayMs: latencyMs });
  const server = await listen(express().use(lastBuildInTree).use(router));
  return {
    url: server.url,
    calls: () => router.fake.requests.length,
    close: server.close,
  };
}

/**
 * What the fake lacks of Jenkins' `api/json` for the community Jenkins backend's requests:
 * `tree=lastBuild[…]` with the last build's fields (the fake gives a reference), `*` in a tree
 * (every field), and `buildsByBranchName` in the git plugin's BuildData action. For a tree
 * that names `lastBuild[`, this asks the fake for the whole object (`depth=1`, one request, as
 * to Jenkins) and applies the tree here.
 */
function lastBuildInTree(req, res, next) {
  const tree = req.query.tree;
  if (typeof tree !== 'string' || !tree.includes('lastBuild[')) {
    next();
    return;
  }
  delete req.query.tree;
  req.query.depth = '1';
  const spec = parseTree(tree);
  const complete = value => {
    if (Array.isArray(value)) return value.map(complete);
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const [key, field] of Object.entries(value))
      out[key] = complete(field);
    if (Array.isArray(value.builds) && value.lastBuild) {
      out.lastBuild =
        out.builds.find(b => b?.number === value.lastBuild.number) ??
        value.lastBuild;
    }
    if (
      value._class === 'hudson.plugins.git.util.BuildData' &&
      value.lastBuiltRevision &&
      !value.buildsByBranchName
    ) {
      out.buildsByBranchName = Object.fromEntries(
        (value.lastBuiltRevision.branch ?? []).map(branch => [
          branch.name,
          { revision: value.lastBuiltRevision },
        ]),
      );
    }
    return out;
  };
  const json = res.json.bind(res);
  res.json = body =>
    json(res.statusCode === 200 ? applyTree(complete(body), spec) : body);
  next();
}

/** Jenkins' `tree` parameter: `a,b[c,*[d]]{0,10}`; `*` is every field. */
function parseTree(tree) {
  let pos = 0;
  const parseList = () => {
    const spec = new Map();
    while (pos < tree.length) {
      const start = pos;
      while (pos < tree.length && !',[]{}'.includes(tree[pos])) pos++;
      const name = tree.slice(start, pos).trim();
      let children;
      let range;
      if (tree[pos] === '[') {
        pos++;
        children = parseList();
        if (tree[pos] === ']') pos++;
      }
      if (tree[pos] === '{') {
        const end = tree.indexOf('}', pos);
        const [from, to] = tree
          .slice(pos + 1, end < 0 ? undefined : end)
          .split(',');
        pos = end < 0 ? tree.length : end + 1;
        const fromN = from.trim() === '' ? 0 : Number(from);
        range =
          to === undefined
            ? { from: fromN, to: fromN + 1 }
            : { from: fromN, to: to.trim() === '' ? undefined : Number(to) };
      }
      if (name) spec.set(name, { children, range });
      if (tree[pos] === ',') {
        pos++;
        continue;
      }
      if (tree[pos] === ']') return spec;
    }
    return spec;
  };
  return parseList();
}

function applyTree(value, spec) {
  if (!spec) return value;
  if (Array.isArray(value)) return value.map(v => applyTree(v, spec));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  if ('_class' in value) out._class = value._class;
  const fields = spec.has('*')
    ? Object.keys(value).map(name => [name, spec.get(name) ?? spec.get('*')])
    : [...spec];
  for (const [name, field] of fields) {
    if (!(name in value)) continue;
    let fieldValue = value[name];
    if (field.range && Array.isArray(fieldValue)) {
      fieldValue = fieldValue.slice(field.range.from, field.range.to);
    }
    out[name] = field.children
      ? applyTree(fieldValue, field.children)
      : fieldValue;
  }
  return out;
}

/**
 * A SonarQube fake with the example catalog's projects (`comet-examples_payments-api` among
 * them) and its demo token. Besides the fake's Web API it answers `api/components/show` and
 * `api/metrics/search` (the community SonarQube backend reads them; the fake has no route for
 * them), from the fake's state and with the same delay, and counts them too.
 */
export async function startSonarQubeFake({ latencyMs }) {
  const express = requireFromRoot('express');
  const { SonarQubeFake, SONARQUBE_FAKE_DEMO_TOKEN } = requireFirst([
    {
      specifier: '@internal/plugin-sonarqube-node/testUtils',
      file: 'plugins/sonarqube-node/src/testUtils/SonarQubeFake.ts',
    },
    {
      specifier: '@internal/fakes',
      file: 'packages/fakes/src/sonarqube/index.ts',
    },
  ]);
  const fake = new SonarQubeFake({ latencyMs });
  const app = express();
  app.use(
    ['/api/components/show', '/api/metrics/search'],
    communityOnlyRoutes(express, fake, latencyMs),
  );
  app.use(fake.router);
  const server = await listen(app);
  return {
    url: server.url,
    token: SONARQUBE_FAKE_DEMO_TOKEN,
    calls: () => fake.calls.length,
    close: async () => {
      await fake.close();
      await server.close();
    },
  };
}

// The metrics a SonarQube server defines that the community backend asks for, and those the
// fake's analyses carry (api/metrics/search lists every metric of the server).
const SONARQUBE_METRICS = [
  'alert_status',
  'bugs',
  'reliability_rating',
  'vulnerabilities',
  'security_rating',
  'security_hotspots',
  'security_hotspots_reviewed',
  'security_review_rating',
  'code_smells',
  'sqale_rating',
  'sqale_index',
  'coverage',
  'duplicated_lines_density',
  'ncloc',
  'new_bugs',
  'new_vulnerabilities',
  'new_code_smells',
  'new_coverage',
  'new_duplicated_lines_density',
  'new_security_hotspots',
];

/** `api/components/show` and `api/metrics/search` as SonarQube's Web API documents them. */
function communityOnlyRoutes(express, fake, latencyMs) {
  const router = express.Router();
  const sonarDate = date => date.toISOString().replace(/\.\d{3}Z$/, '+0000');
  const tokenOf = req => {
    const [scheme, value = ''] = (req.header('authorization') ?? '').split(' ');
    if (/^bearer$/i.test(scheme)) return value;
    if (/^basic$/i.test(scheme)) {
      const [login, password] = Buffer.from(value, 'base64')
        .toString('utf8')
        .split(':');
      return password ? undefined : login;
    }
    return undefined;
  };
  router.use((req, res, next) => {
    fake.calls.push({
      method: req.method,
      path: req.originalUrl.slice(1).split('?')[0],
      query: { ...req.query },
    });
    const proceed = () => {
      if (!fake.state.tokens.has(tokenOf(req) ?? '')) {
        res.status(401).json({ errors: [{ msg: 'Authentication required' }] });
        return;
      }
      next();
    };
    if (latencyMs > 0) setTimeout(proceed, latencyMs);
    else proceed();
  });
  router.get('/', (req, res) => {
    if (req.baseUrl.endsWith('/metrics/search')) {
      const ps = Number(req.query.ps ?? 100);
      const p = Number(req.query.p ?? 1);
      res.json({
        metrics: SONARQUBE_METRICS.slice((p - 1) * ps, p * ps).map(key => ({
          id: key,
          key,
          name: key,
          type: 'INT',
          domain: 'General',
        })),
        total: SONARQUBE_METRICS.length,
        p,
        ps,
      });
      return;
    }
    const key = String(req.query.component ?? '');
    const project = fake.state.projects.get(key);
    if (!project) {
      res
        .status(404)
        .json({ errors: [{ msg: `Component key '${key}' not found` }] });
      return;
    }
    const main = [...project.branches.values()].find(b => b.isMain);
    const last = main?.analyses
      .filter(a => a.readyAt.getTime() <= Date.now())
      .at(-1);
    res.json({
      component: {
        key: project.key,
        name: project.name,
        qualifier: 'TRK',
        visibility: project.visibility,
        ...(last ? { analysisDate: sonarDate(last.date) } : {}),
      },
      ancestors: [],
    });
  });
  return router;
}
