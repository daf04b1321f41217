/**
 * Checks the provider's extras schemas and capabilities against the official BFL OpenAPI spec in
 * `<repo root>/../shared/specs/bfl/openapi.json`: every extra is a spec field of that endpoint with
 * the spec's type and range, and every spec field is reachable (as an extra or an OpenAI field).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { BFL_MODEL_INFO, BFL_MODELS } from './bfl-capabilities.js';
import { BFL_OPTIONS_SCHEMAS } from './bfl-options.js';

const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/bfl/openapi.json', import.meta.url));
const found = existsSync(SPEC_PATH);
const title = found
  ? 'BFL extras and capabilities match the BFL spec'
  : `BFL extras and capabilities match the BFL spec (SKIPPED: no spec at ${SPEC_PATH})`;

// biome-ignore lint/suspicious/noExplicitAny: the spec is untyped JSON.
type Schema = Record<string, any>;
let spec: Schema;

/** Spec fields sent from OpenAI request fields rather than extras. */
const FROM_OPENAI_FIELDS = ['prompt', 'image', 'mask', 'output_format'];
/** Spec fields deliberately not offered: a path in BFL's own blob storage, useless to our callers. */
const NOT_OFFERED = ['input_image_blob_path'];

function specRule(property: Schema): Record<string, unknown> {
  const main = (property.anyOf ?? [property]).find((option: Schema) => option.type !== 'null') as Schema;
  const rule: Record<string, unknown> = { type: main.type };
  for (const key of ['minimum', 'maximum', 'maxLength', 'format'])
    if (main[key] !== undefined) rule[key] = main[key];
  return rule;
}

function zodRule(property: Schema): Record<string, unknown> {
  const rule: Record<string, unknown> = { type: property.type };
  for (const key of ['minimum', 'maximum', 'maxLength', 'format']) {
    const value = property[key];
    // zod states JavaScript's safe-integer bounds on every int; the spec does not.
    if (value !== undefined && Math.abs(Number(value)) !== Number.MAX_SAFE_INTEGER) rule[key] = value;
  }
  return rule;
}

(found ? describe : describe.skip)(title, () => {
  beforeAll(() => {
    spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  });

  it.each(Object.entries(BFL_MODEL_INFO))(
    '%s: extras have the spec names, types and ranges',
    (model, info) => {
      const ref: string =
        spec.paths[`/v1/${info.endpoint}`].post.requestBody.content['application/json'].schema.$ref;
      const schema: Schema = spec.components.schemas[ref.split('/').at(-1) as string];
      const extras = z.toJSONSchema(BFL_OPTIONS_SCHEMAS[info.kind]).properties as Record<string, Schema>;
      for (const [name, property] of Object.entries(extras)) {
        expect({ name, rule: zodRule(property) }).toEqual({
          name,
          rule: specRule(schema.properties[name] ?? {}),
        });
      }
      const imageFields = Object.keys(schema.properties).filter((name) => /^input_image(_\d+)?$/.test(name));
      const reachable = new Set([
        ...Object.keys(extras),
        ...FROM_OPENAI_FIELDS,
        ...imageFields,
        ...NOT_OFFERED,
      ]);
      expect(Object.keys(schema.properties).filter((name) => !reachable.has(name))).toEqual([]);

      const caps = BFL_MODELS[model];
      expect(caps?.maxImages).toBe(imageFields.length || 1);
      expect(caps?.outputFormats).toEqual(spec.components.schemas.OutputFormat.enum);
      expect(caps?.mask !== 'none').toBe('mask' in schema.properties);
      expect(caps?.promptRequired ?? true).toBe(schema.required.includes('prompt'));
      const defaultFormat = schema.properties.output_format.default;
      expect(info.defaultOutputFormat).toBe(defaultFormat);
    },
  );
});
