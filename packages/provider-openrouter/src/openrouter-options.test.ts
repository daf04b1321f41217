/**
 * Checks the provider's extras, enums and request bodies against the OpenRouter OpenAPI spec in
 * `<repo root>/../shared/specs/openrouter/openapi.yaml` (parsed with `yaml`, a devDependency of
 * @retouch/testing, resolved through it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  CHAT_ASPECT_RATIOS,
  IMAGES_ASPECT_RATIOS,
  IMAGES_RESOLUTIONS,
  OPENROUTER_MODEL_INFO,
  openRouterCapabilities,
} from './openrouter-capabilities.js';
import { buildChatBody } from './openrouter-chat-api.js';
import { buildImagesBody } from './openrouter-images-api.js';
import type { OpenRouterCall } from './openrouter-mapping.js';
import { openRouterOptionsSchema } from './openrouter-options.js';

const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/openrouter/openapi.yaml', import.meta.url));
const found = existsSync(SPEC_PATH);
const title = found
  ? 'OpenRouter extras and bodies match the OpenRouter spec'
  : `OpenRouter extras and bodies match the OpenRouter spec (SKIPPED: no spec at ${SPEC_PATH})`;

// biome-ignore lint/suspicious/noExplicitAny: the spec is untyped YAML.
type Schema = Record<string, any>;
let schemas: Schema;

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function call(
  overrides: Partial<OpenRouterCall['request']>,
  extras: OpenRouterCall['extras'] = {},
): OpenRouterCall {
  const model = overrides.model ?? 'openai/gpt-image-1';
  return {
    http: undefined as never,
    options: { signal: new AbortController().signal },
    info: OPENROUTER_MODEL_INFO[model] as OpenRouterCall['info'],
    extras,
    warnings: [],
    request: {
      model,
      prompt: 'x',
      images: [
        { bytes: png, mediaType: 'image/png', width: 1, height: 1, hasAlpha: true, filename: 'a.png' },
      ],
      n: 2,
      size: '1536x1024',
      quality: 'high',
      response_format: 'b64_json',
      extras: {},
      dropParams: false,
      ...overrides,
    },
  };
}

(found ? describe : describe.skip)(title, () => {
  beforeAll(() => {
    // `yaml` is a devDependency of @retouch/testing; resolve it from there.
    const testing = fileURLToPath(new URL('../../testing/package.json', import.meta.url));
    const { parse } = createRequire(testing)('yaml') as { parse: (text: string) => Schema };
    schemas = parse(readFileSync(SPEC_PATH, 'utf8')).components.schemas;
  });

  it('uses the /images enums', () => {
    const properties = schemas.ImageGenerationRequest.properties;
    expect(IMAGES_ASPECT_RATIOS).toEqual(properties.aspect_ratio.enum);
    expect(IMAGES_RESOLUTIONS).toEqual(properties.resolution.enum);
    const extras = z.toJSONSchema(openRouterOptionsSchema).properties as Schema;
    expect(extras.aspect_ratio.enum).toEqual(properties.aspect_ratio.enum);
    // Every image_size tier is a resolution (512 / 0.5K are one tier under two names).
    expect(extras.image_size.enum.filter((tier: string) => tier !== '0.5K')).toEqual(
      properties.resolution.enum,
    );
    const caps = openRouterCapabilities('openai/gpt-image-1');
    expect(caps?.outputFormats?.every((format) => properties.output_format.enum.includes(format))).toBe(true);
    expect(caps?.qualities?.every((quality) => properties.quality.enum.includes(quality))).toBe(true);
    expect(CHAT_ASPECT_RATIOS.every((ratio) => properties.aspect_ratio.enum.includes(ratio))).toBe(true);
  });

  it('sends only /images fields, and reaches all but the ones left out on purpose', () => {
    const properties = schemas.ImageGenerationRequest.properties as Schema;
    const body = buildImagesBody(
      call(
        { output_format: 'png', output_compression: 50, background: 'auto' },
        { seed: 1, provider: { sort: 'price' } },
      ),
    );
    // A pixel size goes as `size`; without one, the ratio goes as aspect_ratio and quality as the `resolution` tier.
    const tiered = buildImagesBody(
      call({ model: 'bytedance-seed/seedream-4.5', size: undefined }, { aspect_ratio: '3:2' }),
    );
    const sent = [...new Set([...Object.keys(body), ...Object.keys(tiered)])];
    expect(sent.filter((field) => !(field in properties))).toEqual([]);
    // Streaming edits are not supported on OpenRouter's /images.
    const leftOut = ['stream'];
    expect(
      Object.keys(properties).filter((field) => !sent.includes(field) && !leftOut.includes(field)),
    ).toEqual([]);
    expect(body.input_references).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
    ]);
    expect(Object.keys((body.input_references as Schema[])[0] ?? {}).sort()).toEqual(
      [...schemas.ContentPartImage.required].sort(),
    );
  });

  it('sends only chat fields with spec-shaped parts, modalities and image_config', () => {
    const chat = schemas.ChatRequest.properties as Schema;
    const body = buildChatBody(
      call(
        { model: 'google/gemini-2.5-flash-image', n: 1, user: 'u' },
        { seed: 1, provider: { sort: 'price' } },
      ),
    );
    expect(Object.keys(body).filter((field) => !(field in chat))).toEqual([]);
    expect((body.modalities as string[]).every((value) => chat.modalities.items.enum.includes(value))).toBe(
      true,
    );
    const [message] = body.messages as Schema[];
    expect(schemas.ChatUserMessage.properties.role.enum).toContain(message?.role);
    const [text, image] = (message?.content ?? []) as Schema[];
    expect(Object.keys(text ?? {}).sort()).toEqual([...schemas.ChatContentText.required].sort());
    expect(Object.keys(image ?? {}).sort()).toEqual([...schemas.ChatContentImage.required].sort());
    const valueTypes = schemas.ImageConfig.additionalProperties.anyOf.map((option: Schema) => option.type);
    for (const value of Object.values(body.image_config as Schema)) {
      expect(valueTypes).toContain(Array.isArray(value) ? 'array' : typeof value);
    }
    const extras = z.toJSONSchema(openRouterOptionsSchema).properties as Schema;
    expect(
      extras.modalities.items.enum.every((value: string) => chat.modalities.items.enum.includes(value)),
    ).toBe(true);
    for (const shared of ['seed', 'provider']) {
      expect(shared in chat).toBe(true);
      expect(shared in (schemas.ImageGenerationRequest.properties as Schema)).toBe(true);
    }
    expect(chat.seed.type).toEqual(['integer', 'null']);
    expect(extras.seed.type).toBe('integer');
  });
});
