/**
 * Turns a provider result into OpenAI's `ImagesResponse`, honouring `response_format` on every
 * provider, with the call's metadata on a non-enumerable `_meta` so that `JSON.stringify(response)`
 * is exactly OpenAI's shape.
 * @module
 */
import { BadGatewayError } from './errors.js';
import { sniffImage } from './image/sniff.js';
import type { GeneratedImage, ImageUsage, ProviderImageEditResult } from './provider.js';
import { safeFetchBytes } from './safe-fetch.js';

/** One image of the response. */
export interface ImageData {
  b64_json?: string;
  url?: string;
  revised_prompt?: string;
}

/** OpenAI's `ImagesResponse` (plus any field OpenAI answered that retouch does not map, as it came). */
export interface ImagesResponse {
  created: number;
  data: ImageData[];
  usage?: ImageUsage;
  background?: string;
  output_format?: string;
  quality?: string;
  size?: string;
}

/** What retouch knows about a call, on `response._meta`. */
export interface ResponseMeta {
  /** Provider that served (`openai`, `gemini`, …). */
  provider: string;
  /** Model that served, without prefix. */
  model: string;
  /** Cost in USD; `null` when it cannot be known. */
  costUsd: number | null;
  latencyMs: number;
  /** Upstream attempts made, retries and fallbacks included. */
  attempts: number;
  warnings: string[];
  user?: string;
  upstreamRequestId?: string;
  /** Router deployment id that served, when a router was used. */
  deploymentId?: string;
  /** Router model group, when a router was used. */
  modelGroup?: string;
  /** Streamed calls: milliseconds from the call's start to its first event. */
  timeToFirstEventMs?: number;
}

/** A response with its metadata. */
export type ImageEditResponse = ImagesResponse & { readonly _meta: ResponseMeta };

/**
 * Reads `_meta` of a response.
 *
 * @example
 * ```ts
 * const response = await imageEdit(params);
 * console.log(getMeta(response).costUsd);
 * ```
 */
export function getMeta(response: ImagesResponse): ResponseMeta {
  return (response as ImageEditResponse)._meta;
}

/**
 * Sets (or replaces) the non-enumerable `_meta` of a response.
 *
 * @example
 * ```ts
 * withMeta(response, { ...getMeta(response), attempts: 2, deploymentId: 'openai-eu' });
 * ```
 */
export function withMeta(response: ImagesResponse, meta: ResponseMeta): ImageEditResponse {
  Object.defineProperty(response, '_meta', {
    value: meta,
    enumerable: false,
    configurable: true,
    writable: false,
  });
  return response as ImageEditResponse;
}

function mediaTypeOf(image: GeneratedImage, bytes: Uint8Array | undefined): string {
  if (image.mediaType) return image.mediaType;
  return (bytes && sniffImage(bytes)?.mediaType) ?? 'image/png';
}

async function bytesOf(
  image: GeneratedImage,
  result: Pick<ProviderImageEditResult, 'download'>,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (image.bytes) return image.bytes;
  if (image.b64 !== undefined) return Buffer.from(image.b64, 'base64');
  const url = image.url as string;
  if (url.startsWith('data:')) return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  try {
    if (result.download) return await result.download(url, signal);
    return (await safeFetchBytes(url, { signal, param: 'result' })).bytes;
  } catch (error) {
    if (signal.aborted) throw error;
    // The caller's request was fine; the provider handed back a result we could not fetch.
    // The edit was made (and billed); only its result is out of reach: not repeated automatically.
    throw new BadGatewayError({
      message: `could not download the result image: ${(error as Error).message}`,
      cause: error,
      reachedUpstream: true,
    });
  }
}

/**
 * One provider image as base64 (a URL is downloaded through `result.download` or the SSRF-guarded
 * fetcher), with its media type.
 *
 * @example
 * ```ts
 * const { b64, mediaType } = await imageBase64(image, result, signal);
 * ```
 */
export async function imageBase64(
  image: GeneratedImage,
  result: Pick<ProviderImageEditResult, 'download'>,
  signal: AbortSignal,
): Promise<{ b64: string; mediaType: string }> {
  if (image.b64 !== undefined && image.mediaType) return { b64: image.b64, mediaType: image.mediaType };
  const bytes = await bytesOf(image, result, signal);
  const b64 = image.b64 ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return { b64, mediaType: mediaTypeOf(image, bytes) };
}

async function toImageData(
  image: GeneratedImage,
  result: ProviderImageEditResult,
  responseFormat: 'url' | 'b64_json',
  signal: AbortSignal,
): Promise<ImageData> {
  const out: ImageData = {};
  if (responseFormat === 'url' && image.url) out.url = image.url;
  else if (responseFormat === 'b64_json' && image.b64 !== undefined) out.b64_json = image.b64;
  else if (image.b64 !== undefined && image.mediaType) {
    // Base64 with a known type wanted as a `data:` URL: no need to decode it only to encode it again.
    out.url = `data:${image.mediaType};base64,${image.b64}`;
  } else {
    const bytes = await bytesOf(image, result, signal);
    const b64 = image.b64 ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    if (responseFormat === 'b64_json') out.b64_json = b64;
    else out.url = `data:${mediaTypeOf(image, bytes)};base64,${b64}`;
  }
  if (image.revisedPrompt) out.revised_prompt = image.revisedPrompt;
  return out;
}

/**
 * Builds the OpenAI response from a provider result (without `_meta`; see {@link withMeta}).
 * URLs are downloaded for `b64_json` (through the provider's own downloader, else the SSRF-guarded
 * fetcher); bytes become `data:` URLs for `url`.
 *
 * @example
 * ```ts
 * const response = await toOpenAIResponse(result, { responseFormat: 'b64_json', signal, provider: 'openai', model: 'gpt-image-1' });
 * ```
 */
export async function toOpenAIResponse(
  result: ProviderImageEditResult,
  options: { responseFormat: 'url' | 'b64_json'; signal: AbortSignal; provider: string; model: string },
): Promise<ImagesResponse> {
  const usable = result.images.filter((image) => image.b64 !== undefined || image.bytes || image.url);
  if (usable.length === 0) {
    throw new BadGatewayError({
      message: `${options.provider}/${options.model} returned no image`,
      provider: options.provider,
      model: options.model,
    });
  }
  const data = await Promise.all(
    usable.map((image) => toImageData(image, result, options.responseFormat, options.signal)),
  );
  const response: ImagesResponse = { created: Math.floor(Date.now() / 1000), data };
  const echo = result.echo ?? {};
  if (echo.background) response.background = echo.background;
  if (echo.output_format) response.output_format = echo.output_format;
  if (echo.quality) response.quality = echo.quality;
  if (echo.size) response.size = echo.size;
  if (result.usage) response.usage = result.usage;
  for (const [field, value] of Object.entries(result.passthrough ?? {})) {
    if (!(field in response) && value !== undefined)
      (response as unknown as Record<string, unknown>)[field] = value;
  }
  return response;
}
