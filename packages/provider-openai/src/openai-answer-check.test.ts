import { describe, expect, it } from '@jest/globals';
import { isPlainImagesResponse } from './openai-answer-check.js';
import { imagesResponseSchema } from './openai-image-edit.js';

const usage = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };

/** Answers the hand check must take, each exactly as the schema returns it. */
const plain: unknown[] = [
  { data: [] },
  { created: 1_700_000_000, data: [{ b64_json: 'iVBORw0KGgo=' }] },
  { data: [{ url: 'https://example.test/a.png', revised_prompt: null, b64_json: null }] },
  { data: [{ b64_json: 'a' }, { b64_json: 'b', extra: { nested: true } }], usage },
  {
    data: [{ b64_json: 'a' }],
    usage: {
      ...usage,
      input_tokens_details: { text_tokens: 4, image_tokens: 6, cached_tokens: 2 },
      output_tokens_details: { image_tokens: 20 },
    },
    size: '1024x1024',
    quality: 'high',
    background: 'opaque',
    output_format: 'png',
    something_new: [1, 2, 3],
  },
  { data: [{}], usage: null, size: null, quality: null, background: null, output_format: null },
];

/** Answers it must leave to the schema; the schema rejects every one of them. */
const notPlain: unknown[] = [
  null,
  'data',
  [],
  {},
  { data: 'no' },
  { data: [null] },
  { data: [[]] },
  { data: [{ b64_json: 1 }] },
  { data: [{ url: {} }] },
  { data: [{ revised_prompt: false }] },
  { data: [], created: '1' },
  { data: [], created: null },
  { data: [], usage: { input_tokens: 1, output_tokens: 2 } },
  { data: [], usage: { ...usage, total_tokens: '30' } },
  { data: [], usage: { ...usage, total_tokens: Number.POSITIVE_INFINITY } },
  { data: [], usage: { ...usage, input_tokens_details: null } },
  { data: [], usage: { ...usage, output_tokens_details: { image_tokens: '1' } } },
  { data: [], usage: [] },
  { data: [], size: 1024 },
  { data: [], quality: 1 },
  { data: [], background: true },
  { data: [], output_format: ['png'] },
];

describe('isPlainImagesResponse', () => {
  it.each(plain.map((answer) => [JSON.stringify(answer), answer]))(
    'takes %s, which the schema returns unchanged',
    (_, answer) => {
      expect(isPlainImagesResponse(answer)).toBe(true);
      const parsed = imagesResponseSchema.safeParse(answer);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toStrictEqual(answer);
    },
  );

  it.each(notPlain.map((answer) => [JSON.stringify(answer) ?? String(answer), answer]))(
    'leaves %s to the schema, which rejects it',
    (_, answer) => {
      expect(isPlainImagesResponse(answer)).toBe(false);
      expect(imagesResponseSchema.safeParse(answer).success).toBe(false);
    },
  );
});
