import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type {
  JenkinsBuildSummary,
  JenkinsEntityBuildsResponse,
} from '@internal/plugin-jenkins-common';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  jenkinsJobSourceOf,
  JenkinsPipelineProvider,
} from './JenkinsPipelineProvider';

const entityRef = 'component:default/payments';

function build(
  jobRef: string,
  number: number,
  startedAt: string,
): JenkinsBuildSummary {
  const colon = jobRef.indexOf(':');
  const jobFullName = jobRef.slice(colon + 1);
  return {
    jobRef,
    instance: jobRef.slice(0, colon),
    jobFullName,
    number,
    url: `http://jenkins.example/job/${jobFullName}/${number}/`,
    status: 'success',
    building: false,
    startedAt,
    durationMs: 1000,
    causes: [],
    parameters: {},
  };
}

/**
 * The jenkins backend's `GET /entity-builds`, answering what a test sets, and the provider
 * pointed at it.
 */
async function setup(answer: JenkinsEntityBuildsResponse) {
  const requests: string[] = [];
  const app = express().get('/api/jenkins/entity-builds', (req, res) => {
    requests.push(req.url);
    res.json(answer);
  });
  const server = http.createServer(app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/jenkins`;
  const provider = new JenkinsPipelineProvider({
    discovery: {
      getBaseUrl: async () => baseUrl,
      getExternalBaseUrl: async () => baseUrl,
    },
    auth: mockServices.auth(),
  });
  const listRuns = (annotation: string, pipeline?: string) =>
    provider.listRuns({
      entity: {
        entityRef,
        annotations: { 'jenkins.io/job-full-name': annotation },
      },
      credentials: mockCredentials.user(),
      limit: 10,
      pipeline,
    });
  return {
    listRuns,
    requests,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

const notFound = {
  jobRef: 'default:folder/payments-build',
  name: 'NotFoundError',
  message: '404 Not Found',
};

describe('JenkinsPipelineProvider', () => {
  it('names a job source after its job and instance', () => {
    expect(jenkinsJobSourceOf('default:folder/payments-build')).toBe(
      'Jenkins job folder/payments-build (instance default)',
    );
    expect(jenkinsJobSourceOf('legacy:a/b')).toBe(
      'Jenkins job a/b (instance legacy)',
    );
  });

  it('lists the runs of the job that works and reports the one that fails', async () => {
    const fake = await setup({
      builds: [
        build('default:payments/payments-api', 2, '2026-01-02T00:00:00Z'),
        build('default:payments/payments-api', 1, '2026-01-01T00:00:00Z'),
      ],
      nextCursor: 'next',
      errors: [notFound],
    });
    try {
      const page = await fake.listRuns(
        'payments/payments-api,folder/payments-build',
      );
      expect(page.runs.map(r => r.runId)).toEqual([
        'jenkins:default:payments/payments-api#2',
        'jenkins:default:payments/payments-api#1',
      ]);
      expect(page.nextCursor).toBe('next');
      expect(page.errors).toEqual([
        {
          source: 'Jenkins job folder/payments-build (instance default)',
          message: '404 Not Found',
        },
      ]);
    } finally {
      await fake.close();
    }
  });

  it('reports a failing job even when the working one has no runs on this page', async () => {
    const fake = await setup({ builds: [], errors: [notFound] });
    try {
      const page = await fake.listRuns(
        'payments/payments-api,folder/payments-build',
      );
      expect(page.runs).toEqual([]);
      expect(page.errors).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('has no errors when every job works', async () => {
    const fake = await setup({
      builds: [
        build('default:payments/payments-api', 1, '2026-01-01T00:00:00Z'),
      ],
      errors: [],
    });
    try {
      const page = await fake.listRuns('payments/payments-api');
      expect(page.runs).toHaveLength(1);
      expect(page.errors).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('fails as a whole when no job can be read', async () => {
    const fake = await setup({
      builds: [],
      errors: [
        notFound,
        {
          jobRef: 'legacy:payments/nightly',
          name: 'ServiceUnavailableError',
          message: 'Jenkins instance "legacy" is unreachable',
        },
      ],
    });
    try {
      await expect(
        fake.listRuns('folder/payments-build,legacy:payments/nightly'),
      ).rejects.toThrow(
        'Jenkins job folder/payments-build (instance default) could not be loaded: 404 Not Found; ' +
          'Jenkins job payments/nightly (instance legacy) could not be loaded: Jenkins instance "legacy" is unreachable',
      );
    } finally {
      await fake.close();
    }
  });

  it('fails as a whole when the only instance, not named default, cannot read the job', async () => {
    const fake = await setup({
      builds: [],
      errors: [
        {
          jobRef: 'ci:folder/payments-build',
          name: 'NotFoundError',
          message: '404 Not Found',
        },
      ],
    });
    try {
      // The entry names no instance; the backend resolved it to "ci"
      await expect(fake.listRuns('folder/payments-build')).rejects.toThrow(
        'Jenkins job folder/payments-build (instance ci) could not be loaded: 404 Not Found',
      );
    } finally {
      await fake.close();
    }
  });

  it('never passes on a credential in a message', async () => {
    const fake = await setup({
      builds: [
        build('default:payments/payments-api', 1, '2026-01-01T00:00:00Z'),
      ],
      errors: [
        {
          jobRef: 'default:folder/payments-build',
          name: 'ServiceUnavailableError',
          message:
            'GET https://bot:s3cret-api-key@jenkins.example/job/x?token=abc123 failed; sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload',
        },
      ],
    });
    try {
      const page = await fake.listRuns(
        'payments/payments-api,folder/payments-build',
      );
      const message = page.errors?.[0].message ?? '';
      expect(message).not.toMatch(/s3cret|abc123|eyJhbGci/);
      expect(message).toContain('https://***@jenkins.example/job/x');
    } finally {
      await fake.close();
    }
  });

  it('reports only the filtered pipeline’s job when filtering by pipeline', async () => {
    const fake = await setup({
      builds: [
        build('default:payments/payments-api', 1, '2026-01-01T00:00:00Z'),
      ],
      errors: [notFound],
    });
    try {
      const other = await fake.listRuns(
        'payments/payments-api,folder/payments-build',
        'payments/payments-api',
      );
      expect(other.runs).toHaveLength(1);
      expect(other.errors).toBeUndefined();
      const same = await fake.listRuns(
        'payments/payments-api,folder/payments-build',
        'folder/payments-build',
      );
      expect(same.runs).toEqual([]);
      expect(same.errors).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});
