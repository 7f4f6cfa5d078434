import {
  belongsTo,
  entityRefInput,
  taggedEntityRefs,
  withEntityTag,
} from './entityTag';

describe('entityRefInput', () => {
  it('gives the full ref in lower case, with the default namespace', () => {
    expect(entityRefInput(' Component:Payments_API ')).toBe(
      'component:default/payments_api',
    );
    expect(entityRefInput('group:Finance/ledger.team')).toBe(
      'group:finance/ledger.team',
    );
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
    expect(() => entityRefInput('component:default/-x')).toThrow(
      'the name "-x" is not a valid entity name',
    );
  });
});

describe('tag lines', () => {
  it('finds every comet.dev/entity line, in any case and line ending', () => {
    expect(
      taggedEntityRefs(
        'Payments API\r\n  COMET.DEV/ENTITY:  Component:default/A \r\nnot comet.dev/entity: b\ncomet.dev/entity: component:default/c',
      ),
    ).toEqual(['component:default/a', 'component:default/c']);
    expect(taggedEntityRefs(undefined)).toEqual([]);
  });

  it('appends one tag line, in place of earlier ones', () => {
    expect(withEntityTag(undefined, 'component:default/a')).toBe(
      'comet.dev/entity: component:default/a',
    );
    expect(
      withEntityTag(
        'About\ncomet.dev/entity: component:default/old\n\n',
        'component:default/a',
      ),
    ).toBe('About\ncomet.dev/entity: component:default/a');
  });

  it('says whom a resource belongs to', () => {
    expect(belongsTo([])).toBe('nobody');
    expect(belongsTo(['component:default/a', 'component:default/b'])).toBe(
      'component:default/a, component:default/b',
    );
  });
});
