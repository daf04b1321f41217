/**
 * Checks the simulator's hard-coded OpenAI contract (openai-spec.ts) against the official OpenAPI
 * spec in `<repo root>/../shared/specs/openai/openapi.yaml`, so a spec update that changes a model,
 * an enum or a limit fails here instead of drifting silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  OPENAI_DEFAULT_EDIT_MODEL,
  OPENAI_EDIT_ENUMS,
  OPENAI_EDIT_LIMITS,
  OPENAI_EDIT_MODELS,
  OPENAI_JSON_FIELDS,
  OPENAI_MULTIPART_FIELDS,
} from './openai-spec.js';

const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/openai/openapi.yaml', import.meta.url));
const found = existsSync(SPEC_PATH);
const title = found
  ? 'the simulator matches the OpenAI spec'
  : `the simulator matches the OpenAI spec (SKIPPED: no spec at ${SPEC_PATH})`;

// biome-ignore lint/suspicious/noExplicitAny: the spec is untyped YAML.
type Schema = Record<string, any>;
let schemas: Record<string, Schema>;

const sorted = (values: readonly string[]) => [...values].sort();
const enumOf = (schema: Schema): string[] =>
  schema.enum ?? schema.anyOf?.find((option: Schema) => option.enum)?.enum ?? [];
const numberIn = (text: string, pattern: RegExp): number[] => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`spec text no longer matches ${pattern}: ${text}`);
  return match.slice(1).map(Number);
};

(found ? describe : describe.skip)(title, () => {
  beforeAll(() => {
    schemas = parse(readFileSync(SPEC_PATH, 'utf8')).components.schemas;
  });

  it('lists the same models and default', () => {
    const model = schemas.CreateImageEditRequest?.properties.model;
    expect(sorted(enumOf(model))).toEqual(sorted(OPENAI_EDIT_MODELS));
    expect(model.default).toBe(OPENAI_DEFAULT_EDIT_MODEL);
    const jsonModels = enumOf(schemas.EditImageBodyJsonParam?.properties.model);
    expect(sorted(jsonModels)).toEqual(sorted(OPENAI_EDIT_MODELS.filter((name) => name !== 'dall-e-2')));
  });

  it('has the same multipart fields, enums and limits', () => {
    const request = schemas.CreateImageEditRequest as Schema;
    const properties = request.properties;
    expect(sorted(Object.keys(properties))).toEqual(sorted(OPENAI_MULTIPART_FIELDS));
    expect(sorted(request.required)).toEqual(['image', 'prompt']);
    expect(properties.image.anyOf.find((option: Schema) => option.type === 'array').maxItems).toBe(
      OPENAI_EDIT_LIMITS.maxImages,
    );
    expect(enumOf(properties.size)).toEqual(OPENAI_EDIT_ENUMS.size);
    expect(
      sorted([...new Set([...OPENAI_EDIT_ENUMS.dallE2Size, ...OPENAI_EDIT_ENUMS.gptImageSize])]),
    ).toEqual(sorted(OPENAI_EDIT_ENUMS.size));
    expect(enumOf(properties.quality)).toEqual(OPENAI_EDIT_ENUMS.quality);
    expect(enumOf(properties.response_format)).toEqual(OPENAI_EDIT_ENUMS.responseFormat);
    expect(enumOf(properties.output_format)).toEqual(OPENAI_EDIT_ENUMS.outputFormat);
    expect(enumOf(properties.background)).toEqual(OPENAI_EDIT_ENUMS.background);
    expect(enumOf(schemas.InputFidelity as Schema)).toEqual(OPENAI_EDIT_ENUMS.inputFidelity);
    expect([properties.n.minimum, properties.n.maximum]).toEqual([
      OPENAI_EDIT_LIMITS.minN,
      OPENAI_EDIT_LIMITS.maxN,
    ]);
    const partial = schemas.PartialImages?.anyOf[0];
    expect([partial.minimum, partial.maximum]).toEqual([
      OPENAI_EDIT_LIMITS.minPartialImages,
      OPENAI_EDIT_LIMITS.maxPartialImages,
    ]);
  });

  it('states the same prompt, file, mask and size limits in its descriptions', () => {
    const properties = schemas.CreateImageEditRequest?.properties;
    const [dallE2Prompt, gptPrompt] = numberIn(
      properties.prompt.description,
      /(\d+) characters for `dall-e-2`, and (\d+) characters for the GPT/,
    );
    expect([dallE2Prompt, gptPrompt]).toEqual([
      OPENAI_EDIT_LIMITS.dallE2MaxPromptLength,
      OPENAI_EDIT_LIMITS.gptImageMaxPromptLength,
    ]);
    const image = properties.image.description.replace(/\s+/g, ' ');
    const MB = 1024 * 1024;
    expect(numberIn(image, /file less than (\d+)MB/)).toEqual([OPENAI_EDIT_LIMITS.gptImageMaxBytes / MB]);
    expect(numberIn(image, /square `png` file less than (\d+)MB/)).toEqual([
      OPENAI_EDIT_LIMITS.dallE2MaxBytes / MB,
    ]);
    expect(image).toMatch(/`png`, `webp`, or `jpg`/);
    expect(numberIn(properties.mask.description, /less than (\d+)MB/)).toEqual([
      OPENAI_EDIT_LIMITS.maskMaxBytes / MB,
    ]);
    const size = properties.size.description.replace(/\s+/g, ' ');
    const custom = OPENAI_EDIT_LIMITS.customSize;
    expect(numberIn(size, /divisible by (\d+)/)).toEqual([custom.multipleOf]);
    expect(numberIn(size, /between 1:(\d+) and (\d+):1/)).toEqual([
      custom.maxAspectRatio,
      custom.maxAspectRatio,
    ]);
    const [maxWidth, maxHeight] = numberIn(size, /maximum supported resolution is `(\d+)x(\d+)`/);
    expect([maxWidth, (maxWidth as number) * (maxHeight as number)]).toEqual([
      custom.maxSide,
      custom.maxPixels,
    ]);
    expect(schemas.InputFidelity?.description.replace(/\s+/g, ' ')).toMatch(
      /unsupported for `gpt-image-1-mini`/,
    );
  });

  it('has the same JSON body fields, enums and limits', () => {
    const properties = schemas.EditImageBodyJsonParam?.properties;
    expect(sorted(Object.keys(properties))).toEqual(sorted(OPENAI_JSON_FIELDS));
    expect([properties.images.minItems, properties.images.maxItems]).toEqual([
      1,
      OPENAI_EDIT_LIMITS.maxImages,
    ]);
    expect(properties.prompt.maxLength).toBe(OPENAI_EDIT_LIMITS.gptImageMaxPromptLength);
    expect(enumOf(properties.size)).toEqual(OPENAI_EDIT_ENUMS.jsonSize);
    expect(enumOf(properties.quality)).toEqual(OPENAI_EDIT_ENUMS.gptImageQuality);
    expect(enumOf(properties.moderation)).toEqual(OPENAI_EDIT_ENUMS.moderation);
    const compression = properties.output_compression.anyOf[0];
    expect([compression.minimum, compression.maximum]).toEqual([
      OPENAI_EDIT_LIMITS.minOutputCompression,
      OPENAI_EDIT_LIMITS.maxOutputCompression,
    ]);
    expect(schemas.ImageRefParam?.properties.image_url.maxLength).toBe(OPENAI_EDIT_LIMITS.maxImageUrlLength);
  });

  it('answers with the same response and error shapes', () => {
    const response = schemas.ImagesResponse?.properties;
    expect(enumOf(response.background)).toEqual(OPENAI_EDIT_ENUMS.responseBackground);
    expect(enumOf(response.output_format)).toEqual(OPENAI_EDIT_ENUMS.responseOutputFormat);
    expect(enumOf(response.size)).toEqual(OPENAI_EDIT_ENUMS.responseSize);
    expect(enumOf(response.quality)).toEqual(OPENAI_EDIT_ENUMS.responseQuality);
    expect(sorted(schemas.Error?.required)).toEqual(['code', 'message', 'param', 'type']);
  });
});
