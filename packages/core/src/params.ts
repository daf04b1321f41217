/**
 * `ImageEditParams`: the request, with OpenAI's field names (snake_case, as the official `openai`
 * client sends them), retouch's own control fields, and provider extras passed flat.
 * @module
 */
import { z } from 'zod';
import { BadRequestError } from './errors.js';
import { type ImageInput, isImageInput } from './image/prepare.js';
import { integerInRange } from './provider-utils/extras-schema.js';

/** The OpenAI fields of an image edit. */
export interface OpenAIImageEditFields {
  /** Model, with a provider prefix (`gemini/gemini-2.5-flash-image`) or a bare OpenAI name. */
  model: string;
  /** One image, or several (the first is the one a mask applies to). */
  image: ImageInput | readonly ImageInput[];
  /** What to change. Required by every model except a few (background removal, upscales). */
  prompt?: string;
  /** OpenAI-convention mask (alpha 0 = edit), same size as the first image. */
  mask?: ImageInput;
  /** Images to make, 1–10. Defaults to 1. */
  n?: number;
  /** `WxH` or `auto`; mapped to each provider's own size or aspect ratio. */
  size?: string;
  quality?: 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max' | 'auto';
  /**
   * `b64_json` or `url`; honoured on every provider (a provider URL is downloaded for `b64_json`,
   * bytes become a `data:` URL for `url` — the proxy serves its own short-lived URL instead).
   * Defaults to `b64_json` on every provider and model, dall-e-2 included.
   */
  response_format?: 'url' | 'b64_json';
  output_format?: 'png' | 'jpeg' | 'webp';
  /** 0–100, with `jpeg`/`webp` only. */
  output_compression?: number;
  background?: 'transparent' | 'opaque' | 'auto';
  input_fidelity?: 'high' | 'low';
  partial_images?: number;
  stream?: boolean;
  /** End-user id: forwarded to providers that take it, logged and counted in spend. */
  user?: string;
}

/** retouch's own control fields. */
export interface ImageEditControlFields {
  /** Deadline for the whole call, in milliseconds. */
  timeout?: number;
  /** Extra headers sent upstream (win over the provider's own, except credentials). */
  extra_headers?: Record<string, string>;
  /** Extra fields merged into the upstream body. */
  extra_body?: Record<string, unknown>;
  /** Drop parameters the model cannot honour, with a warning in `_meta.warnings`, instead of failing. */
  drop_params?: boolean;
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** An image-edit request: OpenAI's fields, control fields, and provider extras (`seed`, `top`, …). */
export type ImageEditParams = OpenAIImageEditFields & ImageEditControlFields & { [extra: string]: unknown };

const imageInputSchema = z.custom<ImageInput>(isImageInput, {
  message: 'expected bytes, a Blob/File, a readable stream, a data: URL or an http(s) URL',
});

/** RFC 9110 `token`, and a field value without the characters that would end or split it. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

const paramsSchema = z.object({
  model: z
    .string()
    .min(1, 'required (a model id such as gpt-image-1, or provider/model such as gemini/<model id>)'),
  image: z.union([imageInputSchema, z.array(imageInputSchema).min(1, 'at least one image is required')]),
  prompt: z.string().optional(),
  mask: imageInputSchema.optional(),
  n: integerInRange(1, 10),
  size: z
    .string()
    .regex(/^(auto|\d{2,5}x\d{2,5})$/, 'size must be WIDTHxHEIGHT (e.g. 1024x1024) or auto')
    .optional(),
  // xhigh and max: GPT Image 2.5 and later (openai@7.59.0); each model's row says which it takes.
  quality: z.enum(['standard', 'low', 'medium', 'high', 'xhigh', 'max', 'auto']).optional(),
  response_format: z.enum(['url', 'b64_json']).optional(),
  output_format: z.enum(['png', 'jpeg', 'webp']).optional(),
  output_compression: integerInRange(0, 100),
  background: z.enum(['transparent', 'opaque', 'auto']).optional(),
  input_fidelity: z.enum(['high', 'low']).optional(),
  partial_images: integerInRange(0, 3),
  stream: z.boolean().optional(),
  user: z.string().max(256, 'must be at most 256 characters').optional(),
  timeout: z.number().positive().optional(),
  extra_headers: z
    .record(z.string(), z.string().regex(HEADER_VALUE, 'must not contain line breaks or NUL'))
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: "is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)",
          });
        }
      }
    })
    .optional(),
  extra_body: z.record(z.string(), z.unknown()).optional(),
  drop_params: z.boolean().optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** The field names of {@link ImageEditParams} that are not provider extras. */
export const KNOWN_PARAM_NAMES: ReadonlySet<string> = new Set(Object.keys(paramsSchema.shape));

/** Parsed params, split into known fields and provider extras. */
export interface ParsedImageEditParams {
  fields: z.infer<typeof paramsSchema>;
  images: readonly ImageInput[];
  extras: Record<string, unknown>;
}

/**
 * Checks the shape of a request and splits off provider extras. Throws a `BadRequestError` naming
 * the first bad field.
 *
 * @example
 * ```ts
 * const { fields, images, extras } = parseImageEditParams({ model: 'gpt-image-1', image: png, prompt: 'x', seed: 1 });
 * extras; // { seed: 1 }
 * ```
 */
export function parseImageEditParams(params: ImageEditParams): ParsedImageEditParams {
  if (typeof params !== 'object' || params === null) {
    throw new BadRequestError({ message: 'the request must be an object', param: null });
  }
  const extras: Record<string, unknown> = {};
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (KNOWN_PARAM_NAMES.has(key)) known[key] = value;
    else extras[key] = value;
  }
  const result = paramsSchema.safeParse(known);
  if (!result.success) {
    let issue = result.error.issues[0];
    if (issue?.code === 'invalid_union') {
      // `image` is one input or a list: report the branch that matches the shape given, not zod's
      // bare "Invalid input".
      const given = known[String(issue.path[0])];
      const branch = issue.errors[Array.isArray(given) ? issue.errors.length - 1 : 0]?.[0];
      if (branch) issue = { ...branch, path: [...issue.path, ...branch.path] };
    }
    const path = issue?.path ?? [];
    const param = path.length > 0 ? String(path[0]) : null;
    const where = path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    throw new BadRequestError({
      message: `${where || 'request'}: ${issue?.message ?? 'invalid value'}`,
      param,
      code: param === 'image' || param === 'mask' ? 'invalid_image' : 'invalid_value',
    });
  }
  const image = result.data.image;
  const images = Array.isArray(image) ? (image as ImageInput[]) : [image as ImageInput];
  return { fields: result.data, images, extras };
}
