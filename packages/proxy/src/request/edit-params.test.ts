import { describe, expect, it } from '@jest/globals';
import { coerceExtra, toEditParams } from './edit-params.js';
import { fieldPath, setField } from './raw-edit.js';

const png = new Uint8Array([1]);

describe('setField / fieldPath', () => {
  it('builds nested objects and arrays from bracketed names, as the official clients write them', () => {
    const fields: Record<string, unknown> = {};
    setField(fields, 'image_config[aspect_ratio]', '16:9');
    setField(fields, 'image_config[image_size]', '2K');
    setField(fields, 'tags[]', 'a');
    setField(fields, 'tags[]', 'b');
    expect(fields).toEqual({ image_config: { aspect_ratio: '16:9', image_size: '2K' }, tags: ['a', 'b'] });
    expect(fieldPath('extra_body[seed]')).toEqual(['extra_body', 'seed']);
  });

  it('refuses duplicates and prototype keys', () => {
    const fields: Record<string, unknown> = { prompt: 'x' };
    expect(() => setField(fields, 'prompt', 'y')).toThrow(/more than once/);
    expect(() => setField(fields, 'a[__proto__]', 'y')).toThrow(/not allowed/);
    expect(() => setField(fields, 'constructor[prototype]', 'y')).toThrow(/not allowed/);
  });
});

describe('coerceExtra', () => {
  it('reads booleans, plain numbers and JSON; keeps other text', () => {
    expect(coerceExtra('true')).toBe(true);
    expect(coerceExtra('42')).toBe(42);
    expect(coerceExtra('-1.5')).toBe(-1.5);
    expect(coerceExtra('007')).toBe('007');
    expect(coerceExtra('16:9')).toBe('16:9');
    expect(coerceExtra('{"a":1}')).toEqual({ a: 1 });
    expect(coerceExtra({ steps: '30' })).toEqual({ steps: 30 });
  });
});

describe('toEditParams', () => {
  it('coerces known fields by schema, passes extras flat, keeps metadata apart', () => {
    const { params, metadata } = toEditParams(
      {
        fields: {
          model: 'edit',
          prompt: 'x',
          n: '2',
          stream: 'false',
          output_compression: '80',
          timeout: '30',
          seed: '7',
          negative_prompt: 'blur',
          metadata: '{"trace":"t1"}',
        },
        images: [png],
        source: 'multipart',
      },
      {},
    );
    expect(params).toMatchObject({
      model: 'edit',
      n: 2,
      stream: false,
      output_compression: 80,
      timeout: 30_000,
      seed: 7,
      negative_prompt: 'blur',
    });
    expect(params.image).toBe(png);
    expect(metadata).toEqual({ trace: 't1' });
  });

  it('JSON extras keep their types; a bad known type is a 400 naming the field', () => {
    expect(
      toEditParams({ fields: { model: 'm', prompt: 'p', seed: '7' }, images: [png], source: 'json' }, {})
        .params.seed,
    ).toBe('7');
    expect(() =>
      toEditParams({ fields: { model: 'm', prompt: 'p', n: 1.5 }, images: [png], source: 'json' }, {}),
    ).toThrow(/n: expected an integer/);
    expect(() =>
      toEditParams({ fields: { model: 'm', prompt: 7 }, images: [png], source: 'json' }, {}),
    ).toThrow(/prompt: expected a string/);
  });

  it('the client’s model wins; the default only fills a gap; then image and prompt are required', () => {
    const raw = { fields: { model: 'client', prompt: 'p' }, images: [png], source: 'multipart' as const };
    expect(toEditParams(raw, { defaultModel: 'server' }).params.model).toBe('client');
    expect(toEditParams({ ...raw, fields: { prompt: 'p' } }, { defaultModel: 'server' }).params.model).toBe(
      'server',
    );
    expect(() => toEditParams({ ...raw, fields: { prompt: 'p' } }, {})).toThrow(/model: required/);
    expect(() => toEditParams({ ...raw, images: [] }, {})).toThrow(/image: required/);
    expect(() => toEditParams({ ...raw, fields: { model: 'm' } }, {})).toThrow(/prompt: required/);
    expect(
      toEditParams({ ...raw, fields: { model: 'm' } }, { promptOptional: () => true }).params.prompt,
    ).toBeUndefined();
  });

  it('end-user: the body’s user wins over the header', () => {
    const raw = { fields: { model: 'm', prompt: 'p' }, images: [png, png], source: 'multipart' as const };
    expect(toEditParams(raw, { endUser: 'header' }).params.user).toBe('header');
    expect(
      toEditParams({ ...raw, fields: { ...raw.fields, user: 'body' } }, { endUser: 'header' }).params.user,
    ).toBe('body');
    expect(toEditParams(raw, {}).params.image).toEqual([png, png]);
  });

  it('refuses deployment settings per request', () => {
    expect(() =>
      toEditParams({ fields: { model: 'm', prompt: 'p', api_key: 'k' }, images: [png], source: 'json' }, {}),
    ).toThrow(/api_key: set on the deployment/);
  });
});
