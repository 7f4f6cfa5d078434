import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { PipelinesService } from '../service/PipelinesService';
import { registerActions } from './registerActions';

type Registered = Parameters<ActionsRegistryService['register']>[0];

function register(service: Partial<PipelinesService> = {}) {
  const actions: Registered[] = [];
  registerActions(
    { register: (action: Registered) => actions.push(action) } as any,
    service as PipelinesService,
  );
  return actions;
}

describe('registerActions', () => {
  it('marks each pipelines action read-only, destructive and idempotent as it is', () => {
    const attributes = Object.fromEntries(
      register().map(action => [action.name, action.attributes]),
    );
    expect(attributes).toEqual({
      'list-runs': { readOnly: true, destructive: false, idempotent: true },
      'get-run': { readOnly: true, destructive: false, idempotent: true },
      'get-run-logs': { readOnly: true, destructive: false, idempotent: true },
      'trigger-run': { readOnly: false, destructive: false, idempotent: false },
      'cancel-run': { readOnly: false, destructive: true, idempotent: false },
      // A rejection fails the run irreversibly.
      'approve-run': { readOnly: false, destructive: true, idempotent: false },
      'list-pipeline-files': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'validate-pipeline': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
    });
  });

  it('decides a gate with the caller’s own credentials', async () => {
    const decide = jest.fn(async () => ({ runId: 'r1', status: 'failed' }));
    const approve = register({ decide } as any).find(
      a => a.name === 'approve-run',
    )!;
    const credentials = mockCredentials.user('user:default/alice');
    const input = { runId: 'r1', jobRunId: 'prod', decision: 'reject' };
    await expect(
      approve.action({ input, credentials, logger: {} } as any),
    ).resolves.toEqual({ output: { run: { runId: 'r1', status: 'failed' } } });
    expect(decide).toHaveBeenCalledWith(credentials, input);
  });
});
