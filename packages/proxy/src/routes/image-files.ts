/**
 * `GET /v1/images/files/:file`: the images behind the proxy's `response_format: "url"` answers.
 * No key: the URL's signature is the permission (as with OpenAI's own result URLs), and it expires.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImageHosting } from '../image-urls/hosting.js';
import { IMAGE_FILES_PATH } from '../image-urls/signing.js';

/**
 * Registers the route.
 *
 * @example
 * ```ts
 * registerImageFileRoute(app, hosting);
 * // curl "http://127.0.0.1:4000/v1/images/files/q8Xr0…Zg.png?expires=1767225600&sig=…" -o result.png
 * ```
 */
export function registerImageFileRoute(app: FastifyInstance, hosting: ImageHosting): void {
  app.get(`${IMAGE_FILES_PATH}/:file`, async (request, reply) => {
    const { file } = request.params as { file: string };
    const image = await hosting.serve(file, request.query as { expires?: unknown; sig?: unknown });
    return reply
      .code(200)
      .headers({
        'content-type': image.mediaType,
        'content-length': String(image.bytes.byteLength),
        'cache-control': `private, max-age=${image.maxAgeSeconds}`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'",
        'content-disposition': `inline; filename="${file}"`,
      })
      .send(Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength));
  });
}

/** A Host header as RFC 9110 allows it (a name or address, an optional port): nothing else goes into a URL. */
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The origin image URLs name: `image_urls.base_url` (or `PROXY_BASE_URL`) when set, else the origin
 * the request was sent to.
 *
 * @example
 * ```ts
 * originOf(request, hosting); // 'http://127.0.0.1:4000'
 * ```
 */
export function originOf(request: FastifyRequest, hosting: ImageHosting): string {
  if (hosting.settings.baseUrl) return hosting.settings.baseUrl;
  const host = request.host;
  const address = request.socket.localAddress ?? '127.0.0.1';
  const fallback = `${address.includes(':') ? `[${address}]` : address}:${request.socket.localPort}`;
  return `${request.protocol}://${HOST.test(host) ? host : fallback}`;
}
