import { mockServices } from '@backstage/backend-test-utils';
import { audited } from './audited';

function recordingAuditor() {
  const calls: Array<{ kind: string; value: unknown }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async event => {
      calls.push({ kind: 'create', value: event });
      return {
        success: async options => {
          calls.push({ kind: 'success', value: options });
        },
        fail: async options => {
          calls.push({ kind: 'fail', value: options });
        },
      };
    },
  });
  return { auditor, calls };
}

describe('audited', () => {
  it('records success with the meta of the result', async () => {
    const { auditor, calls } = recordingAuditor();
    const result = await audited(
      auditor,
      { eventId: 'run-trigger', meta: { entityRef: 'component:default/a' } },
      async () => ({ runId: 'r1' }),
      run => ({ runId: run.runId }),
    );
    expect(result).toEqual({ runId: 'r1' });
    expect(calls).toEqual([
      {
        kind: 'create',
        value: {
          eventId: 'run-trigger',
          severityLevel: 'medium',
          meta: { entityRef: 'component:default/a' },
        },
      },
      { kind: 'success', value: { meta: { runId: 'r1' } } },
    ]);
  });

  it('records the failure and throws the error on', async () => {
    const { auditor, calls } = recordingAuditor();
    const error = new Error('boom');
    await expect(
      audited(auditor, { eventId: 'build-abort' }, async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls[1]).toEqual({ kind: 'fail', value: { error } });
  });
});
