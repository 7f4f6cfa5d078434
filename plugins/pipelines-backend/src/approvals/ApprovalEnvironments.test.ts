import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import {
  ApprovalEnvironments,
  normalizeApproverRef,
} from './ApprovalEnvironments';

const read = (environments: JsonObject) =>
  ApprovalEnvironments.fromConfig(
    new ConfigReader({ pipelines: { environments } }),
  );

describe('ApprovalEnvironments', () => {
  it('reads each environment with its approvers in one spelling', () => {
    const environments = read({
      production: {
        approvers: ['group:Payments-Team', 'user:default/alice'],
      },
      'staging_eu-1': { approvers: ['group:ops/oncall'] },
    });
    expect(environments.names()).toEqual(['production', 'staging_eu-1']);
    expect(environments.approversOf('production')).toEqual([
      'group:default/payments-team',
      'user:default/alice',
    ]);
    expect(environments.approversOf('staging_eu-1')).toEqual([
      'group:ops/oncall',
    ]);
    expect(environments.approversOf('qa')).toBeUndefined();
  });

  it('has no environment without config', () => {
    expect(ApprovalEnvironments.fromConfig(undefined).names()).toEqual([]);
    expect(
      ApprovalEnvironments.fromConfig(new ConfigReader({})).names(),
    ).toEqual([]);
  });

  it('refuses a bad entry, naming its key', () => {
    expect(() => read({ production: { approvers: [] } })).toThrow(
      'pipelines.environments.production.approvers must list at least one user or group ref',
    );
    expect(() => read({ production: {} })).toThrow(
      'pipelines.environments.production.approvers must list at least one',
    );
    expect(() =>
      read({ production: { approvers: ['group:default/ops', 'ops'] } }),
    ).toThrow(
      'pipelines.environments.production.approvers[1]: "ops" is not a user or group ref; expected user:<namespace>/<name> or group:<namespace>/<name>',
    );
    expect(() =>
      read({ production: { approvers: ['component:default/x'] } }),
    ).toThrow('pipelines.environments.production.approvers[0]');
    expect(() =>
      read({ production: { approvers: ['group:ops'], reviewers: ['x'] } }),
    ).toThrow(
      'pipelines.environments.production.reviewers is not a setting of an environment; expected approvers',
    );
    expect(() => read({ '-prod': { approvers: ['group:ops'] } })).toThrow(
      'pipelines.environments.-prod: "-prod" is not a valid environment name',
    );
  });

  it('normalizes only user and group refs', () => {
    expect(normalizeApproverRef('User:Default/Alice')).toBe(
      'user:default/alice',
    );
    expect(normalizeApproverRef('group:team')).toBe('group:default/team');
    expect(normalizeApproverRef('team')).toBeUndefined();
    expect(normalizeApproverRef('api:default/x')).toBeUndefined();
    expect(normalizeApproverRef('user:')).toBeUndefined();
  });
});
