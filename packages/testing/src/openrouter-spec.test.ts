/**
 * Checks the simulator's hard-coded OpenRouter contract (openrouter-spec.ts) against the OpenRouter
 * OpenAPI spec in `<repo root>/../shared/specs/openrouter/openapi.yaml`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  OPENROUTER_CHAT_ENUMS,
  OPENROUTER_CHAT_FIELDS,
  OPENROUTER_CHAT_IMAGE_CONFIG,
  OPENROUTER_ERROR_STATUSES,
  OPENROUTER_IMAGES_ENUMS,
  OPENROUTER_IMAGES_FIELDS,
  OPENROUTER_IMAGES_LIMITS,
} from './openrouter-spec.js';

const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/openrouter/openapi.yaml', import.meta.url));
const found = existsSync(SPEC_PATH);
const title = found
  ? 'the OpenRouter simulator matches the OpenRouter spec'
  : `the OpenRouter simulator matches the OpenRouter spec (SKIPPED: no spec at ${SPEC_PATH})`;

// biome-ignore lint/suspicious/noExplicitAny: the spec is untyped YAML.
type Schema = Record<string, any>;
let spec: Schema;
let schemas: Record<string, Schema>;

const sorted = (values: readonly (string | number)[]) => [...values].map(String).sort();

(found ? describe : describe.skip)(title, () => {
  beforeAll(() => {
    spec = parse(readFileSync(SPEC_PATH, 'utf8'));
    schemas = spec.components.schemas;
  });

  it('serves both paths under https://openrouter.ai/api/v1 with bearer auth', () => {
    expect(spec.servers[0].url).toBe('https://openrouter.ai/api/v1');
    expect(spec.paths['/images'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ImageGenerationRequest',
    );
    expect(spec.paths['/chat/completions'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ChatRequest',
    );
    expect(spec.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('has the /images request fields, enums and limits', () => {
    const request = schemas.ImageGenerationRequest as Schema;
    const properties = request.properties;
    expect(sorted(Object.keys(properties))).toEqual(sorted(OPENROUTER_IMAGES_FIELDS));
    expect(sorted(request.required)).toEqual(['model', 'prompt']);
    expect(properties.prompt.minLength).toBe(1);
    for (const [field, values] of Object.entries(OPENROUTER_IMAGES_ENUMS)) {
      expect({ field, values: properties[field].enum }).toEqual({ field, values });
    }
    expect(properties.input_references.maxItems).toBe(OPENROUTER_IMAGES_LIMITS.maxInputReferences);
    expect(properties.input_references.items.$ref).toBe('#/components/schemas/ContentPartImage');
    expect(schemas.ContentPartImage?.properties.type.enum).toEqual(['image_url']);
    expect(schemas.ContentPartImage?.required).toEqual(['type', 'image_url']);
    expect(properties.n.description).toContain(
      `(${OPENROUTER_IMAGES_LIMITS.minN}-${OPENROUTER_IMAGES_LIMITS.maxN})`,
    );
    expect(properties.output_compression.description).toContain(
      `(${OPENROUTER_IMAGES_LIMITS.minOutputCompression}-${OPENROUTER_IMAGES_LIMITS.maxOutputCompression})`,
    );
    expect([properties.n.type, properties.seed.type, properties.output_compression.type]).toEqual([
      'integer',
      'integer',
      'integer',
    ]);
  });

  it('answers /images with data[].b64_json and usage.cost', () => {
    const response = schemas.ImageGenerationResponse as Schema;
    expect(sorted(response.required)).toEqual(['created', 'data']);
    expect(response.properties.data.items.required).toEqual(['b64_json']);
    expect(Object.keys(response.properties.data.items.properties).sort()).toEqual(['b64_json', 'media_type']);
    const usage = schemas.ImageGenerationUsage as Schema;
    expect(sorted(usage.required)).toEqual(['completion_tokens', 'prompt_tokens', 'total_tokens']);
    expect(usage.properties.cost.type).toEqual(['number', 'null']);
    expect(Object.keys(usage.properties.completion_tokens_details.properties)).toContain('image_tokens');
  });

  it('has the chat request fields, image parts and modalities', () => {
    const request = schemas.ChatRequest as Schema;
    expect(sorted(Object.keys(request.properties))).toEqual(sorted(OPENROUTER_CHAT_FIELDS));
    expect(request.required).toEqual(['messages']);
    expect(request.properties.modalities.items.enum).toEqual(OPENROUTER_CHAT_ENUMS.modalities);
    expect(request.properties.image_config.$ref).toBe('#/components/schemas/ImageConfig');
    const imageConfig = schemas.ImageConfig as Schema;
    expect(imageConfig.type).toBe('object');
    expect(imageConfig.additionalProperties.anyOf.map((option: Schema) => option.type)).toEqual([
      'string',
      'number',
      'array',
    ]);
    const image = schemas.ChatContentImage?.properties;
    expect(image.type.enum).toEqual(['image_url']);
    expect(image.image_url.required).toEqual(['url']);
    expect(image.image_url.properties.detail.enum).toEqual(OPENROUTER_CHAT_ENUMS.imageDetail);
    expect(schemas.ChatContentText?.required).toEqual(['type', 'text']);
    expect(schemas.ChatUserMessage?.properties.role.enum).toEqual(['user']);
    const roles = schemas.ChatMessages?.oneOf.map(
      (option: Schema) => schemas[option.$ref.split('/').at(-1)]?.properties.role.enum[0],
    );
    expect(sorted(roles)).toEqual(sorted(OPENROUTER_CHAT_ENUMS.role));
  });

  it('answers chat with choices[].message.images[].image_url.url and usage.cost', () => {
    const result = schemas.ChatResult as Schema;
    expect(sorted(result.required)).toEqual(
      sorted(['id', 'choices', 'created', 'model', 'object', 'system_fingerprint']),
    );
    expect(result.properties.object.enum).toEqual(['chat.completion']);
    expect(schemas.ChatAssistantMessage?.properties.images.$ref).toBe(
      '#/components/schemas/ChatAssistantImages',
    );
    expect(schemas.ChatAssistantImages?.items.properties.image_url.required).toEqual(['url']);
    expect(schemas.ChatFinishReasonEnum?.enum.filter((value: unknown) => value !== null)).toEqual(
      OPENROUTER_CHAT_ENUMS.finishReason,
    );
    expect(schemas.ChatUsage?.properties.cost.type).toEqual(['number', 'null']);
  });

  it('documents the same error statuses, with {error: {code, message}} bodies', () => {
    const statuses = (path: string) =>
      Object.keys(spec.paths[path].post.responses)
        .map(Number)
        .filter((status) => status >= 400);
    expect(statuses('/images')).toEqual(OPENROUTER_ERROR_STATUSES.images);
    expect(statuses('/chat/completions')).toEqual(OPENROUTER_ERROR_STATUSES.chat);
    for (const name of ['BadRequestResponseErrorData', 'PaymentRequiredResponseErrorData']) {
      expect(schemas[name]?.required).toEqual(['code', 'message']);
      expect(schemas[name]?.properties.code.type).toBe('integer');
    }
  });

  it('has the chat aspect ratios the guide lists among the /images ones', () => {
    const all = [
      ...OPENROUTER_CHAT_IMAGE_CONFIG.aspectRatios,
      ...OPENROUTER_CHAT_IMAGE_CONFIG.extendedAspectRatios,
    ];
    expect(
      all.filter((ratio) => !(OPENROUTER_IMAGES_ENUMS.aspect_ratio as readonly string[]).includes(ratio)),
    ).toEqual([]);
  });
});
