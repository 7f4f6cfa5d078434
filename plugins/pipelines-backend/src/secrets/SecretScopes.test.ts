import { ConfigReader } from '@backstage/config';
import type { JsonObject, JsonValue } from '@backstage/types';
import { SecretScopes } from './SecretScopes';
import { readRepositoryWebhookSecrets } from './webhookSecrets';

const scopesOf = (secrets: JsonObject, production = false) =>
  SecretScopes.fromConfig(new ConfigReader(secrets), { production });

const target = (
  overrides: Partial<Parameters<SecretScopes['refusal']>[1]> = {},
) => ({
  entityRef: 'component:default/payments-api',
  owners: () => ['group:default/payments'],
  environments: [],
  ...overrides,
});

describe('SecretScopes.fromConfig', () => {
  it('accepts a plain string outside production, for every entity', async () => {
    const scopes = scopesOf({ NPM_TOKEN: 'npm-value' });
    expect(scopes.names()).toEqual(['NPM_TOKEN']);
    expect(
      await scopes.grant(['NPM_TOKEN'], target({ entityRef: 'component:x/y' })),
    ).toEqual({ secrets: { NPM_TOKEN: 'npm-value' }, refused: [] });
  });

  it('refuses a plain string in production, naming the key and not the value', () => {
    expect(() => scopesOf({ NPM_TOKEN: 'npm-value' }, true)).toThrow(
      /^pipelines\.secrets\.NPM_TOKEN is a plain string, .* in production each secret needs a scope/,
    );
    expect(() => scopesOf({ NPM_TOKEN: 'npm-value' }, true)).not.toThrow(
      /npm-value/,
    );
  });

  it('accepts a scoped secret in production and normalizes its refs', () => {
    const scopes = scopesOf(
      {
        DEPLOY: {
          value: 'deploy-value',
          owners: ['Payments'],
          entities: ['component:Shared-Lib'],
          environments: ['production'],
        },
      },
      true,
    );
    expect(scopes.values()).toEqual(['deploy-value']);
  });

  it.each([
    [{ X: { owners: ['a'] } }, 'pipelines.secrets.X.value is missing or empty'],
    [{ X: { value: 'v', owners: [] } }, 'pipelines.secrets.X.owners is empty'],
    [
      { X: { value: 'v', environment: ['prod'] } },
      'pipelines.secrets.X has unknown field(s) environment',
    ],
    [{ X: ['v'] }, 'pipelines.secrets.X must be a string or { value'],
    [
      { X: { value: 'v', entities: ['ledger'] } },
      'pipelines.secrets.X.entities: "ledger" is not an entity ref',
    ],
    [{ '1X': 'v' }, 'pipelines.secrets.1X: a secret name'],
  ])('refuses %j', (config, message) => {
    expect(() => scopesOf(config)).toThrow(message);
  });
});

