import {
  entityRefInput,
  entityRefOfSonarTag,
  sonarEntityTag,
} from './entityTag';

describe('the SonarQube project tag of an entity', () => {
  it('is comet-entity.<kind>.<namespace>.<name>, lower case, "_" written "+"', () => {
    expect(sonarEntityTag('component:default/payments-api')).toBe(
      'comet-entity.component.default.payments-api',
    );
    const ref = entityRefInput('Component:Finance/Ledger_v2.API');
    expect(ref).toBe('component:finance/ledger_v2.api');
    const tag = sonarEntityTag(ref);
    expect(tag).toBe('comet-entity.component.finance.ledger+v2.api');
    // Only what SonarQube accepts in a tag
    expect(tag).toMatch(/^[a-z0-9+#\-.]+$/);
  });

  it('reads back to the ref, and other tags to nothing', () => {
    expect(
      entityRefOfSonarTag('comet-entity.component.finance.ledger+v2.api'),
    ).toBe('component:finance/ledger_v2.api');
    expect(entityRefOfSonarTag('java')).toBeUndefined();
    expect(entityRefOfSonarTag('comet-entity.component')).toBeUndefined();
  });

  it('refuses what is not the ref of a catalog entity, saying which part', () => {
    expect(() => entityRefInput('payments-api')).toThrow(
      /^entityRef: "payments-api" is not an entity ref \(.*\); give one such as component:default\/payments-api$/,
    );
    expect(() => entityRefInput('comp.onent:default/x')).toThrow(
      'the kind "comp.onent" is not a valid kind',
    );
    expect(() => entityRefInput('component:de.fault/x')).toThrow(
      'the namespace "de.fault" is not a valid namespace',
    );
  });
});
