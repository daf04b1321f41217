/**
 * Checks the simulator's hard-coded BFL contract (bfl-spec.ts) against the official OpenAPI spec in
 * `<repo root>/../shared/specs/bfl/openapi.json`: every field, type, nullability, range, enum and
 * default of each edit endpoint, and the task statuses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { BFL_EDIT_ENDPOINTS, BFL_OUTPUT_FORMATS, BFL_TASK_STATUSES, type BFLFieldRule } from './bfl-spec.js';

const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/bfl/openapi.json', import.meta.url));
const found = existsSync(SPEC_PATH);
const title = found
  ? 'the BFL simulator matches the BFL spec'
  : `the BFL simulator matches the BFL spec (SKIPPED: no spec at ${SPEC_PATH})`;

// biome-ignore lint/suspicious/noExplicitAny: the spec is untyped JSON.
type Schema = Record<string, any>;
let spec: Schema;

/** The rule the spec states for one property, in bfl-spec.ts's terms. */
function ruleOf(property: Schema): BFLFieldRule {
  const options: Schema[] = property.anyOf ?? [property];
  const nullable = options.some((option) => option.type === 'null');
  const main = options.find((option) => option.type !== 'null') as Schema;
  const rule: Record<string, unknown> = { nullable };
  if (typeof main.$ref === 'string') {
    const name = main.$ref.split('/').at(-1) as string;
    rule.type = 'enum';
    rule.values = spec.components.schemas[name].enum;
  } else {
    rule.type = main.type;
    for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'format']) {
      if (main[key] !== undefined) rule[key] = main[key];
    }
  }
  if (property.default !== undefined) rule.default = property.default;
  return rule as BFLFieldRule;
}

(found ? describe : describe.skip)(title, () => {
  beforeAll(() => {
    spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  });

  it.each(Object.entries(BFL_EDIT_ENDPOINTS))(
    'has the request schema of POST /v1/%s',
    (endpoint, expected) => {
      const operation = spec.paths[`/v1/${endpoint}`]?.post;
      expect(operation).toBeDefined();
      const ref: string = operation.requestBody.content['application/json'].schema.$ref;
      expect(ref).toBe(`#/components/schemas/${expected.schema}`);
      const schema = spec.components.schemas[expected.schema];
      expect([...schema.required].sort()).toEqual([...expected.required].sort());
      expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(expected.fields).sort());
      for (const [name, property] of Object.entries(schema.properties as Record<string, Schema>)) {
        expect({ name, rule: ruleOf(property) }).toEqual({ name, rule: expected.fields[name] });
      }
      // Every edit endpoint answers with a task to poll (or a webhook acknowledgement).
      const answer = operation.responses['200'].content['application/json'].schema.anyOf.map(
        (option: Schema) => option.$ref,
      );
      expect(answer).toEqual([
        '#/components/schemas/AsyncResponse',
        '#/components/schemas/AsyncWebhookResponse',
      ]);
      expect(operation.security).toEqual([{ APIKeyHeader: [] }]);
    },
  );

  it('authenticates with the x-key header', () => {
    expect(spec.components.securitySchemes.APIKeyHeader).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'x-key',
    });
  });

  it('polls get_result by id and reports the same statuses', () => {
    const poll = spec.paths['/v1/get_result'].get;
    expect(poll.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'query', required: true })]);
    const schemas = spec.components.schemas;
    expect(schemas.StatusResponse.enum).toEqual([...BFL_TASK_STATUSES]);
    expect(schemas.OutputFormat.enum).toEqual([...BFL_OUTPUT_FORMATS]);
    expect(schemas.ResultResponse.required).toEqual(['id', 'status']);
    expect(Object.keys(schemas.ResultResponse.properties).sort()).toEqual(
      ['details', 'id', 'preview', 'progress', 'result', 'status'].sort(),
    );
    expect(schemas.AsyncResponse.required).toEqual(['id', 'polling_url']);
    expect(Object.keys(schemas.AsyncResponse.properties).sort()).toEqual(
      ['cost', 'id', 'input_mp', 'output_mp', 'polling_url'].sort(),
    );
    expect(schemas.AsyncWebhookResponse.required).toEqual(['id', 'status', 'webhook_url']);
    expect(schemas.ValidationError.required).toEqual(['loc', 'msg', 'type']);
  });

  it('serves the global host', () => {
    expect(spec.servers[0].url).toBe('https://api.bfl.ai');
  });
});
