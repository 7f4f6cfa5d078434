import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import {
  ResourceScopes,
  type ScopeFamily,
  wildcardMatch,
} from './ResourceScopes';

const jenkins: ScopeFamily = {
  id: 'jenkins',
  annotation: 'jenkins.io/job-full-name',
  instanceSeparator: ':',
  defaultInstance: () => 'default',
};
const sonarqube: ScopeFamily = {
  id: 'sonarqube',
  annotation: 'sonarqube.org/project-key',
  instanceSeparator: '/',
  defaultInstance: () => 'default',
};

function entity(owner: string | undefined, namespace?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'ledger', namespace },
    spec: { owner },
  };
}

const scopes = ResourceScopes.fromConfig(
  new ConfigReader({
    comet: {
      resourceScopes: {
        'payments-team': {
          jenkins: ['payments/*', 'legacy:payments-legacy/*'],
          sonarqube: ['payments-*', 'sonarcloud/acme-payments'],
        },
        'finance--ledger-team': { jenkins: ['*:ledger/*'] },
      },
    },
  }),
);

describe('ResourceScopes', () => {
  it('enforces nothing when comet.resourceScopes is not configured', () => {
    const none = ResourceScopes.fromConfig(new ConfigReader({}));
    expect(none.enforced).toBe(false);
    expect(
      none.refusal(entity('other-team'), jenkins, {
        instance: 'default',
        name: 'payments/deploy',
        source: 'payments/deploy',
      }),
    ).toBeUndefined();
  });

  it("allows resources within the owner group's scopes, on the default instance", () => {
    expect(scopes.enforced).toBe(true);
    const payments = entity('payments-team');
    expect(
      scopes.refusal(payments, jenkins, {
        instance: 'default',
        name: 'payments/deploy/main',
        source: 'payments/deploy/main',
      }),
    ).toBeUndefined();
    expect(
      scopes.refusal(entity('group:default/payments-team'), sonarqube, {
        instance: 'default',
        name: 'payments-api',
        source: 'payments-api',
      }),
    ).toBeUndefined();
    expect(
      scopes.refusal(payments, sonarqube, {
        instance: 'sonarcloud',
        name: 'acme-payments',
        source: 'sonarcloud/acme-payments',
      }),
    ).toBeUndefined();
  });

  it('refuses the same name on another instance than the pattern names', () => {
    const message = scopes.refusal(entity('payments-team'), jenkins, {
      instance: 'legacy',
      name: 'payments/deploy',
      source: 'legacy:payments/deploy',
    });
    expect(message).toBe(
      'jenkins.io/job-full-name entry "legacy:payments/deploy" of component:default/ledger is refused: legacy:payments/deploy is outside the scopes of group:default/payments-team (comet.resourceScopes.payments-team.jenkins: payments/*, legacy:payments-legacy/*)',
    );
  });

  it("refuses another team's resource, naming the key to configure", () => {
    expect(
      scopes.refusal(entity('storefront-team'), jenkins, {
        instance: 'default',
        name: 'payments/deploy',
        source: 'payments/deploy',
      }),
    ).toMatch(
      /outside the scopes of group:default\/storefront-team \(comet\.resourceScopes\.storefront-team\.jenkins: none\)/,
    );
    expect(
      scopes.refusal(entity('payments-team'), sonarqube, {
        instance: 'default',
        name: 'storefront-web',
        source: 'storefront-web',
      }),
    ).toMatch(/outside the scopes/);
  });

  it('refuses entities owned by a user, not a group', () => {
    expect(
      scopes.refusal(entity('user:default/guest'), jenkins, {
        instance: 'default',
        name: 'payments/deploy',
        source: 'payments/deploy',
      }),
    ).toMatch(/the entity's owner is not a group/);
    expect(
      scopes.refusal(entity(undefined), jenkins, {
        instance: 'default',
        name: 'x',
        source: 'x',
      }),
    ).toMatch(/not a group/);
  });

  it('keys groups of other namespaces as namespace--name, and * matches any instance', () => {
    expect(
      scopes.refusal(entity('ledger-team', 'finance'), jenkins, {
        instance: 'legacy',
        name: 'ledger/nightly',
        source: 'legacy:ledger/nightly',
      }),
    ).toBeUndefined();
    expect(
      scopes.refusal(entity('ledger-team'), jenkins, {
        instance: 'legacy',
        name: 'ledger/nightly',
        source: 'legacy:ledger/nightly',
      }),
    ).toMatch(/comet\.resourceScopes\.ledger-team\.jenkins: none/);
  });

  it('treats an unresolvable default instance as matching no instance-less pattern', () => {
    const broken: ScopeFamily = {
      ...jenkins,
      defaultInstance: () => {
        throw new Error('several instances, none called default');
      },
    };
    expect(
      scopes.refusal(entity('payments-team'), broken, {
        instance: 'ci',
        name: 'payments/deploy',
        source: 'ci:payments/deploy',
      }),
    ).toMatch(/outside the scopes/);
  });

  describe('refusalForGroups', () => {
    const jira: ScopeFamily = {
      id: 'jira',
      annotation: 'jira/project-key',
      instanceSeparator: '/',
      defaultInstance: () => 'default',
    };
    const jiraScopes = ResourceScopes.fromConfig(
      new ConfigReader({
        comet: {
          resourceScopes: {
            'payments-team': { jira: ['PAY', 'LEDG'], jenkins: ['SHOP'] },
            'storefront-team': { jira: ['SHOP', 'cloud/WEB*'] },
            'finance--ledger-team': { jira: ['*/LEDG'] },
            guest: { jira: ['*'] },
          },
        },
      }),
    );
    const project = (name: string, instance = 'default') => ({
      instance,
      name,
    });

    it('enforces nothing when comet.resourceScopes is not configured', () => {
      const none = ResourceScopes.fromConfig(new ConfigReader({}));
      expect(
        none.refusalForGroups([], jira, project('ANYTHING')),
      ).toBeUndefined();
    });

    it("allows a resource within the scopes of any one of the user's groups", () => {
      const guest = [
        'user:default/guest',
        'group:default/payments-team',
        'group:default/storefront-team',
      ];
      for (const key of ['PAY', 'LEDG', 'SHOP']) {
        expect(
          jiraScopes.refusalForGroups(guest, jira, project(key)),
        ).toBeUndefined();
      }
      expect(
        jiraScopes.refusalForGroups(guest, jira, project('WEBSHOP', 'cloud')),
      ).toBeUndefined();
      // Refs are compared as Backstage writes them, ignoring case
      expect(
        jiraScopes.refusalForGroups(
          ['Group:Default/Payments-Team'],
          jira,
          project('PAY'),
        ),
      ).toBeUndefined();
      // Another namespace's group, on any instance
      expect(
        jiraScopes.refusalForGroups(
          ['group:finance/ledger-team'],
          jira,
          project('LEDG', 'cloud'),
        ),
      ).toBeUndefined();
    });

    it("refuses what is outside every group's scopes, naming each group's key and patterns", () => {
      expect(
        jiraScopes.refusalForGroups(
          [
            'user:default/alan',
            'group:default/payments-team',
            'group:default/platform-team',
          ],
          jira,
          project('SHOP'),
        ),
      ).toBe(
        'default/SHOP is outside the jira scopes of group:default/payments-team, group:default/platform-team (comet.resourceScopes.payments-team.jira: PAY, LEDG; comet.resourceScopes.platform-team.jira: none)',
      );
      // An instance-less pattern is the default instance's only
      expect(
        jiraScopes.refusalForGroups(
          ['group:default/payments-team'],
          jira,
          project('PAY', 'cloud'),
        ),
      ).toMatch(
        /^cloud\/PAY is outside the jira scopes of group:default\/payments-team /,
      );
      expect(
        jiraScopes.refusalForGroups(
          ['group:finance/ledger-team'],
          jira,
          project('PAY'),
        ),
      ).toBe(
        'default/PAY is outside the jira scopes of group:finance/ledger-team (comet.resourceScopes.finance--ledger-team.jira: */LEDG)',
      );
    });

    it("gives a user's own ref nothing of a group of the same name", () => {
      // comet.resourceScopes.guest is a group's key; user:default/guest is not that group
      expect(
        jiraScopes.refusalForGroups(
          ['user:default/guest'],
          jira,
          project('PAY'),
        ),
      ).toBe(
        'default/PAY is outside the jira scopes: only groups have scopes (comet.resourceScopes.<group>.jira), and none of user:default/guest is a group',
      );
      expect(jiraScopes.refusalForGroups([], jira, project('PAY'))).toBe(
        'default/PAY is outside the jira scopes: only groups have scopes (comet.resourceScopes.<group>.jira), and no group was given',
      );
      // Malformed refs count as no group
      expect(
        jiraScopes.refusalForGroups(['payments-team'], jira, project('PAY')),
      ).toMatch(/none of payments-team is a group$/);
      expect(
        jiraScopes.refusalForGroups(
          ['group:default/guest'],
          jira,
          project('PAY'),
        ),
      ).toBeUndefined();
    });

    it("counts only the family's own patterns", () => {
      // payments-team's jenkins scopes name SHOP; its jira scopes do not
      expect(
        jiraScopes.refusalForGroups(
          ['group:default/payments-team'],
          jira,
          project('SHOP'),
        ),
      ).toMatch(/outside the jira scopes/);
    });
  });

  it('rejects malformed configuration, naming the key', () => {
    expect(() =>
      ResourceScopes.fromConfig(
        new ConfigReader({ comet: { resourceScopes: ['x'] } }),
      ),
    ).toThrow('comet.resourceScopes must be a map');
    expect(() =>
      ResourceScopes.fromConfig(
        new ConfigReader({ comet: { resourceScopes: { team: 'x' } } }),
      ),
    ).toThrow('comet.resourceScopes.team must be a map');
    expect(() =>
      ResourceScopes.fromConfig(
        new ConfigReader({
          comet: { resourceScopes: { team: { jenkins: ['ok', ''] } } },
        }),
      ),
    ).toThrow('comet.resourceScopes.team.jenkins must be a list');
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['payments/*', 'payments/deploy', true],
    ['payments/*', 'payments/a/b', true],
    ['payments/*', 'payments', false],
    ['payments', 'payments', true],
    ['pay*-api', 'payments-api', true],
    ['pay*-api', 'payments-web', false],
    ['*', '', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['', 'x', false],
  ])('%s ~ %s = %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it('answers a pathological pattern on a long name without backtracking blow-up', () => {
    const text = 'a'.repeat(20_000);
    expect(wildcardMatch(`${'a*'.repeat(20)}b`, text)).toBe(false);
  });
});
