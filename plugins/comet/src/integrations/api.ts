import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  WiringAnnotation,
  WiringChangeResponse,
  WiringMode,
  WiringOptionsResponse,
  WiringOverride,
  WiringResponse,
} from '@internal/plugin-comet-common';

/** What the Integrations card reads and writes under `/api/comet/integrations` (as the user). */
export interface IntegrationsApi {
  getWiring(entityRef: string): Promise<WiringResponse>;
  getOptions(entityRef: string): Promise<WiringOptionsResponse>;
  changeWiring(request: {
    entityRef: string;
    annotations: Partial<Record<WiringAnnotation, string>>;
    mode: WiringMode;
  }): Promise<WiringChangeResponse>;
  removeOverride(entityRef: string): Promise<{ removed: WiringOverride }>;
}

export const integrationsApiRef = createApiRef<IntegrationsApi>().with({
  id: 'plugin.comet.integrations',
  pluginId: 'comet',
});

/** Calls the `comet` backend; a refusal or failure throws a `ResponseError` with its body. */
export class IntegrationsClient implements IntegrationsApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('comet');
    const response = await this.options.fetchApi.fetch(
      `${base}/integrations${path}`,
      init,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  getWiring(entityRef: string) {
    const query = new URLSearchParams({ entityRef });
    return this.request<WiringResponse>(`/wiring?${query}`);
  }

  getOptions(entityRef: string) {
    const query = new URLSearchParams({ entityRef });
    return this.request<WiringOptionsResponse>(`/options?${query}`);
  }

  changeWiring(request: Parameters<IntegrationsApi['changeWiring']>[0]) {
    return this.request<WiringChangeResponse>('/wiring', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  removeOverride(entityRef: string) {
    const query = new URLSearchParams({ entityRef });
    return this.request<{ removed: WiringOverride }>(`/wiring?${query}`, {
      method: 'DELETE',
    });
  }
}