describe('SecretScopes scope decisions', () => {
  const scopes = scopesOf({
    TEAM: { value: 'team-value', owners: ['payments'] },
    ONE: { value: 'one-value', entities: ['component:default/ledger'] },
    BOTH: {
      value: 'both-value',
      owners: ['group:default/payments'],
      entities: ['component:default/ledger'],
    },
    PROD: {
      value: 'prod-value',
      owners: ['payments'],
      environments: ['production'],
    },
  });

  it("gives an owner-scoped secret to the owning group's entity only", async () => {
    expect(await scopes.refusal('TEAM', target())).toBeUndefined();
    expect(
      await scopes.refusal(
        'TEAM',
        target({
          entityRef: 'component:default/storefront',
          owners: () => ['group:default/web'],
        }),
      ),
    ).toBe(
      'secret "TEAM" is only for entities owned by group:default/payments, not for component:default/storefront, whose owners are group:default/web',
    );
  });

  it('gives an entity-scoped secret to that entity only, without asking for owners', async () => {
    const owners = jest.fn(() => ['group:default/payments']);
    expect(
      await scopes.refusal(
        'ONE',
        target({ entityRef: 'Component:default/Ledger', owners }),
      ),
    ).toBeUndefined();
    expect(owners).not.toHaveBeenCalled();
    expect(await scopes.refusal('ONE', target())).toBe(
      'secret "ONE" is only for component:default/ledger, not for component:default/payments-api',
    );
  });

  it('gives a secret with owners and entities to either', async () => {
    expect(await scopes.refusal('BOTH', target())).toBeUndefined();
    expect(
      await scopes.refusal(
        'BOTH',
        target({
          entityRef: 'component:default/ledger',
          owners: () => [],
        }),
      ),
    ).toBeUndefined();
    expect(
      await scopes.refusal(
        'BOTH',
        target({ entityRef: 'component:default/x', owners: () => [] }),
      ),
    ).toBe(
      'secret "BOTH" is only for entities owned by group:default/payments and component:default/ledger, not for component:default/x, whose owners are unknown to the catalog',
    );
  });

  it('gives an environment-scoped secret only after a gate of that environment', async () => {
    expect(await scopes.refusal('PROD', target())).toBe(
      'secret "PROD" is only for jobs after an approved gate of environment production, and this job waits for no approved gate with an environment',
    );
    expect(
      await scopes.refusal('PROD', target({ environments: ['staging'] })),
    ).toContain('and this job runs in staging');
    expect(
      await scopes.refusal(
        'PROD',
        target({ environments: ['staging', 'production'] }),
      ),
    ).toBeUndefined();
  });

  it('names an unknown secret', async () => {
    expect(await scopes.refusal('NOPE', target())).toBe(
      'secret "NOPE" is not configured (pipelines.secrets.NOPE)',
    );
  });

  it('grants the allowed ones, refuses the rest, and asks for owners once', async () => {
    const owners = jest.fn(async () => ['group:default/payments']);
    const grant = await scopes.grant(['TEAM', 'PROD', 'TEAM', 'ONE'], {
      entityRef: 'component:default/payments-api',
      owners,
      environments: [],
    });
    expect(grant.secrets).toEqual({ TEAM: 'team-value' });
    expect(grant.refused.map(refusal => refusal.name)).toEqual(['PROD', 'ONE']);
    expect(JSON.stringify(grant.refused)).not.toMatch(/-value/);
    expect(owners).toHaveBeenCalledTimes(1);
  });
});

describe('readRepositoryWebhookSecrets', () => {
  const read = (github: JsonValue) =>
    readRepositoryWebhookSecrets(new ConfigReader({ github }));

  it('reads a secret or a list per repository, case-insensitively', () => {
    expect(
      read({
        repositories: {
          'Acme/Shop': { webhookSecret: 'one' },
          'acme/my.repo': { webhookSecret: ['old', 'new'] },
        },
      }),
    ).toEqual(
      new Map([
        ['acme/shop', ['one']],
        ['acme/my.repo', ['old', 'new']],
      ]),
    );
    expect(read({}).size).toBe(0);
    expect(readRepositoryWebhookSecrets(undefined).size).toBe(0);
  });

  it.each([
    [{ repositories: ['acme/shop'] }, 'must be a map of "owner/repo"'],
    [
      { repositories: { shop: { webhookSecret: 'x' } } },
      'pipelines.github.repositories["shop"]: expected a repository\'s full name',
    ],
    [
      { repositories: { 'acme/shop': { webhookSecret: '' } } },
      'pipelines.github.repositories["acme/shop"].webhookSecret must be a non-empty string',
    ],
    [
      { repositories: { 'acme/shop': { webhookSecret: [] } } },
      'must be a non-empty string or a list of them',
    ],
    [
      {
        repositories: {
          'acme/shop': { webhookSecret: 'a' },
          'ACME/shop': { webhookSecret: 'b' },
        },
      },
      'is listed twice',
    ],
  ])('refuses %j', (github, message) => {
    expect(() => read(github)).toThrow(message);
  });
});
