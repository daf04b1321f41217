import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { integerInRange, numberInRange, oneOf, textUpTo } from './extras-schema.js';

const schema = z.object({
  seed: integerInRange(0, 10),
  strength: numberInRange(0, 1),
  note: textUpTo(5),
  format: oneOf(['png', 'jpeg']),
});

const messageFor = (value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
};

describe('extras schema builders', () => {
  it('accept values in range and missing values', () => {
    expect(schema.parse({ seed: 3, strength: 0.5, note: 'hi', format: 'png' })).toEqual({
      seed: 3,
      strength: 0.5,
      note: 'hi',
      format: 'png',
    });
    expect(schema.parse({})).toEqual({});
  });

  it.each([
    [{ seed: 11 }, 'must be an integer from 0 to 10'],
    [{ seed: 1.5 }, 'must be an integer from 0 to 10'],
    [{ seed: '3' }, 'must be an integer from 0 to 10'],
    [{ strength: 2 }, 'must be a number from 0 to 1'],
    [{ note: 'too long' }, 'must be at most 5 characters'],
    [{ note: 4 }, 'must be a string'],
    [{ format: 'gif' }, 'must be one of png, jpeg'],
  ])('say what is accepted for %p', (value, message) => {
    expect(messageFor(value)).toBe(message);
  });
});
