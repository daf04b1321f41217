/**
 * `general_settings.image_urls`: where the images behind `response_format: "url"` are kept, how long
 * their URLs work, the origin the URLs name and the key that signs them.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { type ConfigIssue, formatKeyPath } from '../config/config-error.js';
import { type Dict, isDict, pickKnown, Warnings } from '../config/config-parts.js';

/** Default `ttl_seconds`: OpenAI's own URLs work for 60 minutes. */
export const DEFAULT_IMAGE_URL_TTL_SECONDS = 3600;
/** Default `max_memory_mb` of the memory store. */
export const DEFAULT_IMAGE_MEMORY_MB = 256;
/** Default `dir` of the disk store, relative to the config file's directory. */
export const DEFAULT_IMAGE_DIR = '.retouch/images';
/** Default `s3.prefix`. */
export const DEFAULT_S3_PREFIX = 'retouch-images/';

/** Where hosted images are kept. */
export type ImageStoreKind = 'memory' | 'disk' | 's3';

/** An S3 bucket (AWS or any S3-compatible server). */
export interface S3StoreSettings {
  bucket: string;
  /** Key prefix of every object. Default `retouch-images/`. */
  prefix: string;
  /** Default `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** An S3-compatible server (`http://127.0.0.1:9000`); default AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. Default false. */
  forcePathStyle: boolean;
  /** Static credentials; default the AWS SDK's chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

/** `image_urls` after validation, defaults filled in. */
export interface ImageUrlSettings {
  store: ImageStoreKind;
  /** How long a URL works, in ms (`ttl_seconds`, default 3600 s). */
  ttlMs: number;
  /** Origin the URLs name (`base_url`, else `PROXY_BASE_URL`); default: the request's own origin. */
  baseUrl?: string;
  /** HMAC key of the URLs (`signing_key`); default: derived from the master key, else random. */
  signingKey?: string;
  /** Memory store: most bytes kept; the oldest images go first. */
  maxMemoryBytes: number;
  /** Disk store: the directory, absolute. */
  dir: string;
  s3?: S3StoreSettings;
}

const IMAGE_URL_KEYS = ['store', 'ttl_seconds', 'base_url', 'signing_key', 'max_memory_mb', 'dir', 's3'];
const S3_KEYS = [
  'bucket',
  'prefix',
  'region',
  'endpoint',
  'force_path_style',
  'access_key_id',
  'secret_access_key',
  'session_token',
];

// `os.environ/NAME` values arrive as strings: numbers and booleans may too.
const number = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number());
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const text = z.string().min(1, 'must not be empty');
const origin = z
  .string()
  .url('expected an http(s) origin such as https://retouch.example.com')
  .refine((u) => /^https?:\/\//.test(u), 'expected an http(s) origin such as https://retouch.example.com');

const s3Schema = z.object({
  bucket: text,
  prefix: z.string().optional(),
  region: text.optional(),
  endpoint: origin.optional(),
  force_path_style: flag.optional(),
  access_key_id: text.optional(),
  secret_access_key: text.optional(),
  session_token: text.optional(),
});

const schema = z.object({
  store: z.enum(['memory', 'disk', 's3']).optional(),
  ttl_seconds: number
    .pipe(
      z
        .number()
        .positive()
        .max(7 * 24 * 3600, 'at most 604800 (7 days)'),
    )
    .optional(),
  base_url: origin.optional(),
  signing_key: z.string().min(16, 'at least 16 characters').optional(),
  max_memory_mb: number.pipe(z.number().positive()).optional(),
  dir: text.optional(),
  s3: z.unknown().optional(),
});

function issuesOf(error: z.ZodError, prefix: PropertyKey[]): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: formatKeyPath([...prefix, ...issue.path]),
    message: issue.message,
  }));
}

