import type {
  AuditorService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { EntityAccess } from '@internal/backend-common';
import type { TestSuiteDefinition } from '@internal/plugin-test-recorder-common';
import type { Knex } from 'knex';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  OpenRecordingRequest,
  RecordingSessionInfo,
} from '../../recorder/RecordingSessions';
import { DatabaseTestRecorderStore } from '../../store/DatabaseTestRecorderStore';
import { SecretsCipher } from '../../store/SecretsCipher';
import { ArtifactSigner } from '../ArtifactSigner';
import {
  type RecordingSessionsLike,
  TestRecorderService,
} from '../TestRecorderService';

export const STOREFRONT = 'component:default/storefront-web';
export const PAYMENTS = 'component:default/payments-api';
export const NO_SOURCE = 'component:default/no-source';
export const BAD_ANNOTATION = 'component:default/bad-annotation';
export const ADA = 'user:default/ada';
export const BOB = 'user:default/bob';
export const CONFIG_SECRET = 'config-secret-value-never-shown';

const TABLES = [
  'test_recorder_baselines',
  'test_recorder_artifacts',
  'test_recorder_test_results',
  'test_recorder_runs',
  'test_recorder_files',
  'test_recorder_secrets',
  'test_recorder_quarantine',
  'test_recorder_suite_versions',
  'test_recorder_suites',
];

function component(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'website', owner: 'team-a', lifecycle: 'production' },
  };
}

/** The catalog the tests see: entities with and without suites and sources. */
export function testEntities(): Entity[] {
  return [
    component('storefront-web', {
      'comet.dev/test-suites':
        'storefront-checkout, payments-smoke ghost-suite',
      'backstage.io/source-location':
        'url:https://github.com/acme/storefront/tree/main/',
    }),
    component('payments-api', {
      'backstage.io/source-location':
        'url:https://github.com/acme/payments/tree/main/',
    }),
    component('no-source'),
    component('bad-annotation', { 'comet.dev/test-suites': 'Not A Name!' }),
  ];
}

/**
 * A valid suite: `checkout` types the ACCOUNT_PASSWORD secret and checks a screenshot,
 * `search` only navigates.
 */
export function suiteDefinition(
  name: string,
  over: Partial<TestSuiteDefinition> = {},
): TestSuiteDefinition {
  return {
    name,
    title: `Suite ${name}`,
    baseUrl: 'http://127.0.0.1:4173',
    secrets: ['ACCOUNT_PASSWORD'],
    tests: [
      {
        id: 'checkout',
        name: 'Checkout',
        steps: [
          { id: 's1', action: 'navigate', url: '/' },
          {
            id: 's2',
            action: 'fill',
            target: { locator: { kind: 'testId', value: 'password' } },
            secret: 'ACCOUNT_PASSWORD',
          },
          { id: 's3', action: 'assertScreenshot', name: 'cart' },
        ],
      },
      {
        id: 'search',
        name: 'Search',
        steps: [{ id: 's1', action: 'navigate', url: '/search' }],
      },
    ],
    ...over,
  };
}

/** A suite without secrets: runs need nothing set. */
export function plainDefinition(
  name: string,
  over: Partial<TestSuiteDefinition> = {},
): TestSuiteDefinition {
  return {
    name,
    baseUrl: 'http://127.0.0.1:4173',
    tests: [
      {
        id: 'home',
        name: 'Home',
        steps: [{ id: 's1', action: 'navigate', url: '/' }],
      },
    ],
    ...over,
  };
}

export type AuditRecord = {
  eventId: string;
  status: 'success' | 'fail';
  meta: Record<string, unknown>;
  error?: string;
};

/** Records each audit event with its outcome. */
export function fakeAuditor(): AuditorService & { events: AuditRecord[] } {
  const events: AuditRecord[] = [];
  return {
    events,
    async createEvent(event) {
      const meta = { ...(event.meta ?? {}) } as Record<string, unknown>;
      return {
        async success(options) {
          events.push({
            eventId: event.eventId,
            status: 'success',
            meta: { ...meta, ...(options?.meta ?? {}) },
          });
        },
        async fail(options) {
          events.push({
            eventId: event.eventId,
            status: 'fail',
            meta,
            error: options.error.message,
          });
        },
      };
    },
  };
}

