import { InputError } from '@backstage/errors';
import { z } from 'zod/v3';
import { parseInput } from './parseInput';

describe('parseInput', () => {
  const schema = z.object({ entityRef: z.string(), limit: z.number().max(5) });

  it('returns the parsed value', () => {
    expect(parseInput(schema, { entityRef: 'a', limit: 2 }, 'query')).toEqual({
      entityRef: 'a',
      limit: 2,
    });
  });

  it('names the field and what is wrong with it', () => {
    expect(() =>
      parseInput(schema, { entityRef: 'a', limit: 9 }, 'query'),
    ).toThrow(
      new InputError(
        'Invalid query field "limit": Number must be less than or equal to 5',
      ),
    );
  });

  it('names only what was checked when the value itself is wrong', () => {
    expect(() => parseInput(z.number(), 'x', 'build number')).toThrow(
      'Invalid build number: Expected number, received string',
    );
  });
});
