/**
 * The BFL mapping: an OpenAI-style edit → one `POST /v1/{endpoint}` body with the field names of
 * that endpoint's spec schema (Kontext / FLUX.2: `input_image`, `input_image_2`, …; Fill and
 * Expand: `image`, Fill's `mask` in BFL's white-means-edit convention), then submit → poll → result
 * (bfl-task.ts). `n` > 1 runs concurrent tasks, bounded by BFL's active-task limit, merged (a
 * fixed `seed` going up by one per task).
 * @module
 */
import {
  BadRequestError,
  convertMask,
  fanOut,
  type GeneratedImage,
  type ProviderCallOptions,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
  parseSize,
  PermissionDeniedError,
  RateLimitError,
  type RetouchError,
  seedForCall,
  toBase64,
  type UpstreamErrorDetails,
  type UpstreamFailure,
  unservedModelError,
} from '@retouch/core';
import { BFL_MODEL_INFO, type BFLModelInfo, FLUX2_MAX_PIXELS } from './bfl-capabilities.js';
import { BFL_OPTIONS_SCHEMAS, type BFLOptions } from './bfl-options.js';
import { type BFLTaskContext, downloadBFLResult, expiryWarning, runBFLTask } from './bfl-task.js';

const PROVIDER = 'black_forest_labs';

/** What the mapping needs besides the request. */
export interface BFLEditContext extends BFLTaskContext {
  /** Upper bound on concurrent tasks for `n` > 1; defaults to the model's active-task limit. */
  maxActiveTasks?: number;
}

function bad(model: string, param: string, message: string): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, provider: PROVIDER, model });
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

function inputImageField(index: number): string {
  return index === 0 ? 'input_image' : `input_image_${index + 1}`;
}

/** Kontext: `size` (or the `aspect_ratio` extra, which wins) becomes `aspect_ratio` W:H. */
function kontextShape(request: ProviderImageEditRequest, options: BFLOptions, warnings: string[]) {
  if (options.aspect_ratio !== undefined) {
    if (request.size && request.size !== 'auto')
      warnings.push(`size ${request.size} ignored: aspect_ratio is set`);
    return { aspect_ratio: options.aspect_ratio };
  }
  const size = parseSize(request.size);
  if (!size) return {};
  const divisor = greatestCommonDivisor(size.width, size.height);
  const ratio = `${size.width / divisor}:${size.height / divisor}`;
  warnings.push(
    `size ${request.size}: sent as aspect_ratio ${ratio}; BFL picks the pixel size (about 1 megapixel)`,
  );
  return { aspect_ratio: ratio };
}

/** FLUX.2: `size` becomes `width`/`height`; the extras win. */
function flux2Shape(request: ProviderImageEditRequest, options: BFLOptions) {
  const size = parseSize(request.size);
  const width = options.width ?? size?.width;
  const height = options.height ?? size?.height;
  if (width !== undefined && height !== undefined && width * height > FLUX2_MAX_PIXELS) {
    throw bad(request.model, 'width', `${width}x${height} is over FLUX.2's 4 megapixels (e.g. 2048x2048).`);
  }
  return { ...(width === undefined ? {} : { width }), ...(height === undefined ? {} : { height }) };
}

async function fillShape(request: ProviderImageEditRequest) {
  const [image] = request.images;
  if (!request.mask) {
    if (!image?.hasAlpha) {
      throw bad(
        request.model,
        'mask',
        'flux-pro-1.0-fill needs a mask (or an image whose transparent pixels mark the area to edit).',
      );
    }
    return {};
  }
  // Our masks follow OpenAI (transparent = edit); BFL wants an opaque mask where white = edit.
  const mask = await convertMask(request.mask, 'white');
  return { mask: toBase64(mask) };
}

function expandShape(request: ProviderImageEditRequest, options: BFLOptions) {
  const sides = { top: options.top, bottom: options.bottom, left: options.left, right: options.right };
  if (!Object.values(sides).some((pixels) => pixels !== undefined && pixels > 0)) {
    throw bad(
      request.model,
      'top',
      'flux-pro-1.0-expand needs at least one of top, bottom, left, right (pixels to add on that side, 0–2048).',
    );
  }
  return Object.fromEntries(Object.entries(sides).filter(([, pixels]) => pixels !== undefined));
}

/**
 * Builds the submit body with the endpoint's own field names.
 *
 * @example
 * ```ts
 * const body = await buildBFLBody(request, BFL_MODEL_INFO['flux-pro-1.0-fill'], {}, warnings);
 * // { prompt, image: '<base64>', mask: '<base64, white = edit>' }
 * ```
 */
export async function buildBFLBody(
  request: ProviderImageEditRequest,
  info: BFLModelInfo,
  options: BFLOptions,
  warnings: string[],
): Promise<Record<string, unknown>> {
  const passthrough: Record<string, unknown> = { ...options };
  // Fields mapped below, not passed as they are.
  for (const mapped of ['aspect_ratio', 'width', 'height', 'top', 'bottom', 'left', 'right'])
    delete passthrough[mapped];
  const body: Record<string, unknown> = {};
  if (request.prompt !== undefined) body.prompt = request.prompt;
  if (info.kind === 'fill' || info.kind === 'expand') {
    body.image = toBase64(request.images[0] as (typeof request.images)[number]);
    Object.assign(body, info.kind === 'fill' ? await fillShape(request) : expandShape(request, options));
  } else {
    request.images.forEach((image, index) => {
      body[inputImageField(index)] = toBase64(image);
    });
    Object.assign(
      body,
      info.kind === 'kontext' ? kontextShape(request, options, warnings) : flux2Shape(request, options),
    );
  }
  if (request.output_format !== undefined) body.output_format = request.output_format;
  Object.assign(body, passthrough, request.extraBody);
  return body;
}

