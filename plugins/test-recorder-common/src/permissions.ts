import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** See an entity's suites, runs and history (follows catalog read by default). */
export const testRecorderSuiteReadPermission = createPermission({
  name: 'test-recorder.suite.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Open a recording session (a browser on the backend) for one of the entity's suites. */
export const testRecorderSuiteRecordPermission = createPermission({
  name: 'test-recorder.suite.record',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Create, edit, quarantine or delete the entity's suites and set their secrets. */
export const testRecorderSuiteEditPermission = createPermission({
  name: 'test-recorder.suite.edit',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Run one of the entity's suites. */
export const testRecorderSuiteRunPermission = createPermission({
  name: 'test-recorder.suite.run',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Read a run's screenshots, video and trace (they hold the tested pages' content). */
export const testRecorderArtifactReadPermission = createPermission({
  name: 'test-recorder.artifact.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Accept a screenshot as the new visual baseline. */
export const testRecorderBaselineAcceptPermission = createPermission({
  name: 'test-recorder.baseline.accept',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const testRecorderPermissions = [
  testRecorderSuiteReadPermission,
  testRecorderSuiteRecordPermission,
  testRecorderSuiteEditPermission,
  testRecorderSuiteRunPermission,
  testRecorderArtifactReadPermission,
  testRecorderBaselineAcceptPermission,
];
