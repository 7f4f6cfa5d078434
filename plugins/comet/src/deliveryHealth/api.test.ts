import { ResponseError } from '@backstage/errors';
import { DeliveryHealthClient } from './api';
import { groupHealth, healthyEntity } from './__testUtils__/fixtures';

type Call = { url: string; init?: RequestInit };

function client(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const api = new DeliveryHealthClient({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (async (url: string, init?: RequestInit) => {
        const call = { url, init };
        calls.push(call);
        return answer(call);
      }) as any,
    },
  });
  return { api, calls };
}

const json = (body: unknown, status = 200, statusText = 'OK') =>
  new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' },
  });

describe('DeliveryHealthClient', () => {
  it('reads an entity with GET /entity and its ref encoded in the query', async () => {
    const { api, calls } = client(() => json(healthyEntity()));
    const health = await api.getEntityHealth('component:default/payments api');
    expect(health.title).toBe('payments-api');
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe(
      'http://localhost:7007/api/comet/entity?entityRef=component%3Adefault%2Fpayments+api',
    );
    expect(calls[0].init?.method).toBeUndefined();
  });

  it('reads a group with POST /group and a JSON body', async () => {
    const { api, calls } = client(() => json(groupHealth({ truncated: true })));
    const group = await api.getGroupHealth('group:default/payments-team');
    expect(group.truncated).toBe(true);
    expect(group.entities.map(e => e.title)).toEqual([
      'billing',
      'payments-api',
    ]);
    expect(calls[0].url).toBe('http://localhost:7007/api/comet/group');
    expect(calls[0].init?.method).toBe('POST');
    expect(new Headers(calls[0].init?.headers).get('Content-Type')).toBe(
      'application/json',
    );
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({
      groupRef: 'group:default/payments-team',
    });
  });

  it("throws a ResponseError carrying the backend's message", async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'InputError',
            message: 'groupRef: component:default/x is not a Group',
          },
          request: { method: 'POST', url: '/api/comet/group' },
          response: { statusCode: 400 },
        },
        400,
        'Bad Request',
      ),
    );
    const failure = await api
      .getGroupHealth('component:default/x')
      .catch(e => e);
    expect(failure).toBeInstanceOf(ResponseError);
    expect(failure.statusCode).toBe(400);
    expect(failure.body.error.message).toBe(
      'groupRef: component:default/x is not a Group',
    );
  });
});
