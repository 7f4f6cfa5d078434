import { InputError, NotFoundError } from '@backstage/errors';
import { selectInstance } from './selectInstance';

const selection = {
  system: 'Jenkins',
  configKey: 'jenkins.instances',
  annotation: 'jenkins.io/job-full-name',
};

describe('selectInstance', () => {
  it('picks the named instance', () => {
    const instances = [{ name: 'a' }, { name: 'b' }];
    expect(selectInstance(instances, 'b', selection)).toBe(instances[1]);
  });

  it('picks "default" when no name is given, even when it is not first', () => {
    const instances = [{ name: 'a' }, { name: 'default' }];
    expect(selectInstance(instances, undefined, selection)).toBe(instances[1]);
  });

  it('picks the only instance when no name is given', () => {
    const instances = [{ name: 'ci' }];
    expect(selectInstance(instances, undefined, selection)).toBe(instances[0]);
  });

  it('refuses to guess among several instances without a default', () => {
    expect(() =>
      selectInstance([{ name: 'a' }, { name: 'b' }], undefined, selection),
    ).toThrow(
      new InputError(
        'jenkins.io/job-full-name names no Jenkins instance, and jenkins.instances has several ("a", "b") with none called "default"; write the instance name in jenkins.io/job-full-name',
      ),
    );
  });

  it('names the configured instances for an unknown one', () => {
    expect(() => selectInstance([{ name: 'a' }], 'x', selection)).toThrow(
      new NotFoundError(
        'Unknown Jenkins instance "x" (from jenkins.io/job-full-name); jenkins.instances has "a"',
      ),
    );
  });

  it('says which key to configure when there is no instance', () => {
    expect(() => selectInstance([], undefined, selection)).toThrow(
      'Jenkins is not configured: add an instance under jenkins.instances',
    );
  });
});
