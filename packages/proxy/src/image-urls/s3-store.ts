/**
 * The S3 store: hosted images as objects in a bucket (AWS S3 or any S3-compatible server), so that
 * every instance behind one address can serve every URL. Uses `@aws-sdk/client-s3`, an optional peer
 * dependency loaded only when `store: s3` is configured. The proxy serves the bytes itself (the
 * bucket can stay private); set a lifecycle rule on the prefix to delete objects after the TTL.
 * @module
 */
import type { S3StoreSettings } from './settings.js';
import type { ImageStore, StoredImage } from './stores.js';

/** The object metadata key holding the expiry (epoch ms): a copy outlives its URL by nothing. */
const EXPIRES_METADATA = 'retouch-expires-at';

type S3Module = typeof import('@aws-sdk/client-s3');

async function loadS3(): Promise<S3Module> {
  try {
    return await import('@aws-sdk/client-s3');
  } catch (error) {
    throw new Error(
      'general_settings.image_urls.store: s3 needs the AWS SDK S3 client: run `npm install @aws-sdk/client-s3` next to @retouch/proxy',
      { cause: error },
    );
  }
}

function isMissingObject(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Opens the S3 store (loading the SDK). Requests carry no checksum the server did not ask for
 * (`WHEN_REQUIRED`), which S3-compatible servers may not know.
 *
 * @example
 * ```ts
 * const store = await createS3ImageStore({ bucket: 'retouch-images', prefix: 'retouch-images/', forcePathStyle: false });
 * ```
 */
export async function createS3ImageStore(
  settings: S3StoreSettings,
  options: { timeoutMs?: number; now?: () => number } = {},
): Promise<ImageStore> {
  const { S3Client, PutObjectCommand, GetObjectCommand } = await loadS3();
  const now = options.now ?? Date.now;
  const client = new S3Client({
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
            sessionToken: settings.sessionToken,
          }
        : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5000, requestTimeout: options.timeoutMs ?? 30_000 },
  });
  const key = (file: string) => `${settings.prefix}${file}`;
  return {
    kind: 's3',
    async put(file, image, expiresAt) {
      await client.send(
        new PutObjectCommand({
          Bucket: settings.bucket,
          Key: key(file),
          Body: image.bytes,
          ContentType: image.mediaType,
          ContentLength: image.bytes.byteLength,
          CacheControl: 'private, no-store',
          Expires: new Date(expiresAt),
          Metadata: { [EXPIRES_METADATA]: String(expiresAt) },
        }),
      );
      return true;
    },
    async get(file): Promise<StoredImage | undefined> {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key(file) }));
        const expiresAt = Number(answer.Metadata?.[EXPIRES_METADATA]);
        if (!answer.Body || (Number.isFinite(expiresAt) && expiresAt <= now())) {
          await answer.Body?.transformToByteArray().catch(() => undefined);
          return undefined;
        }
        const bytes = await answer.Body.transformToByteArray();
        return { bytes, mediaType: answer.ContentType ?? 'application/octet-stream' };
      } catch (error) {
        if (isMissingObject(error)) return undefined;
        throw error;
      }
    },
    async close() {
      client.destroy();
    },
  };
}