/**
 * Runs one BFL image edit (n tasks for `n` > 1).
 *
 * @example
 * ```ts
 * const result = await bflImageEdit(context, request, { signal });
 * result.images[0]?.url; // the signed result URL
 * ```
 */
export async function bflImageEdit(
  context: BFLEditContext,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
): Promise<ProviderImageEditResult> {
  const like = request.servedLike === undefined ? undefined : BFL_MODEL_INFO[request.servedLike];
  // An unlisted model of a known family has its own endpoint (`/v1/{model}`) and its family's shape.
  const info = BFL_MODEL_INFO[request.model] ?? (like && { ...like, endpoint: request.model });
  if (!info) throw unservedModelError(PROVIDER, request.model);
  const warnings: string[] = [];
  const extras = parseProviderExtras({
    request,
    schema: BFL_OPTIONS_SCHEMAS[info.kind],
    provider: PROVIDER,
    warnings,
  }) as BFLOptions;
  const body = await buildBFLBody(request, info, extras, warnings);
  const mediaType = `image/${request.output_format ?? info.defaultOutputFormat}`;
  const download = (url: string, signal: AbortSignal) =>
    downloadBFLResult(context, url, signal, request.model);
  const concurrency = Math.min(request.n, context.maxActiveTasks ?? info.activeTaskLimit);

  const merged = await fanOut(request.n, concurrency, options.signal, async (signal, index) => {
    // A fixed seed goes up by one per task, so n tasks make n different images.
    const taskBody = typeof body.seed === 'number' ? { ...body, seed: seedForCall(body.seed, index) } : body;
    const task = await runBFLTask(
      context,
      { model: request.model, endpoint: info.endpoint, body: taskBody, headers: request.extraHeaders },
      { ...options, signal },
    );
    const image: GeneratedImage = { url: task.sample, mediaType };
    const taskWarnings: string[] = [];
    // The signed URL lasts minutes: fetch it now when bytes are wanted, else say when it expires.
    if (request.response_format === 'b64_json') image.bytes = await download(task.sample, signal);
    else taskWarnings.push(expiryWarning(task.sample));
    return {
      images: [image],
      // 1 credit = $0.01 (core rounds away the float noise of the division and of sums).
      providerCostUsd: task.costCredits === undefined ? undefined : task.costCredits / 100,
      warnings: taskWarnings,
      upstreamRequestId: task.id,
      download,
    };
  });
  return {
    ...merged,
    warnings: [...warnings, ...merged.warnings],
    echo: { output_format: request.output_format ?? info.defaultOutputFormat },
    download,
  };
}

/**
 * Reads BFL's FastAPI error bodies: `{"detail": "…"}` or `{"detail": [{loc, msg, type}]}`.
 *
 * @example
 * ```ts
 * parseBFLError({ detail: [{ loc: ['body', 'seed'], msg: 'bad' }] }, ''); // { message: 'seed: bad', param: 'seed' }
 * ```
 */
export function parseBFLError(body: unknown, text: string): UpstreamErrorDetails | undefined {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return { message: detail };
  if (Array.isArray(detail)) {
    const issues = detail as { loc?: unknown[]; msg?: string }[];
    const fieldOf = (issue: { loc?: unknown[] }) => issue.loc?.filter((part) => part !== 'body').join('.');
    return {
      message: issues.map((issue) => `${fieldOf(issue) || 'body'}: ${issue.msg ?? 'invalid'}`).join('; '),
      param: issues[0] ? fieldOf(issues[0]) || undefined : undefined,
    };
  }
  return text ? { message: text.slice(0, 500) } : undefined;
}

/**
 * BFL-specific meanings of 402 (credits), 422 (validation) and 429 (active tasks); `undefined` for
 * the default mapping.
 *
 * @example
 * ```ts
 * createProviderHttp({ provider: 'black_forest_labs', baseURL, classifyError: classifyBFLError });
 * ```
 */
export function classifyBFLError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
): RetouchError | undefined {
  const common = {
    ...ref,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
    param: failure.details.param,
  };
  const said = failure.details.message ?? `HTTP ${failure.status}`;
  if (failure.status === 402) {
    return new BadRequestError({
      message: `${PROVIDER}: out of credits (402: ${said}). Add credits in the BFL dashboard.`,
      code: 'insufficient_credits',
      status: 402,
      ...common,
    });
  }
  if (failure.status === 429) {
    return new RateLimitError({
      message: `${PROVIDER} returned 429: ${said} (BFL runs at most 24 active tasks per account, 6 for flux-kontext-max; wait for running tasks or lower n)`,
      retryAfterMs: failure.retryAfterMs,
      ...common,
    });
  }
  if (failure.status === 403) {
    // BFL's key check (a FastAPI API-key header) answers 403 for a missing or unknown key.
    return new PermissionDeniedError({
      message: `${PROVIDER} refused the request (403: ${said}). BFL answers 403 for a missing or invalid key: check BFL_API_KEY (or the apiKey setting).`,
      ...common,
    });
  }
  if (failure.status === 422) {
    return new BadRequestError({
      message: `${PROVIDER} rejected the request (422): ${said}`,
      code: 'invalid_request',
      status: 422,
      ...common,
    });
  }
  return undefined;
}
