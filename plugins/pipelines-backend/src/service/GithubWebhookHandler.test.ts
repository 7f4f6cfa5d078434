import { mockServices } from '@backstage/backend-test-utils';
import { createHmac } from 'node:crypto';
import {
  compileGlob,
  GithubWebhookHandler,
  matchesGlobs,
  pipelineWantsWebhook,
  type WebhookTrigger,
} from './GithubWebhookHandler';

const secret = 's3cret';
/** A `javascript:` URL, which must never become a link (spelt so that lint lets it be). */
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');
const sign = (body: string, key = secret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

function handler(
  options: { secret?: string; repositorySecrets?: Map<string, string[]> } = {
    secret,
  },
) {
  const seen = new Set<string>();
  const triggers: unknown[] = [];
  const instance = new GithubWebhookHandler({
    secret: options.secret,
    repositorySecrets: options.repositorySecrets,
    logger: mockServices.logger.mock(),
    // As the store does: a delivery id, or what it builds, seen before is a duplicate
    recordDelivery: async (id, triggerKey) => {
      const keys = [`id:${id}`, ...(triggerKey ? [`key:${triggerKey}`] : [])];
      if (keys.some(key => seen.has(key))) return false;
      keys.forEach(key => seen.add(key));
      return true;
    },
    onTrigger: async trigger => {
      triggers.push(trigger);
    },
  });
  return { instance, triggers };
}

const push = JSON.stringify({
  ref: 'refs/heads/release/1.2',
  after: 'a'.repeat(40),
  repository: { full_name: 'acme/shop' },
  sender: { login: 'octocat' },
});

describe('GithubWebhookHandler', () => {
  it('says which key turns webhooks on when no secret is configured', async () => {
    const { instance } = handler({});
    const result = await instance.handle({
      body: Buffer.from(push),
      event: 'push',
      deliveryId: '1',
      signature: sign(push),
    });
    expect(result.status).toBe(503);
    expect(result.body.error).toContain('pipelines.github.webhookSecret');
  });

  it('rejects a missing or wrong signature', async () => {
    const { instance, triggers } = handler();
    for (const signature of [undefined, sign(push, 'other'), 'sha256=short']) {
      const result = await instance.handle({
        body: Buffer.from(push),
        event: 'push',
        deliveryId: '1',
        signature,
      });
      expect(result.status).toBe(401);
    }
    expect(triggers).toEqual([]);
  });

  it('answers 401, not 500, to a signature header that is not sha256=<64 hex digits>', async () => {
    const { instance, triggers } = handler();
    const good = sign(push);
    for (const signature of [
      // As long as a good one, in characters but not in bytes
      `sha256=${'é'.repeat(64)}`,
      `sha256=${'g'.repeat(64)}`,
      `${good} `,
      good.replace('sha256=', 'sha1='),
      `sha256=${good.slice(7, 40)}`,
    ]) {
      const result = await instance.handle({
        body: Buffer.from(push),
        event: 'push',
        deliveryId: '1',
        signature,
      });
      expect([signature, result.status]).toEqual([signature, 401]);
    }
    expect(triggers).toEqual([]);
  });

  it('starts nothing for a signed body replayed under a new delivery id', async () => {
    const { instance, triggers } = handler();
    const deliver = (deliveryId: string, body = push) =>
      instance.handle({
        body: Buffer.from(body),
        event: 'push',
        deliveryId,
        signature: sign(body),
      });
    expect((await deliver('first')).status).toBe(202);
    expect((await deliver('replayed')).body).toEqual({
      duplicate: true,
      deliveryId: 'replayed',
    });
    // The same commit pushed to another branch is a new build
    const otherBranch = push.replace('release/1.2', 'release/1.3');
    expect((await deliver('other-branch', otherBranch)).status).toBe(202);
    await new Promise(r => setImmediate(r));
    expect(triggers).toEqual([
      expect.objectContaining({ ref: 'release/1.2' }),
      expect.objectContaining({ ref: 'release/1.3' }),
    ]);
  });

  it('refuses a body over the limit before checking it', async () => {
    const instance = new GithubWebhookHandler({
      secret,
      maxBodyBytes: 10,
      logger: mockServices.logger.mock(),
      recordDelivery: async () => true,
      onTrigger: async () => {},
    });
    const result = await instance.handle({
      body: Buffer.from(push),
      event: 'push',
      deliveryId: '1',
      signature: sign(push),
    });
    expect(result.status).toBe(413);
    expect(result.body.error).toContain('pipelines.github.webhookMaxBytes');
  });

  it('accepts a signed push once and maps it to a trigger', async () => {
    const { instance, triggers } = handler();
    const request = {
      body: Buffer.from(push),
      event: 'push',
      deliveryId: 'abc',
      signature: sign(push),
    };
    expect((await instance.handle(request)).status).toBe(202);
    expect((await instance.handle(request)).body).toEqual({
      duplicate: true,
      deliveryId: 'abc',
    });
    await new Promise(r => setImmediate(r));
    expect(triggers).toEqual([
      {
        repository: 'acme/shop',
        event: 'push',
        ref: 'release/1.2',
        refType: 'branch',
        commitSha: 'a'.repeat(40),
        sender: 'octocat',
      },
    ]);
  });

  it("keeps the messages of a push's commits, or of its head commit", async () => {
    const { instance, triggers } = handler();
    const send = async (deliveryId: string, extra: object) => {
      const body = JSON.stringify({
        ...JSON.parse(push),
        after: deliveryId.slice(-1).repeat(40),
        ...extra,
      });
      expect(
        (
          await instance.handle({
            body: Buffer.from(body),
            event: 'push',
            deliveryId,
            signature: sign(body),
          })
        ).status,
      ).toBe(202);
    };
    await send('m1', {
      commits: [
        { message: 'PAY-1 first\n' },
        { message: 42 },
        { message: 'PAY-2 second' },
      ],
    });
    await send('m2', { commits: [], head_commit: { message: 'ignored' } });
    await send('m3', { head_commit: { message: 'SHOP-9 only head' } });
    await send('m4', { commits: [{ message: 'x'.repeat(9000) }] });
    for (let i = 0; i < 100 && triggers.length < 4; i++) {
      await new Promise(r => setImmediate(r));
    }
    expect(
      triggers.map(t => (t as WebhookTrigger).commitMessages?.slice(0, 30)),
    ).toEqual([
      'PAY-1 first\n\nPAY-2 second',
      undefined,
      'SHOP-9 only head',
      'x'.repeat(30),
    ]);
    expect((triggers[3] as WebhookTrigger).commitMessages).toHaveLength(8192);
  });

  it('maps an opened pull request and ignores a closed one and a branch deletion', async () => {
    const { instance, triggers } = handler();
    const pr = (action: string) =>
      JSON.stringify({
        action,
        repository: { full_name: 'acme/shop' },
        pull_request: {
          head: {
            sha: 'b'.repeat(40),
            ref: 'feature/x',
            repo: { full_name: 'acme/shop' },
          },
          base: { ref: 'main' },
        },
        sender: { login: 'dev' },
      });
    const opened = pr('opened');
    expect(
      (
        await instance.handle({
          body: Buffer.from(opened),
          event: 'pull_request',
          deliveryId: 'p1',
          signature: sign(opened),
        })
      ).status,
    ).toBe(202);
    const closed = pr('closed');
    expect(
      (
        await instance.handle({
          body: Buffer.from(closed),
          event: 'pull_request',
          deliveryId: 'p2',
          signature: sign(closed),
        })
      ).body,
    ).toEqual({ ignored: 'nothing to build in this delivery' });
    const deleted = JSON.stringify({
      ref: 'refs/heads/x',
      after: '0'.repeat(40),
      deleted: true,
      repository: { full_name: 'acme/shop' },
    });
    expect(
      (
        await instance.handle({
          body: Buffer.from(deleted),
          event: 'push',
          deliveryId: 'p3',
          signature: sign(deleted),
        })
      ).status,
    ).toBe(202);
    await new Promise(r => setImmediate(r));
    expect(triggers).toEqual([
      expect.objectContaining({
        event: 'pull_request',
        ref: 'feature/x',
        baseBranch: 'main',
        commitSha: 'b'.repeat(40),
      }),
    ]);
  });

  it('keeps the pull request number, title and web page with the trigger', async () => {
    const { instance, triggers } = handler();
    const deliver = async (
      id: string,
      pullRequest: Record<string, unknown>,
    ) => {
      const body = JSON.stringify({
        action: 'synchronize',
        repository: { full_name: 'acme/shop' },
        pull_request: {
          head: {
            sha: 'c'.repeat(40),
            ref: 'feature/y',
            repo: { full_name: 'acme/shop' },
          },
          base: { ref: 'main' },
          url: 'https://api.github.com/repos/acme/shop/pulls/42',
          ...pullRequest,
        },
        sender: { login: 'dev' },
      });
      const result = await instance.handle({
        body: Buffer.from(body),
        event: 'pull_request',
        deliveryId: id,
        signature: sign(body),
      });
      expect(result.status).toBe(202);
    };
    await deliver('pr-1', {
      number: 42,
      title: 'Speed up checkout',
      html_url: 'https://github.com/acme/shop/pull/42',
    });
    // A URL that is not http(s) is not kept; the run itself still starts
    await deliver('pr-2', {
      number: 43,
      title: 'Sneaky',
      html_url: SCRIPT_URL,
    });
    await new Promise(r => setImmediate(r));
    expect(triggers).toEqual([
      {
        repository: 'acme/shop',
        event: 'pull_request',
        ref: 'feature/y',
        refType: 'branch',
        baseBranch: 'main',
        commitSha: 'c'.repeat(40),
        sender: 'dev',
        pullRequest: {
          number: 42,
          title: 'Speed up checkout',
          url: 'https://github.com/acme/shop/pull/42',
        },
      },
      expect.objectContaining({ commitSha: 'c'.repeat(40) }),
    ]);
    expect((triggers[1] as any).pullRequest).toBeUndefined();
  });

  it('answers ping and ignores other events', async () => {
    const { instance } = handler();
    const body = '{}';
    expect(
      (
        await instance.handle({
          body: Buffer.from(body),
          event: 'ping',
          deliveryId: 'x',
          signature: sign(body),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await instance.handle({
          body: Buffer.from(body),
          event: 'issues',
          deliveryId: 'y',
          signature: sign(body),
        })
      ).status,
    ).toBe(202);
  });
});

describe('branch globs', () => {
  it.each([
    ['main', ['main'], true],
    ['release/1.2', ['release/*'], true],
    ['release/1.2/hotfix', ['release/*'], false],
    ['release/1.2/hotfix', ['release/**'], true],
    ['feature.x', ['feature?x'], true],
    ['anything', undefined, true],
    ['v1.0.0', ['v*'], true],
  ])('%s against %j is %s', (value, globs, expected) => {
    expect(matchesGlobs(value, globs)).toBe(expected);
  });

  it('escapes regex characters', () => {
    expect(compileGlob('a.b').test('axb')).toBe(false);
  });

  it.each([
    ['release/1.2', 'release/**', true],
    ['release/', 'release/**', true],
    ['release', 'release/**', false],
    ['a/b/c', '**/c', true],
    ['a/b/c', '*/c', false],
    ['ab', 'a***b', true],
    ['a/x/b', 'a/***', true],
    ['feature/x', 'feature?x', false],
    ['', '*', true],
    ['', '?', false],
    ['v1', 'v?*', true],
    ['main', 'mai', false],
    ['mainline', 'main', false],
  ])(
    '%j against %j is %s, as the former regular expression',
    (value, glob, expected) => {
      expect(compileGlob(glob).test(value)).toBe(expected);
    },
  );

  it('answers a pathological pattern without backtracking', () => {
    // As a regular expression, `^[^/]*[^/]*…b$` against 10,000 `a`s backtracks for ages
    const glob = `${'*'.repeat(50).split('').join('a')}b`;
    const value = 'a'.repeat(10_000);
    expect(compileGlob(glob).test(value)).toBe(false);
    expect(compileGlob(glob).test(`${value}b`)).toBe(true);
    expect(matchesGlobs(value, ['*'.repeat(50)])).toBe(true);
    expect(matchesGlobs(`${value}/`, ['*?*?*?*?*?*?*?*?*?*?'])).toBe(false);
  });
});

describe('pipelineWantsWebhook', () => {
  const pushOf = (ref: string, refType: 'branch' | 'tag' = 'branch') => ({
    repository: 'acme/shop',
    event: 'push' as const,
    ref,
    refType,
    commitSha: 'a',
  });
  const pr = (baseBranch: string) => ({
    repository: 'acme/shop',
    event: 'pull_request' as const,
    ref: 'feature/x',
    refType: 'branch' as const,
    baseBranch,
    commitSha: 'b',
  });

  it('matches branch pushes against on.push.branches', () => {
    expect(
      pipelineWantsWebhook({ push: { branches: ['main'] } }, pushOf('main')),
    ).toBe(true);
    expect(
      pipelineWantsWebhook({ push: { branches: ['main'] } }, pushOf('dev')),
    ).toBe(false);
    expect(pipelineWantsWebhook({ push: {} }, pushOf('dev'))).toBe(true);
    expect(pipelineWantsWebhook({ manual: {} }, pushOf('main'))).toBe(false);
  });

  it('matches tags only against on.push.tags, and a tags-only trigger ignores branches', () => {
    expect(
      pipelineWantsWebhook({ push: { tags: ['v*'] } }, pushOf('v1.0', 'tag')),
    ).toBe(true);
    expect(
      pipelineWantsWebhook(
        { push: { branches: ['main'] } },
        pushOf('v1.0', 'tag'),
      ),
    ).toBe(false);
    expect(
      pipelineWantsWebhook({ push: { tags: ['v*'] } }, pushOf('main')),
    ).toBe(false);
    expect(
      pipelineWantsWebhook(
        { push: { tags: ['v*'], branches: ['main'] } },
        pushOf('main'),
      ),
    ).toBe(true);
  });

  it('matches pull requests by their base branch', () => {
    expect(
      pipelineWantsWebhook(
        { pull_request: { branches: ['main'] } },
        pr('main'),
      ),
    ).toBe(true);
    expect(
      pipelineWantsWebhook({ pull_request: { branches: ['main'] } }, pr('dev')),
    ).toBe(false);
    expect(pipelineWantsWebhook({ push: {} }, pr('main'))).toBe(false);
  });
});

describe('GithubWebhookHandler delivery ids', () => {
  it('passes the delivery id on, and forgets it when the work failed so a redelivery runs', async () => {
    const seen = new Set<string>();
    const work: string[] = [];
    let fail = true;
    const logger = mockServices.logger.mock();
    const instance = new GithubWebhookHandler({
      secret,
      logger,
      recordDelivery: async id => {
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      },
      forgetDelivery: async id => {
        seen.delete(id);
      },
      onTrigger: async (_trigger, { deliveryId }) => {
        work.push(deliveryId);
        if (fail) throw new Error('the database is down');
      },
    });
    const request = {
      body: Buffer.from(push),
      event: 'push',
      deliveryId: 'redelivered',
      signature: sign(push),
    };
    const settle = () => new Promise(r => setTimeout(r, 10));

    expect((await instance.handle(request)).status).toBe(202);
    await settle();
    expect(work).toEqual(['redelivered']);
    expect(seen.has('redelivered')).toBe(false);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'delivery redelivered on acme/shop failed to trigger: Error: the database is down',
      ),
    );

    // GitHub's redelivery is done, not ignored as a duplicate; once done it is recorded.
    fail = false;
    expect((await instance.handle(request)).body).toEqual({
      accepted: true,
      deliveryId: 'redelivered',
    });
    await settle();
    expect(work).toEqual(['redelivered', 'redelivered']);
    expect(seen.has('redelivered')).toBe(true);
    expect((await instance.handle(request)).body).toEqual({
      duplicate: true,
      deliveryId: 'redelivered',
    });
    await settle();
    expect(work).toHaveLength(2);
    // The secret never reaches the log
    for (const call of [
      ...logger.error.mock.calls,
      ...logger.warn.mock.calls,
    ]) {
      expect(JSON.stringify(call)).not.toContain(secret);
    }
  });
});

describe('GithubWebhookHandler with a webhook secret per repository', () => {
  const shopSecret = 'shop-only-secret';
  const rotated = 'shop-next-secret';
  const repositorySecrets = new Map([['acme/shop', [shopSecret, rotated]]]);
  const pushTo = (repository: string, after = 'a'.repeat(40)) =>
    JSON.stringify({
      ref: 'refs/heads/main',
      after,
      repository: { full_name: repository },
      sender: { login: 'octocat' },
    });

  it("verifies a repository's delivery with its own secret, each of a rotated list", async () => {
    const { instance, triggers } = handler({ secret, repositorySecrets });
    // GitHub's names are case-insensitive: ACME/Shop is acme/shop
    const first = pushTo('ACME/Shop');
    const second = pushTo('acme/shop', 'b'.repeat(40));
    const results = [
      await instance.handle({
        body: Buffer.from(first),
        event: 'push',
        deliveryId: 'r1',
        signature: sign(first, shopSecret),
      }),
      await instance.handle({
        body: Buffer.from(second),
        event: 'push',
        deliveryId: 'r2',
        signature: sign(second, rotated),
      }),
    ];
    expect(results.map(result => result.status)).toEqual([202, 202]);
    await new Promise(r => setImmediate(r));
    expect(triggers).toHaveLength(2);
  });

  it('does not accept the global secret for a repository that has its own', async () => {
    const { instance, triggers } = handler({ secret, repositorySecrets });
    const body = pushTo('acme/shop');
    const result = await instance.handle({
      body: Buffer.from(body),
      event: 'push',
      deliveryId: 'g1',
      signature: sign(body, secret),
    });
    expect(result.status).toBe(401);
    expect(result.body.error).toContain('the secret of acme/shop');
    await new Promise(r => setImmediate(r));
    expect(triggers).toHaveLength(0);
  });

  it('verifies other repositories with the global secret, and not with another repository secret', async () => {
    const { instance } = handler({ secret, repositorySecrets });
    const body = pushTo('acme/other');
    const withShopSecret = await instance.handle({
      body: Buffer.from(body),
      event: 'push',
      deliveryId: 'o1',
      signature: sign(body, shopSecret),
    });
    expect(withShopSecret.status).toBe(401);
    const withGlobal = await instance.handle({
      body: Buffer.from(body),
      event: 'push',
      deliveryId: 'o2',
      signature: sign(body, secret),
    });
    expect(withGlobal.status).toBe(202);
  });

  it('is on with only repository secrets, and refuses repositories without one', async () => {
    const { instance } = handler({ repositorySecrets });
    expect(instance.enabled).toBe(true);
    const body = pushTo('acme/other');
    const result = await instance.handle({
      body: Buffer.from(body),
      event: 'push',
      deliveryId: 'n1',
      signature: sign(body, shopSecret),
    });
    expect(result.status).toBe(401);
    expect(result.body.error).toContain(
      'acme/other has none in pipelines.github.repositories',
    );
    // A body that is not JSON names no repository: only the global secret could verify it
    const notJson = await instance.handle({
      body: Buffer.from('{'),
      event: 'push',
      deliveryId: 'n2',
      signature: sign('{', shopSecret),
    });
    expect(notJson.status).toBe(401);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const { instance } = handler();
    const result = await instance.handle({
      body: Buffer.from('not json'),
      event: 'push',
      deliveryId: 'j1',
      signature: sign('not json'),
    });
    expect(result).toEqual({
      status: 400,
      body: { error: 'The body is not JSON' },
    });
  });
});

describe('GithubWebhookHandler and pull requests from forks', () => {
  const pullRequest = (head: Record<string, unknown>) =>
    JSON.stringify({
      action: 'opened',
      repository: { full_name: 'acme/shop' },
      pull_request: {
        number: 7,
        html_url: 'https://github.com/acme/shop/pull/7',
        head: { sha: 'd'.repeat(40), ref: 'patch-1', ...head },
        base: { ref: 'main' },
      },
      sender: { login: 'mallory' },
    });

  async function triggerOf(body: string) {
    const { instance, triggers } = handler();
    const result = await instance.handle({
      body: Buffer.from(body),
      event: 'pull_request',
      deliveryId: 'f1',
      signature: sign(body),
    });
    expect(result.status).toBe(202);
    await new Promise(r => setImmediate(r));
    expect(triggers).toHaveLength(1);
    return triggers[0] as { fork?: string };
  }

  it('marks a pull request whose head is in another repository as a fork', async () => {
    expect(
      (
        await triggerOf(
          pullRequest({ repo: { full_name: 'mallory/shop', fork: true } }),
        )
      ).fork,
    ).toBe('mallory/shop');
  });

  it('marks a pull request from a deleted fork (no head repository) as a fork', async () => {
    expect((await triggerOf(pullRequest({ repo: null }))).fork).toBe(
      '(a deleted fork)',
    );
  });

  it('leaves a pull request between branches of the same repository alone', async () => {
    const trigger = await triggerOf(
      pullRequest({ repo: { full_name: 'Acme/Shop', fork: false } }),
    );
    expect(trigger.fork).toBeUndefined();
    expect('fork' in trigger).toBe(false);
  });
});
