import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { CometWiringOverrideProcessor } from './CometWiringOverrideProcessor';
import { WiringOverrides } from './WiringOverrides';

const PAYMENTS = 'component:default/payments-api';

function entity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

function setup(
  answers: Array<{ status: number; body?: unknown } | Error>,
  cacheTtlMs?: number,
) {
  let now = 1_000_000;
  const calls: Array<{ url: string; authorization?: string }> = [];
  const logger = mockServices.logger.mock();
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({
      url,
      authorization: (init.headers as Record<string, string>).authorization,
    });
    const answer = answers.shift();
    if (!answer) throw new Error('no answer left');
    if (answer instanceof Error) throw answer;
    return {
      ok: answer.status < 400,
      status: answer.status,
      json: async () => answer.body,
    };
  }) as unknown as typeof fetch;
  const overrides = WiringOverrides.create({
    discovery: mockServices.discovery(),
    auth: mockServices.auth({ pluginId: 'catalog' }),
    logger,
    fetch: fetchImpl,
    clock: { now: () => now },
    cacheTtlMs,
  });
  return {
    overrides,
    processor: new CometWiringOverrideProcessor(overrides),
    calls,
    logger,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const OVERRIDE = {
  entityRef: PAYMENTS,
  annotations: {
    'jira/project-key': 'SHOP',
    'comet.dev/test-suites': 'payments-checkout',
    // Never taken from an override, whatever is stored
    'backstage.io/source-location': 'url:https://evil.example/repo',
  },
  updatedBy: 'user:default/ada',
  updatedAt: '2026-06-01T10:00:00.000Z',
};

describe('CometWiringOverrideProcessor', () => {
  it('merges an override into the annotations and lists its keys, never the source location', async () => {
    const { processor, calls } = setup([
      { status: 200, body: { overrides: [OVERRIDE] } },
    ]);
    const before = entity({
      'jira/project-key': 'PAY',
      'backstage.io/source-location':
        'url:https://github.com/comet-examples/payments-api',
      'github.com/project-slug': 'comet-examples/payments-api',
    });
    const after = await processor.preProcessEntity(before);
    expect(after.metadata.annotations).toEqual({
      'jira/project-key': 'SHOP',
      'comet.dev/test-suites': 'payments-checkout',
      'backstage.io/source-location':
        'url:https://github.com/comet-examples/payments-api',
      'github.com/project-slug': 'comet-examples/payments-api',
      'comet.dev/overridden-annotations':
        'comet.dev/test-suites,jira/project-key',
    });
    // The input is not changed in place
    expect(before.metadata.annotations!['jira/project-key']).toBe('PAY');
    expect(calls).toEqual([
      {
        url: 'http://localhost:0/api/comet/integrations/overrides',
        authorization: expect.stringMatching(/^Bearer .+/),
      },
    ]);
    expect(processor.getProcessorName()).toBe('CometWiringOverrideProcessor');
  });

  it('leaves entities without an override, or with only foreign keys, as they are', async () => {
    const { processor } = setup([
      {
        status: 200,
        body: {
          overrides: [
            {
              ...OVERRIDE,
              annotations: { 'backstage.io/source-location': 'url:x' },
            },
          ],
        },
      },
    ]);
    const own = entity({ 'jira/project-key': 'PAY' });
    expect(await processor.preProcessEntity(own)).toBe(own);
    const other = {
      ...entity(),
      metadata: { name: 'ledger', namespace: 'default' },
    };
    expect(await processor.preProcessEntity(other)).toBe(other);
  });

  it('reads once per 30 s at most, for every entity processed meanwhile', async () => {
    const { processor, calls, advance } = setup(
      [
        { status: 200, body: { overrides: [] } },
        { status: 200, body: { overrides: [OVERRIDE] } },
      ],
      60_000,
    );
    const plain = entity({ 'jira/project-key': 'PAY' });
    await Promise.all([
      processor.preProcessEntity(plain),
      processor.preProcessEntity(plain),
    ]);
    advance(29_999);
    expect(await processor.preProcessEntity(plain)).toBe(plain);
    expect(calls).toHaveLength(1);
    // The TTL is capped at 30 s even when asked for more
    advance(1);
    const after = await processor.preProcessEntity(plain);
    expect(after.metadata.annotations!['jira/project-key']).toBe('SHOP');
    expect(calls).toHaveLength(2);
  });

  it('keeps what it had when the Comet backend fails, and logs once per failure streak', async () => {
    const { processor, logger, advance, calls } = setup([
      { status: 200, body: { overrides: [OVERRIDE] } },
      { status: 503 },
      new Error('connect ECONNREFUSED'),
      { status: 200, body: { overrides: [] } },
      { status: 200, body: {} },
    ]);
    const plain = entity({ 'jira/project-key': 'PAY' });
    expect(
      (await processor.preProcessEntity(plain)).metadata.annotations![
        'jira/project-key'
      ],
    ).toBe('SHOP');

    advance(30_000);
    const kept = await processor.preProcessEntity(plain);
    expect(kept.metadata.annotations!['jira/project-key']).toBe('SHOP');
    advance(30_000);
    await processor.preProcessEntity(plain);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'Comet wiring overrides cannot be read, so entities keep the overrides last read until they can: http://localhost:0/api/comet/integrations/overrides answered 503',
    );

    advance(30_000);
    expect(await processor.preProcessEntity(plain)).toBe(plain);
    expect(logger.info).toHaveBeenCalledWith(
      'Comet wiring overrides are read again from the Comet backend',
    );

    // An answer without a list is a failure too
    advance(30_000);
    expect(await processor.preProcessEntity(plain)).toBe(plain);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith(
      'Comet wiring overrides cannot be read, so entities keep their own annotations until they can: http://localhost:0/api/comet/integrations/overrides answered without an overrides list',
    );
    expect(calls).toHaveLength(5);
  });
});
