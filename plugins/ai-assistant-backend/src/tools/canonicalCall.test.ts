import { createHash } from 'node:crypto';
import { callHash, canonicalJson } from './canonicalCall';

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves arrays in order', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, e: null }),
    ).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1,"e":null}');
  });

  it('drops undefined properties and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe(
      '{"b":[null,1]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('text "quoted"')).toBe('"text \\"quoted\\""');
  });
});

describe('callHash', () => {
  it('is the sha256 of the canonical call, the same whatever the key order', () => {
    const hash = callHash('jira:create-issue', {
      summary: 'Fix',
      project: 'PAY',
    });
    expect(hash).toBe(
      createHash('sha256')
        .update(
          '{"actionId":"jira:create-issue","input":{"project":"PAY","summary":"Fix"}}',
        )
        .digest('hex'),
    );
    expect(
      callHash('jira:create-issue', { project: 'PAY', summary: 'Fix' }),
    ).toBe(hash);
  });

  it('differs for another action or other arguments', () => {
    const hash = callHash('jira:create-issue', { summary: 'Fix' });
    expect(callHash('jira:add-comment', { summary: 'Fix' })).not.toBe(hash);
    expect(callHash('jira:create-issue', { summary: 'Fix it' })).not.toBe(hash);
  });
});
