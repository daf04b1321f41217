/**
 * A hand-written check of the everyday `ImagesResponse`, run before the zod schema: on the hot
 * path zod's walk of the answer costs more than the rest of reading it (about 0.1 ms a call in
 * `pnpm bench:proxy --profile`). It accepts only answers `imagesResponseSchema` (in `openai-image-edit.ts`)
 * accepts unchanged (`openai-answer-check.test.ts` holds the two side by side); anything it does
 * not accept goes through the schema, whose first issue names the field that is wrong.
 * @module
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNullishString = (value: unknown) =>
  value === undefined || value === null || typeof value === 'string';
// z.number() takes finite numbers only.
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isOptionalNumber = (value: unknown) => value === undefined || isNumber(value);

/** `input_tokens_details` / `output_tokens_details`: optional (not null), numbers inside. */
function isTokenDetails(value: unknown): boolean {
  if (value === undefined) return true;
  return isObject(value) && isOptionalNumber(value.text_tokens) && isOptionalNumber(value.image_tokens);
}

function isUsage(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return (
    isObject(value) &&
    isNumber(value.input_tokens) &&
    isNumber(value.output_tokens) &&
    isNumber(value.total_tokens) &&
    isTokenDetails(value.input_tokens_details) &&
    isTokenDetails(value.output_tokens_details)
  );
}

/**
 * Whether `answer` is an `ImagesResponse` the response schema takes as it is (so it can be used
 * without the schema's copy). `false` means "ask the schema", not "invalid".
 *
 * @example
 * ```ts
 * isPlainImagesResponse({ created: 1, data: [{ b64_json: 'iVBORw0…' }] }); // true
 * isPlainImagesResponse({ data: 'no' }); // false: the schema says why
 * ```
 */
export function isPlainImagesResponse(answer: unknown): boolean {
  if (!isObject(answer) || !Array.isArray(answer.data)) return false;
  for (const item of answer.data) {
    if (
      !isObject(item) ||
      !isNullishString(item.b64_json) ||
      !isNullishString(item.url) ||
      !isNullishString(item.revised_prompt)
    )
      return false;
  }
  return (
    isOptionalNumber(answer.created) &&
    isUsage(answer.usage) &&
    isNullishString(answer.size) &&
    isNullishString(answer.quality) &&
    isNullishString(answer.background) &&
    isNullishString(answer.output_format)
  );
}
