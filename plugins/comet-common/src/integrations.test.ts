import {
  cometIntegrationsOverridePermission,
  isWiringAnnotation,
  WIRING_ANNOTATIONS,
  WIRING_FIELD_PATTERN,
} from './integrations';

describe('integrations names', () => {
  it('allows only the wiring annotations, never the source location', () => {
    expect(WIRING_ANNOTATIONS.every(isWiringAnnotation)).toBe(true);
    expect(isWiringAnnotation('backstage.io/source-location')).toBe(false);
    expect(isWiringAnnotation('jira/label')).toBe(false);
  });

  it('declares the override permission on catalog entities, so ownership conditions apply', () => {
    expect(cometIntegrationsOverridePermission).toEqual({
      type: 'resource',
      name: 'comet.integrations.override',
      attributes: { action: 'update' },
      resourceType: 'catalog-entity',
    });
  });

  it('finds the field a 400 names', () => {
    expect(
      WIRING_FIELD_PATTERN.exec(
        'Invalid wiring field "jenkins.io/job-full-name": no job',
      )?.[1],
    ).toBe('jenkins.io/job-full-name');
  });
});
