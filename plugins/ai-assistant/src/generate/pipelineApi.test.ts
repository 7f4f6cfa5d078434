import {
  PipelineGenerationApiError,
  PipelineGenerationClient,
} from './pipelineApi';

function client(respond: () => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const api = new PipelineGenerationClient({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return respond();
      }) as any,
    },
  });
  return { api, calls };
}

describe('PipelineGenerationClient', () => {
  it('posts the request as JSON and returns the result', async () => {
    const { api, calls } = client(
      () => new Response(JSON.stringify({ valid: true }), { status: 200 }),
    );
    await expect(
      api.generatePipeline({ description: 'd', path: 'a.yaml' }),
    ).resolves.toEqual({ valid: true });
    expect(calls).toEqual([
      {
        url: 'http://localhost:7007/api/ai-assistant/generate/pipeline',
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ description: 'd', path: 'a.yaml' }),
        },
      },
    ]);
  });

  it("rejects with the backend's message and status, or says what it got", async () => {
    const refused = client(
      () =>
        new Response(
          JSON.stringify({
            error: { message: 'set aiAssistant.provider.model' },
          }),
          { status: 503 },
        ),
    );
    const error = await refused.api
      .generatePipeline({ description: 'd' })
      .catch(e => e);
    expect(error).toBeInstanceOf(PipelineGenerationApiError);
    expect(error.message).toBe('set aiAssistant.provider.model');
    expect(error.status).toBe(503);

    const proxy = client(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
        }),
    );
    await expect(
      proxy.api.generatePipeline({ description: 'd' }),
    ).rejects.toThrow('The AI assistant answered 502 Bad Gateway');
  });
});
