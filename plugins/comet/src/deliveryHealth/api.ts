import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  EntityDeliveryHealth,
  GroupDeliveryHealth,
} from '@internal/plugin-comet-common';

/** What the delivery-health card and table read from `/api/comet` (as the signed-in user). */
export interface DeliveryHealthApi {
  /** One entity's figures: `GET /entity?entityRef=…`. */
  getEntityHealth(entityRef: string): Promise<EntityDeliveryHealth>;
  /** A group's owned components with their figures: `POST /group { groupRef }`. */
  getGroupHealth(groupRef: string): Promise<GroupDeliveryHealth>;
}

export const deliveryHealthApiRef = createApiRef<DeliveryHealthApi>().with({
  id: 'plugin.comet.delivery-health',
  pluginId: 'comet',
});

export type DeliveryHealthClientOptions = {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
};

/** Calls the `comet` backend; a refusal or failure throws a `ResponseError` with its body. */
export class DeliveryHealthClient implements DeliveryHealthApi {
  constructor(private readonly options: DeliveryHealthClientOptions) {}

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('comet');
    const response = await this.options.fetchApi.fetch(`${base}${path}`, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  getEntityHealth(entityRef: string) {
    const query = new URLSearchParams({ entityRef });
    return this.request<EntityDeliveryHealth>(`/entity?${query}`);
  }

  getGroupHealth(groupRef: string) {
    return this.request<GroupDeliveryHealth>('/group', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ groupRef }),
    });
  }
}
