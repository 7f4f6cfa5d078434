import type { Entity } from '@backstage/catalog-model';
import { catalogFileOf, changeCatalogAnnotations } from './catalogInfo';

const repository = {
  host: 'github.com',
  owner: 'comet-examples',
  repo: 'payments-api',
};

function located(location?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments-api',
      annotations: location
        ? { 'backstage.io/managed-by-location': location }
        : {},
    },
  };
}

describe('catalogFileOf', () => {
  it.each([
    [
      'a blob URL on the default branch',
      'url:https://github.com/comet-examples/payments-api/blob/main/services/payments/catalog-info.yaml',
      'main',
      'services/payments/catalog-info.yaml',
    ],
    [
      'another branch, a .yml file, owner and repo in capitals, .git',
      'url:https://github.com/Comet-Examples/Payments-API.git/blob/release/catalog.yml',
      'main',
      'catalog.yml',
    ],
    [
      'a default branch with a slash',
      'url:https://github.com/comet-examples/payments-api/blob/release/v2/deploy/entity.yaml',
      'release/v2',
      'deploy/entity.yaml',
    ],
    [
      'a tree URL of a folder',
      'url:https://github.com/comet-examples/payments-api/tree/main/services/payments',
      'main',
      'services/payments/catalog-info.yaml',
    ],
    [
      'a tree URL of the root',
      'url:https://github.com/comet-examples/payments-api/tree/main/',
      'main',
      'catalog-info.yaml',
    ],
    [
      'an encoded path',
      'url:https://github.com/comet-examples/payments-api/blob/main/my%20service/catalog-info.yaml',
      'main',
      'my service/catalog-info.yaml',
    ],
  ])('reads the path of %s', (_what, location, defaultBranch, path) => {
    expect(catalogFileOf(located(location), repository, defaultBranch)).toEqual(
      { path, from: 'managed-by-location' },
    );
  });

  it.each([
    ['no location', undefined],
    ['a file location', 'file:/srv/catalog/payments-api.yaml'],
    ['not a URL', 'url:not a url'],
    [
      'another repository',
      'url:https://github.com/comet-examples/ledger/blob/main/catalog-info.yaml',
    ],
    [
      'another owner',
      'url:https://github.com/someone-else/payments-api/blob/main/catalog-info.yaml',
    ],
    [
      'another host',
      'url:https://ghe.example.com/comet-examples/payments-api/blob/main/catalog-info.yaml',
    ],
    [
      'the repository page',
      'url:https://github.com/comet-examples/payments-api',
    ],
    [
      'neither blob nor tree',
      'url:https://github.com/comet-examples/payments-api/raw/main/catalog-info.yaml',
    ],
  ])(
    'falls back to catalog-info.yaml at the root for %s',
    (_what, location) => {
      expect(catalogFileOf(located(location), repository, 'main')).toEqual({
        path: 'catalog-info.yaml',
        from: 'default',
      });
    },
  );
});

const PAYMENTS = { kind: 'Component', name: 'payments-api' };

/** The lines of `after` that are not in `before`, and the other way round. */
function lineDiff(before: string, after: string) {
  const a = before.split('\n');
  const b = after.split('\n');
  return {
    removed: a.filter(line => !b.includes(line)),
    added: b.filter(line => !a.includes(line)),
  };
}

