/**
 * OpenAI `size` / `quality` → Gemini `imageConfig` (`aspectRatio`, `imageSize`), with the provider
 * extras `aspect_ratio` and `image_size` winning over the mapping.
 * @module
 */
import {
  BadRequestError,
  nearestAspectRatio,
  parseSize,
  type ProviderImageEditRequest,
  UnsupportedParamsError,
} from '@retouch/core';
import type { GeminiImageSize, GeminiModelSpec } from './gemini-capabilities.js';
import type { GeminiOptions } from './gemini-options.js';

/** The `imageConfig` fields retouch maps (Vertex adds its own next to them). */
export interface GeminiImageConfig {
  aspectRatio?: string;
  imageSize?: GeminiImageSize;
}

/** OpenAI `quality` → `imageSize`. `auto` leaves the model's default (1K). */
const QUALITY_TO_IMAGE_SIZE: Readonly<Record<string, GeminiImageSize | undefined>> = {
  auto: undefined,
  standard: '1K',
  low: '1K',
  medium: '2K',
  high: '4K',
};

/** A mapped ratio further than this from the requested one (relative) is worth a warning. */
const RATIO_TOLERANCE = 0.03;

function ratioOf(aspect: string): number {
  const [width, height] = aspect.split(':').map(Number);
  return (width ?? 1) / (height ?? 1);
}

/**
 * The `imageSize` a `size` implies when neither `quality` nor `image_size` says one: the models
 * make ~1 MP at 1K, so a `size` of about 2K or 4K pixels per side asks for that tier, and one of
 * about 512 per side (at most 768) asks for `512` on the models that have it.
 */
function imageSizeForSize(size: string | undefined, spec: GeminiModelSpec): GeminiImageSize | undefined {
  const parsed = parseSize(size);
  if (!parsed) return undefined;
  const side = Math.sqrt(parsed.width * parsed.height);
  const tier: GeminiImageSize | undefined =
    side > 3072 ? '4K' : side > 1536 ? '2K' : side <= 768 ? '512' : undefined;
  return tier && spec.imageSizes.includes(tier) ? tier : undefined;
}

/**
 * Resolves `imageConfig` for one request: `aspect_ratio` extra, else the ratio nearest to `size`
 * (`auto` or no size: omitted, so the model follows the input image); `image_size` extra, else
 * `quality` (but `auto`), else the tier `size` implies (`512`, `2K`, `4K`), only on models that
 * take `imageSize` and only tiers the model has.
 *
 * @example
 * ```ts
 * resolveImageConfig({ request, options: {}, spec, provider: 'gemini', warnings });
 * // { aspectRatio: '16:9' } for size 1792x1024
 * ```
 */
export function resolveImageConfig(args: {
  request: Pick<ProviderImageEditRequest, 'model' | 'size' | 'quality' | 'dropParams'>;
  options: Pick<GeminiOptions, 'aspect_ratio' | 'image_size'>;
  spec: GeminiModelSpec;
  provider: string;
  warnings: string[];
}): GeminiImageConfig {
  const { request, options, spec, provider, warnings } = args;
  const ref = { provider, model: request.model };
  const target = `${provider}/${request.model}`;
  const config: GeminiImageConfig = {};

  if (options.aspect_ratio !== undefined) {
    if (!spec.aspectRatios.includes(options.aspect_ratio)) {
      throw new BadRequestError({
        message: `aspect_ratio: ${target} takes ${spec.aspectRatios.join(', ')}; got ${options.aspect_ratio}.`,
        param: 'aspect_ratio',
        code: 'invalid_value',
        ...ref,
      });
    }
    config.aspectRatio = options.aspect_ratio;
    const mapped = nearestAspectRatio(request.size, spec.aspectRatios);
    if (mapped && mapped !== options.aspect_ratio) {
      warnings.push(`size ${request.size} ignored: aspect_ratio ${options.aspect_ratio} wins`);
    }
  } else {
    config.aspectRatio = nearestAspectRatio(request.size, spec.aspectRatios);
    const parsed = parseSize(request.size);
    if (config.aspectRatio && parsed) {
      const wanted = parsed.width / parsed.height;
      if (Math.abs(ratioOf(config.aspectRatio) / wanted - 1) > RATIO_TOLERANCE) {
        warnings.push(
          `size ${request.size} has no matching aspect ratio on ${target}; sent the nearest, ${config.aspectRatio}`,
        );
      }
    }
  }

  if (options.image_size !== undefined) {
    if (spec.imageSizes.includes(options.image_size)) config.imageSize = options.image_size;
    else if (spec.imageSizes.length === 0 && request.dropParams) {
      warnings.push(`dropped image_size: ${target} makes one size only`);
    } else if (spec.imageSizes.length === 0) {
      throw new UnsupportedParamsError({
        message: `image_size: ${target} makes one size only and takes no image_size. Remove it, or set drop_params: true.`,
        param: 'image_size',
        ...ref,
      });
    } else {
      throw new BadRequestError({
        message: `image_size: ${target} takes ${spec.imageSizes.join(', ')}; got ${options.image_size}.`,
        param: 'image_size',
        code: 'invalid_value',
        ...ref,
      });
    }
  } else if (spec.imageSizes.length > 0) {
    // `quality: auto` says nothing about the size, so the tier `size` implies still holds.
    const fromQuality = request.quality === undefined ? undefined : QUALITY_TO_IMAGE_SIZE[request.quality];
    config.imageSize = fromQuality ?? imageSizeForSize(request.size, spec);
  }
  return config;
}
