import { testRecorderPermissions } from './permissions';

describe('testRecorderPermissions', () => {
  it('declares every permission once, named test-recorder.<resource>.<verb>, on catalog entities', () => {
    expect(testRecorderPermissions.map(permission => permission.name)).toEqual([
      'test-recorder.suite.read',
      'test-recorder.suite.record',
      'test-recorder.suite.edit',
      'test-recorder.suite.run',
      'test-recorder.artifact.read',
      'test-recorder.baseline.accept',
    ]);
    for (const permission of testRecorderPermissions) {
      expect(permission).toMatchObject({
        type: 'resource',
        resourceType: 'catalog-entity',
      });
    }
  });
});