describe('changeCatalogAnnotations', () => {
  const FILE = `# Owned by the payments team
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  description: Captures card payments and issues refunds, for every shop of every brand in every country we sell in
  tags: [nodejs, rest]
  annotations:
    # Where the code lives
    github.com/project-slug: comet-examples/payments-api
    jira/project-key: 'PAY' # the team's board
    comet.dev/pipelines: ".comet/pipeline.yaml"
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: payments-team
  providesApis:
  - payments-rest
---
# The API
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-rest
  annotations:
    jira/project-key: PAY
spec:
  type: openapi
  definition: |
    openapi: 3.0.3
    info: { title: Payments, version: 1.0.0 }
`;

  it("changes only the entity's annotations, keeping comments, order, quotes and the other documents", () => {
    const changed = changeCatalogAnnotations({
      text: FILE,
      path: 'catalog-info.yaml',
      entity: PAYMENTS,
      changes: {
        'jira/project-key': 'PAYX',
        'comet.dev/pipelines': null,
        'sonarqube.org/project-key': '1234',
        'jira/component': 'payments: core',
      },
    });
    expect(lineDiff(FILE, changed)).toEqual({
      removed: [
        "    jira/project-key: 'PAY' # the team's board",
        '    comet.dev/pipelines: ".comet/pipeline.yaml"',
      ],
      added: [
        "    jira/project-key: 'PAYX' # the team's board",
        // Quoted where YAML needs it, so it stays a string
        '    sonarqube.org/project-key: "1234"',
        '    jira/component: "payments: core"',
      ],
    });
    // The API document, byte for byte; the new annotations after the old ones
    expect(changed.slice(changed.indexOf('---'))).toBe(
      FILE.slice(FILE.indexOf('---')),
    );
    expect(changed).toContain(
      'backstage.io/techdocs-ref: dir:.\n    sonarqube.org/project-key: "1234"\n    jira/component: "payments: core"\nspec:',
    );
  });

  it('changes the one document of a kind and name among several, and keeps four-space indentation', () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
    name: payments-api
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
    name: payments-api
    namespace: default
spec:
    owner: payments-team
    consumesApis:
        - ledger-events
`;
    const changed = changeCatalogAnnotations({
      text,
      path: 'catalog-info.yaml',
      entity: { kind: 'component', namespace: 'Default', name: 'PAYMENTS-API' },
      changes: { 'jira/project-key': 'PAY' },
    });
    expect(changed).toBe(`apiVersion: backstage.io/v1alpha1
kind: API
metadata:
    name: payments-api
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
    name: payments-api
    namespace: default
    annotations:
        jira/project-key: PAY
spec:
    owner: payments-team
    consumesApis:
        - ledger-events
`);
  });

  it('removes the annotations map when its last annotation goes, and keeps trailing blank lines', () => {
    const text = `kind: Component
metadata:
  name: payments-api
  annotations:
    comet.dev/test-suites: smoke
spec: {}


`;
    expect(
      changeCatalogAnnotations({
        text,
        path: 'catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'comet.dev/test-suites': null },
      }),
    ).toBe(`kind: Component
metadata:
  name: payments-api
spec: {}


`);
  });

  it('fills an empty annotations key and keeps a file without a final newline so', () => {
    const changed = changeCatalogAnnotations({
      text: 'kind: Component\nmetadata:\n  name: payments-api\n  annotations:\nspec: {}',
      path: 'catalog-info.yaml',
      entity: PAYMENTS,
      changes: { 'jira/component': 'payments' },
    });
    expect(changed).toBe(
      'kind: Component\nmetadata:\n  name: payments-api\n  annotations:\n    jira/component: payments\nspec: {}',
    );
  });

  it('sets a number-looking value that was a YAML number as a string', () => {
    const changed = changeCatalogAnnotations({
      text: 'kind: Component\nmetadata:\n  name: payments-api\n  annotations:\n    sonarqube.org/project-key: 1234\n',
      path: 'catalog-info.yaml',
      entity: PAYMENTS,
      changes: { 'sonarqube.org/project-key': '1234' },
    });
    expect(changed).toContain('sonarqube.org/project-key: "1234"');
  });

  it('refuses a change that changes nothing', () => {
    expect(() =>
      changeCatalogAnnotations({
        text: FILE,
        path: 'services/catalog-info.yaml',
        entity: PAYMENTS,
        changes: {
          'jira/project-key': 'PAY',
          'jenkins.io/job-full-name': null,
        },
      }),
    ).toThrow(
      'nothing to change: the annotations of Component default/payments-api in services/catalog-info.yaml already are as proposed',
    );
    expect(() =>
      changeCatalogAnnotations({
        text: 'kind: Component\nmetadata:\n  name: payments-api\n',
        path: 'catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'comet.dev/test-suites': null },
      }),
    ).toThrow('nothing to change');
  });

  it('names the file when the entity is not in it', () => {
    expect(() =>
      changeCatalogAnnotations({
        text: FILE,
        path: 'catalog-info.yaml',
        entity: {
          kind: 'Component',
          namespace: 'payments',
          name: 'payments-api',
        },
        changes: { 'jira/project-key': 'PAYX' },
      }),
    ).toThrow(
      'catalog-info.yaml holds no document of Component payments/payments-api (kind, metadata.namespace and metadata.name)',
    );
    expect(() =>
      changeCatalogAnnotations({
        text: '',
        path: 'catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'jira/project-key': 'PAYX' },
      }),
    ).toThrow(
      'catalog-info.yaml holds no document of Component default/payments-api',
    );
  });

  it('names the file and line of invalid YAML', () => {
    expect(() =>
      changeCatalogAnnotations({
        text: 'kind: Component\nmetadata:\n  name: [payments-api\nspec: {}\n',
        path: 'deploy/catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'jira/project-key': 'PAYX' },
      }),
    ).toThrow(
      /^deploy\/catalog-info\.yaml is not valid YAML \(line 4, column 1\): /,
    );
  });

  it('refuses annotations that are not a map', () => {
    expect(() =>
      changeCatalogAnnotations({
        text: 'kind: Component\nmetadata:\n  name: payments-api\n  annotations: [a, b]\n',
        path: 'catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'jira/project-key': 'PAYX' },
      }),
    ).toThrow(
      'metadata.annotations of Component default/payments-api in catalog-info.yaml is not a map of annotations',
    );
  });

  it('keeps comments around document markers where they were', () => {
    const text = `---
kind: API
metadata:
  name: payments-rest
...
# The component
---
kind: Component
metadata:
  name: payments-api
`;
    expect(
      changeCatalogAnnotations({
        text,
        path: 'catalog-info.yaml',
        entity: PAYMENTS,
        changes: { 'jira/project-key': 'PAY' },
      }),
    ).toBe(`${text}  annotations:\n    jira/project-key: PAY\n`);
  });
});
