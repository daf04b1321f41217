/**
 * Reads every input once, before any routing: magic-byte checks (non-images, truncated files),
 * size limits, remote URLs only through core's SSRF-guarded fetcher (never loopback, private or
 * link-local targets), and the mask against the first image. A bad input is a 4xx that never
 * reaches an upstream.
 * @module
 */
import {
  assertMaskMatches,
  type ImageEditParams,
  type ImageInput,
  type PreparedImage,
  prepareImage,
} from '@retouch/core';

/** Options of {@link prepareInputs}. */
export interface PrepareInputsOptions {
  /** Largest image or mask, in bytes. */
  maxImageBytes: number;
  /** Cancels remote downloads (the client went away). */
  signal?: AbortSignal;
  /** Deadline of a remote download, in ms. Defaults to 30 000. */
  remoteTimeoutMs?: number;
}

/**
 * Returns `params` with every image and the mask replaced by the checked images.
 *
 * @example
 * ```ts
 * import { prepareInputs } from '@retouch/proxy';
 *
 * const checked = await prepareInputs({ model: 'edit', image: [png, 'data:image/png;base64,…'], prompt: 'x' }, { maxImageBytes: 50 * 2 ** 20 });
 * // a non-image, a truncated PNG or a URL to 127.0.0.1 throws a BadRequestError naming the field
 * ```
 */
export async function prepareInputs(
  params: ImageEditParams,
  options: PrepareInputsOptions,
): Promise<ImageEditParams> {
  const list: readonly ImageInput[] = Array.isArray(params.image)
    ? params.image
    : [params.image as ImageInput];
  const read = (input: ImageInput, param: string, defaultName: string): Promise<PreparedImage> =>
    prepareImage(input, {
      param,
      defaultName,
      maxBytes: options.maxImageBytes,
      remote: {
        maxBytes: options.maxImageBytes,
        timeoutMs: options.remoteTimeoutMs ?? 30_000,
        signal: options.signal,
        allowPrivateNetwork: false,
        param,
      },
    });
  const [images, mask] = await Promise.all([
    Promise.all(
      list.map((input, i) =>
        read(input, list.length > 1 ? `image[${i}]` : 'image', i === 0 ? 'image' : `image-${i + 1}`),
      ),
    ),
    params.mask === undefined ? undefined : read(params.mask, 'mask', 'mask'),
  ]);
  const first = images[0];
  if (mask && first) assertMaskMatches(mask, first);
  // The checked images themselves: core takes them back as they are (not read or checked again,
  // and an upload's pieces are not joined).
  return {
    ...params,
    image: images.length === 1 ? (images[0] as PreparedImage) : images,
    ...(mask ? { mask } : {}),
  };
}