/**
 * Validates `general_settings.image_urls` (absent: the memory store with the defaults). Unknown
 * keys are warnings; `baseDir` resolves a relative `dir`; `env` gives `PROXY_BASE_URL`.
 *
 * @example
 * ```ts
 * const { settings } = parseImageUrlSettings({ store: 'disk', ttl_seconds: 600 }, { warnings, baseDir: '/srv' });
 * settings?.dir; // '/srv/.retouch/images'
 * ```
 */
export function parseImageUrlSettings(
  value: unknown,
  options: { warnings: Warnings; baseDir: string; env?: Record<string, string | undefined> },
): { settings?: ImageUrlSettings; issues: ConfigIssue[] } {
  const path = ['general_settings', 'image_urls'];
  if (value !== undefined && value !== null && !isDict(value)) {
    return {
      issues: [{ path: formatKeyPath(path), message: 'expected a mapping (store: memory | disk | s3, …)' }],
    };
  }
  const known = pickKnown(
    (value ?? {}) as Dict,
    IMAGE_URL_KEYS,
    path,
    options.warnings,
    'general_settings.image_urls',
  );
  const parsed = schema.safeParse(known);
  if (!parsed.success) return { issues: issuesOf(parsed.error, path) };
  const own = parsed.data;
  const store = own.store ?? (own.s3 !== undefined ? 's3' : 'memory');
  let s3: S3StoreSettings | undefined;
  if (store === 's3' || own.s3 !== undefined) {
    if (!isDict(own.s3)) {
      return {
        issues: [{ path: formatKeyPath([...path, 's3']), message: 'required for store: s3 (bucket, …)' }],
      };
    }
    const s3Path = [...path, 's3'];
    const s3Parsed = s3Schema.safeParse(
      pickKnown(own.s3, S3_KEYS, s3Path, options.warnings, 'general_settings.image_urls.s3'),
    );
    if (!s3Parsed.success) return { issues: issuesOf(s3Parsed.error, s3Path) };
    const c = s3Parsed.data;
    if ((c.access_key_id === undefined) !== (c.secret_access_key === undefined)) {
      return {
        issues: [{ path: formatKeyPath(s3Path), message: 'access_key_id and secret_access_key go together' }],
      };
    }
    s3 = {
      bucket: c.bucket,
      prefix: c.prefix ?? DEFAULT_S3_PREFIX,
      region: c.region,
      endpoint: c.endpoint?.replace(/\/+$/, ''),
      forcePathStyle: c.force_path_style ?? false,
      accessKeyId: c.access_key_id,
      secretAccessKey: c.secret_access_key,
      sessionToken: c.session_token,
    };
  }
  const envBase = options.env?.PROXY_BASE_URL;
  const baseUrl = own.base_url ?? (envBase && /^https?:\/\//.test(envBase) ? envBase : undefined);
  const dir = own.dir ?? DEFAULT_IMAGE_DIR;
  return {
    settings: {
      store,
      ttlMs: Math.round((own.ttl_seconds ?? DEFAULT_IMAGE_URL_TTL_SECONDS) * 1000),
      baseUrl: baseUrl?.replace(/\/+$/, ''),
      signingKey: own.signing_key,
      maxMemoryBytes: Math.floor((own.max_memory_mb ?? DEFAULT_IMAGE_MEMORY_MB) * 1024 * 1024),
      dir: isAbsolute(dir) ? dir : resolve(options.baseDir, dir),
      s3,
    },
    issues: [],
  };
}

/**
 * The settings of a config without `image_urls`: the memory store, 3600 s, URLs on the request's
 * own origin (or `PROXY_BASE_URL`).
 *
 * @example
 * ```ts
 * defaultImageUrlSettings().store; // 'memory'
 * ```
 */
export function defaultImageUrlSettings(
  env: Record<string, string | undefined> = process.env,
): ImageUrlSettings {
  return parseImageUrlSettings(undefined, { warnings: new Warnings(), baseDir: process.cwd(), env })
    .settings as ImageUrlSettings;
}