/** Allows every permission except those named in `denied`. */
export function fakePermissions(denied: Set<string>): PermissionsService {
  const answer = (requests: Array<{ permission: { name: string } }>) =>
    requests.map(request => ({
      result: denied.has(request.permission.name)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    }));
  return {
    authorize: async (requests: any[]) => answer(requests),
    authorizeConditional: async (requests: any[]) => answer(requests),
  } as unknown as PermissionsService;
}

/** Recording sessions without a browser: what was asked, and sessions by id. */
export class FakeRecordings implements RecordingSessionsLike {
  readonly opened: OpenRecordingRequest[] = [];
  readonly closed: string[] = [];
  readonly sessions = new Map<string, RecordingSessionInfo>();
  pending: Record<string, string> = {};

  async open(request: OpenRecordingRequest) {
    const sessionId = `session-${this.opened.length + 1}`;
    this.opened.push(request);
    const expiresAt = '2026-12-05T10:10:00.000Z';
    this.sessions.set(sessionId, {
      sessionId,
      userEntityRef: request.userEntityRef,
      entityRef: request.entityRef,
      suiteName: request.suiteName,
      baseUrl: request.baseUrl,
      expiresAt,
    });
    return { sessionId, expiresAt };
  }

  get(sessionId: string) {
    return this.sessions.get(sessionId);
  }

  close(sessionId: string) {
    this.closed.push(sessionId);
    this.sessions.delete(sessionId);
  }

  pendingSecrets() {
    return { ...this.pending };
  }
}

export const DEVICES = ['Desktop Chrome', 'Pixel 7', 'iPhone 13'];

export type ServiceHarness = Awaited<ReturnType<typeof createServiceHarness>>;

/**
 * The service on a real store over `knex` (emptied first), with a mock catalog, permissions
 * that deny what `denied` names, a recording auditor and fake recordings.
 */
export async function createServiceHarness(
  knex: Knex,
  options: { recordings?: boolean; now?: () => number } = {},
) {
  for (const table of TABLES) {
    if (await knex.schema.hasTable(table)) await knex(table).delete();
  }
  const artifactsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-svc-'));
  const cipher = SecretsCipher.fromSecret('service test key');
  const store = await DatabaseTestRecorderStore.create({
    database: mockServices.database({ knex }),
    artifactsDir,
    cipher,
  });
  const denied = new Set<string>();
  const auditor = fakeAuditor();
  const wakes = { count: 0 };
  const recordings = new FakeRecordings();
  const signer = ArtifactSigner.create({
    key: cipher.deriveKey('links'),
    clock: options.now,
  });
  const access = EntityAccess.create({
    catalog: catalogServiceMock({ entities: testEntities() }),
    permissions: fakePermissions(denied),
    cacheTtlMs: 0,
  });
  const service = new TestRecorderService({
    store,
    access,
    auditor,
    queue: { wake: () => wakes.count++ },
    recordings: options.recordings === false ? undefined : recordings,
    origins: { allowedOrigins: ['https://staging.shop.example.com'] },
    repositoryOf: entity => {
      const location =
        entity.metadata.annotations?.['backstage.io/source-location'];
      return location ? { url: location.replace(/^url:/, '') } : undefined;
    },
    configSecrets: (suiteName): Record<string, string> =>
      suiteName === 'storefront-checkout'
        ? { CONFIG_TOKEN: CONFIG_SECRET }
        : {},
    devices: DEVICES,
    testIdAttribute: 'data-testid',
    maxRetries: 5,
    signArtifact: artifactId => signer.sign(artifactId),
    status: () => ({
      videoAvailable: false,
      videoUnavailableReason: 'ffmpeg is not installed',
      sandboxAvailable: true,
      maxConcurrentRuns: 2,
    }),
  });
  return {
    store,
    service,
    auditor,
    denied,
    wakes,
    recordings,
    signer,
    artifactsDir,
    cleanup: () => fs.rm(artifactsDir, { recursive: true, force: true }),
  };
}
