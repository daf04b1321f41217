/**
 * `response_format: "url"` from the proxy: the images of a served edit are kept in the configured
 * store and the response names them by short-lived, signed URLs of the proxy itself
 * (`GET /v1/images/files/<id>.<ext>?expires=…&sig=…`), instead of multi-megabyte `data:` URLs or the
 * upstream's own URLs. Every edit is asked of the router as `b64_json`, so the bytes come through
 * each provider's own downloader (BFL's delivery hosts, dall-e-2's blob URLs) whatever the upstream
 * answered; the upstream's URL never reaches the caller.
 * @module
 */
import {
  getMeta,
  type ImageEditParams,
  type ImageEditResponse,
  NotFoundError,
  PermissionDeniedError,
  sniffImage,
  withMeta,
} from '@retouch/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ImageUrlSettings } from './settings.js';
import {
  checkImageSignature,
  mediaTypeOfFileName,
  newImageFileName,
  signedImagePath,
  signingKey,
} from './signing.js';
import { createS3ImageStore } from './s3-store.js';
import { createDiskImageStore, createMemoryImageStore, type ImageStore, type StoredImage } from './stores.js';

/** The image hosting of a running proxy. */
export interface ImageHosting {
  readonly settings: ImageUrlSettings;
  readonly store: ImageStore;
  /** What the operator should know at start-up (a key that other instances cannot verify, …). */
  readonly startupWarnings: readonly string[];
  /** The request as the router gets it: always `b64_json`, so that the proxy holds the bytes. */
  forRouter<P extends Pick<ImageEditParams, 'response_format'>>(params: P): P;
  /**
   * Answers `response` in the format the caller gets (their `response_format`, else the serving
   * deployment's, else `b64_json`): for `url`, each image is stored and named by a signed URL.
   */
  finish(
    response: ImageEditResponse,
    asked: 'url' | 'b64_json' | undefined,
    origin: string,
  ): Promise<ImageEditResponse>;
  /** The image behind a signed URL, or the 403 / 404 in OpenAI's error shape. */
  serve(
    file: string,
    query: { expires?: unknown; sig?: unknown },
  ): Promise<StoredImage & { maxAgeSeconds: number }>;
  close(): Promise<void>;
}

async function openStore(settings: ImageUrlSettings): Promise<ImageStore> {
  if (settings.store === 'disk') {
    return createDiskImageStore({ dir: settings.dir, mediaTypeOf: mediaTypeOfFileName });
  }
  if (settings.store === 's3' && settings.s3) return createS3ImageStore(settings.s3);
  return createMemoryImageStore({ maxBytes: settings.maxMemoryBytes });
}

/**
 * Opens the store and returns the hosting. `responseFormatOf` gives a deployment's own
 * `litellm_params.response_format` (the default of requests that name none).
 *
 * @example
 * ```ts
 * const hosting = await createImageHosting(settings, { masterKey: config.masterKey, log, responseFormatOf });
 * const answered = await hosting.finish(response, params.response_format, 'https://retouch.example.com');
 * ```
 */
export async function createImageHosting(
  settings: ImageUrlSettings,
  options: {
    masterKey?: string;
    log: FastifyBaseLogger;
    responseFormatOf: (deploymentId: string | undefined) => 'url' | 'b64_json' | undefined;
    now?: () => number;
  },
): Promise<ImageHosting> {
  const now = options.now ?? Date.now;
  const store = await openStore(settings);
  const { key, source } = signingKey({ signingKey: settings.signingKey, masterKey: options.masterKey });
  const startupWarnings: string[] = [];
  if (source === 'random' && settings.store !== 'memory') {
    startupWarnings.push(
      `general_settings.image_urls: store ${settings.store} but no signing_key and no master_key: image URLs are signed with a random key of this process, so other instances and a restart refuse them; set image_urls.signing_key`,
    );
  }

  const host = async (b64: string, origin: string): Promise<{ url: string; warning?: string }> => {
    const bytes = Buffer.from(b64, 'base64');
    const mediaType = sniffImage(bytes)?.mediaType ?? 'image/png';
    const file = newImageFileName(mediaType);
    const expires = Math.floor((now() + settings.ttlMs) / 1000);
    let problem: string | undefined;
    try {
      if (await store.put(file, { bytes, mediaType }, expires * 1000))
        return { url: `${origin}${signedImagePath(key, file, expires)}` };
      problem = `it is larger than the memory store (max_memory_mb)`;
    } catch (error) {
      // The edit is made and billed: the caller still gets the image, as a data: URL.
      problem = `the ${store.kind} store failed (${(error as Error).name}: ${(error as Error).message.slice(0, 200)})`;
      options.log.error({ store: store.kind, err: error }, 'image_urls: storing a result image failed');
    }
    return {
      url: `data:${mediaType};base64,${b64}`,
      warning: `response_format url: image returned as a data: URL because ${problem}`,
    };
  };

  return {
    settings,
    store,
    startupWarnings,
    forRouter(params) {
      // Anything else is the caller's mistake, left for validation to answer with a 400.
      const asked = params.response_format;
      return asked === undefined || asked === 'url' ? { ...params, response_format: 'b64_json' } : params;
    },
    async finish(response, asked, origin) {
      const meta = getMeta(response);
      const format = asked ?? options.responseFormatOf(meta.deploymentId) ?? 'b64_json';
      if (format !== 'url') return response;
      const warnings: string[] = [];
      response.data = await Promise.all(
        response.data.map(async (image) => {
          if (image.b64_json === undefined) return image;
          const { url, warning } = await host(image.b64_json, origin);
          if (warning) warnings.push(warning);
          return image.revised_prompt === undefined ? { url } : { url, revised_prompt: image.revised_prompt };
        }),
      );
      return warnings.length > 0
        ? withMeta(response, { ...meta, warnings: [...meta.warnings, ...warnings] })
        : response;
    },
    async serve(file, query) {
      const problem = checkImageSignature(key, file, query, now());
      if (problem === 'invalid') {
        throw new PermissionDeniedError({
          message:
            'This image URL is not valid: its signature does not match (the URL was changed or cut, or it was signed by another proxy).',
          code: 'invalid_signature',
        });
      }
      if (problem === 'expired') {
        throw new PermissionDeniedError({
          message: `This image URL has expired (image URLs work for ${Math.round(settings.ttlMs / 1000)} s). Make the edit again for a new one, or ask for response_format b64_json.`,
          code: 'url_expired',
        });
      }
      const mediaType = mediaTypeOfFileName(file);
      const stored = mediaType ? await store.get(file) : undefined;
      if (!mediaType || !stored) {
        throw new NotFoundError({
          message: `This image is no longer stored (${store.kind === 'memory' ? 'the memory store dropped it to make room, the proxy restarted, or another instance answered: several instances need image_urls.store disk or s3' : 'it was deleted'}).`,
          code: 'image_not_found',
        });
      }
      const maxAgeSeconds = Math.max(0, Number(query.expires) - Math.ceil(now() / 1000));
      return { bytes: stored.bytes, mediaType, maxAgeSeconds };
    },
    close: () => store.close(),
  };
}
