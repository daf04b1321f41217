/**
 * Small zod builders for provider extras whose errors say what is accepted ("seed: must be an
 * integer from 0 to 4294967294"), for `parseProviderExtras`. Each returns an optional schema.
 * @module
 */
import { z } from 'zod';

/**
 * An optional integer from `min` to `max`.
 *
 * @example
 * ```ts
 * const schema = z.object({ seed: integerInRange(0, 4294967294) });
 * ```
 */
export function integerInRange(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional();
}

/**
 * An optional number from `min` to `max`.
 *
 * @example
 * ```ts
 * const schema = z.object({ creativity: numberInRange(0.1, 0.5) });
 * ```
 */
export function numberInRange(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).optional();
}

/**
 * An optional string of at most `maxLength` characters.
 *
 * @example
 * ```ts
 * const schema = z.object({ negative_prompt: textUpTo(10000) });
 * ```
 */
export function textUpTo(maxLength: number) {
  return z
    .string({ error: 'must be a string' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .optional();
}

/**
 * An optional value from a fixed list.
 *
 * @example
 * ```ts
 * const schema = z.object({ output_format: oneOf(['png', 'jpeg', 'webp']) });
 * ```
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).optional();
}
