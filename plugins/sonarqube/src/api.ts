import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  EntitySonarQubeSummary,
  SonarQubeBranches,
  SonarQubeEntityTable,
  SonarQubeHotspotPage,
  SonarQubeIssuePage,
  SonarQubeMeasureHistory,
  SonarQubeProjectSummary,
  SonarQubeScope,
} from '@internal/plugin-sonarqube-common';

export type SonarQubeProjectRequest = SonarQubeScope & {
  entityRef: string;
  project?: string;
};

/** What the SonarQube UI reads from `/api/sonarqube` (the backend holds every token). */
export interface SonarQubeApi {
  getSummary(entityRef: string): Promise<EntitySonarQubeSummary>;
  getProject(
    request: SonarQubeProjectRequest,
  ): Promise<SonarQubeProjectSummary>;
  getBranches(request: {
    entityRef: string;
    project?: string;
  }): Promise<SonarQubeBranches>;
  getHistory(
    request: SonarQubeProjectRequest & { metrics?: string[] },
  ): Promise<SonarQubeMeasureHistory>;
  getIssues(
    request: SonarQubeProjectRequest & {
      types?: string[];
      severities?: string[];
      page: number;
      pageSize: number;
    },
  ): Promise<SonarQubeIssuePage>;
  getHotspots(
    request: SonarQubeProjectRequest & { page: number; pageSize: number },
  ): Promise<SonarQubeHotspotPage>;
  getTable(entityRef: string): Promise<SonarQubeEntityTable>;
}

export const sonarQubeApiRef = createApiRef<SonarQubeApi>().with({
  id: 'plugin.sonarqube.api',
  pluginId: 'sonarqube',
});

export class SonarQubeClientApi implements SonarQubeApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async get<T>(
    path: string,
    params: Record<string, string | number | string[] | undefined>,
  ): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('sonarqube');
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        if (value.length) query.set(key, value.join(','));
      } else {
        query.set(key, String(value));
      }
    }
    const response = await this.options.fetchApi.fetch(
      `${base}/${path}?${query}`,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  getSummary(entityRef: string) {
    return this.get<EntitySonarQubeSummary>('summary', { entityRef });
  }

  getProject(request: SonarQubeProjectRequest) {
    return this.get<SonarQubeProjectSummary>('project', request);
  }

  getBranches(request: { entityRef: string; project?: string }) {
    return this.get<SonarQubeBranches>('branches', request);
  }

  getHistory(request: SonarQubeProjectRequest & { metrics?: string[] }) {
    return this.get<SonarQubeMeasureHistory>('history', request);
  }

  getIssues(
    request: SonarQubeProjectRequest & {
      types?: string[];
      severities?: string[];
      page: number;
      pageSize: number;
    },
  ) {
    return this.get<SonarQubeIssuePage>('issues', request);
  }

  getHotspots(
    request: SonarQubeProjectRequest & { page: number; pageSize: number },
  ) {
    return this.get<SonarQubeHotspotPage>('hotspots', request);
  }

  getTable(entityRef: string) {
    return this.get<SonarQubeEntityTable>('table', { entityRef });
  }
}
