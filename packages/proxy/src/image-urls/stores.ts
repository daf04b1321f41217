/**
 * Where hosted images live until their URLs expire: in memory (bounded, oldest out first), or as
 * files in a directory (several instances may share it). The S3 store is in `s3-store.ts`.
 * Stores keep bytes only; they never log them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageStoreKind } from './settings.js';

/** An image and its media type. */
export interface StoredImage {
  bytes: Uint8Array;
  mediaType: string;
}

/** A place for hosted images. File names are checked by the caller (`mediaTypeOfFileName`). */
export interface ImageStore {
  readonly kind: ImageStoreKind;
  /** Keeps the image until at least `expiresAt` (epoch ms). False when this store cannot take it. */
  put(file: string, image: StoredImage, expiresAt: number): Promise<boolean>;
  /** The image, or `undefined` when it is gone (expired, evicted, never stored here). */
  get(file: string): Promise<StoredImage | undefined>;
  close(): Promise<void>;
}

interface MemoryEntry extends StoredImage {
  expiresAt: number;
}

/**
 * The memory store: at most `maxBytes` of images, the oldest dropped first when a new one needs
 * room, expired ones dropped as soon as a call sees them. One process only.
 *
 * @example
 * ```ts
 * const store = createMemoryImageStore({ maxBytes: 256 * 1024 * 1024 });
 * await store.put('q8Xr0aaaaaaaaaaaaaaaZg.png', { bytes, mediaType: 'image/png' }, Date.now() + 3_600_000);
 * ```
 */
export function createMemoryImageStore(options: {
  maxBytes: number;
  now?: () => number;
}): ImageStore & { readonly bytes: number; readonly size: number } {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, and every image gets the same TTL: oldest first is expiring first.
  const entries = new Map<string, MemoryEntry>();
  let bytes = 0;
  const drop = (file: string, entry: MemoryEntry) => {
    entries.delete(file);
    bytes -= entry.bytes.byteLength;
  };
  const sweep = () => {
    const at = now();
    for (const [file, entry] of entries) {
      if (entry.expiresAt > at) break;
      drop(file, entry);
    }
  };
  return {
    kind: 'memory',
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
    async put(file, image, expiresAt) {
      sweep();
      const size = image.bytes.byteLength;
      if (size > options.maxBytes) return false;
      for (const [oldest, entry] of entries) {
        if (bytes + size <= options.maxBytes) break;
        drop(oldest, entry);
      }
      entries.set(file, { ...image, expiresAt });
      bytes += size;
      return true;
    },
    async get(file) {
      sweep();
      const entry = entries.get(file);
      if (!entry || entry.expiresAt <= now()) return undefined;
      return { bytes: entry.bytes, mediaType: entry.mediaType };
    },
    async close() {
      entries.clear();
      bytes = 0;
    },
  };
}

/** Names of files being written (renamed into place when complete). */
const PARTIAL = /\.partial-[a-f0-9]{8}$/;

/**
 * The disk store: one file per image in `dir`, written under a temporary name and renamed, so a
 * reader never sees half a file. A file's modification time is its expiry; expired files are
 * deleted at start and then every `sweepMs`. Several instances may share the directory.
 *
 * @example
 * ```ts
 * const store = await createDiskImageStore({ dir: '/srv/retouch/images', mediaTypeOf });
 * ```
 */
export async function createDiskImageStore(options: {
  dir: string;
  /** The media type of a file name (the store keeps no other metadata). */
  mediaTypeOf: (file: string) => string | undefined;
  sweepMs?: number;
  now?: () => number;
}): Promise<ImageStore & { sweep(): Promise<number> }> {
  const { dir } = options;
  const now = options.now ?? Date.now;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const sweep = async (): Promise<number> => {
    let removed = 0;
    const at = now();
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      // A partial file older than an hour is a write that died half-way.
      const stale = PARTIAL.test(name) ? info.mtimeMs < at - 3_600_000 : info.mtimeMs <= at;
      if (stale && options.mediaTypeOf(name.replace(PARTIAL, '')) !== undefined) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  };
  await sweep();
  const timer = setInterval(() => void sweep(), options.sweepMs ?? 10 * 60_000);
  timer.unref();
  return {
    kind: 'disk',
    sweep,
    async put(file, image, expiresAt) {
      const path = join(dir, file);
      const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
      await writeFile(partial, image.bytes, { mode: 0o600 });
      await utimes(partial, new Date(), new Date(expiresAt));
      await rename(partial, path);
      return true;
    },
    async get(file) {
      const path = join(dir, file);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs <= now()) return undefined;
      const mediaType = options.mediaTypeOf(file);
      if (!mediaType) return undefined;
      const bytes = await readFile(path).catch(() => undefined);
      return bytes ? { bytes, mediaType } : undefined;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
